// libFuzzer target for update metadata (tuf/signing.h ParseEnvelope and the
// four role parsers): any input must yield metadata or an error Status,
// never a crash, hang or exception; whatever parses must round-trip through
// ToJson unchanged.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "tuf/metadata.h"
#include "tuf/signing.h"

namespace {

template <typename Parse>
void RoundTrip(const nlohmann::json& signed_part, Parse parse) {
  auto parsed = parse(signed_part, "fuzz.json");
  if (!parsed.ok()) {
    if (parsed.status().message().empty()) __builtin_trap();
    return;
  }
  const nlohmann::json again = keel::tuf::ToJson(*parsed);
  auto reparsed = parse(again, "fuzz.json");
  if (!reparsed.ok() || keel::tuf::ToJson(*reparsed) != again) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto envelope = keel::tuf::ParseEnvelope(text, "fuzz.json");
  if (!envelope.ok()) {
    if (envelope.status().message().empty()) __builtin_trap();
    return 0;
  }
  const nlohmann::json& s = envelope->signed_part;
  RoundTrip(s, [](const auto& j, auto f) { return keel::tuf::ParseRoot(j, f); });
  RoundTrip(s, [](const auto& j, auto f) { return keel::tuf::ParseTimestamp(j, f); });
  RoundTrip(s, [](const auto& j, auto f) { return keel::tuf::ParseSnapshot(j, f); });
  RoundTrip(s, [](const auto& j, auto f) { return keel::tuf::ParseTargets(j, f); });
  (void)keel::tuf::CanonicalBytes(s);
  return 0;
}
