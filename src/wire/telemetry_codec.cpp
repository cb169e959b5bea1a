#include "wire/telemetry_codec.h"

#include <cctype>

#include "wire/telemetry_rules.h"

namespace keel::wire {
namespace {

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

std::string_view TrimSpaces(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

std::optional<Encoding> EncodingForContentType(std::string_view content_type) {
  std::string_view media = TrimSpaces(content_type.substr(0, content_type.find(';')));
  if (media.empty() || EqualsIgnoreCase(media, kJsonContentType)) return Encoding::kJson;
  if (EqualsIgnoreCase(media, kCborContentType)) return Encoding::kCbor;
  return std::nullopt;
}

std::string_view ContentTypeFor(Encoding encoding) {
  return encoding == Encoding::kCbor ? kCborContentType : kJsonContentType;
}

std::string EncodeTelemetry(const TelemetryBatch& batch, Encoding encoding) {
  return encoding == Encoding::kCbor ? internal::EncodeTelemetryCbor(batch)
                                     : internal::EncodeTelemetryJson(batch);
}

std::optional<Rejection> DecodeTelemetry(Encoding encoding, std::string_view payload,
                                         int64_t now_ms, const DecodeLimits& limits,
                                         TelemetryBatch* out) {
  if (payload.size() > limits.max_payload_bytes) {
    return Rejection{RejectReason::kTooLarge, "payload is " + std::to_string(payload.size()) +
                                                  " bytes, more than " +
                                                  std::to_string(limits.max_payload_bytes)};
  }
  try {
    return encoding == Encoding::kCbor
               ? internal::DecodeTelemetryCbor(payload, now_ms, limits, out)
               : internal::DecodeTelemetryJson(payload, now_ms, limits, out);
  } catch (const std::exception& e) {
    return Rejection{RejectReason::kMalformed,
                     std::string("unexpected decoder error: ") + e.what()};
  }
}

}  // namespace keel::wire
