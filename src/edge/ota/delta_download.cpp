#include "edge/ota/delta_download.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "common/zstd_delta.h"
#include "crypto/tokens.h"
#include "tuf/delta_names.h"

namespace keel::edge::ota {
namespace {

// FailedPrecondition if the delta's custom data names another value under
// `key` than `expected` (absent is fine: the name already encodes both).
Status CheckCustom(const std::string& delta_name, const tuf::TargetFile& delta,
                   std::string_view key, std::string_view expected) {
  const auto it = delta.custom.find(key);
  if (it == delta.custom.end()) return Status::Ok();
  if (!it->is_string() || it->get<std::string>() != expected) {
    return Status::FailedPrecondition(
        fmt::format("{}: custom.{} is {}, not \"{}\"", delta_name, key, it->dump(), expected));
  }
  return Status::Ok();
}

// `name` rebuilt from `base` with its published delta and verified against
// `full`; a non-OK status says why not. Adds the delta's signed length to
// *downloaded once it is fetched.
Result<std::string> ViaDelta(Updater& updater, UpdateSource& source, std::string_view name,
                             const tuf::TargetFile& full, std::string_view base,
                             int64_t* downloaded) {
  const std::string base_sha256 = crypto::Sha256Hex(base);
  const std::string delta_name = tuf::DeltaTargetName(name, base_sha256);
  auto delta_target = updater.Target(delta_name);
  if (!delta_target.ok()) {
    if (delta_target.status().code() != StatusCode::kNotFound) return delta_target.status();
    return Status::NotFound(fmt::format("no delta from base {} is published ({})",
                                        base_sha256.substr(0, tuf::kDeltaBaseDigits), delta_name));
  }
  KEEL_RETURN_IF_ERROR(CheckCustom(delta_name, *delta_target, tuf::kDeltaOfKey, name));
  KEEL_RETURN_IF_ERROR(CheckCustom(delta_name, *delta_target, tuf::kDeltaBaseKey, base_sha256));
  if (delta_target->length >= full.length) {
    return Status::FailedPrecondition(
        fmt::format("{}: the delta ({} bytes) is not smaller than the target ({} bytes)",
                    delta_name, delta_target->length, full.length));
  }
  KEEL_ASSIGN_OR_RETURN(std::string delta, updater.Download(source, delta_name));
  *downloaded += delta_target->length;
  auto rebuilt = ApplyDelta(base, delta, static_cast<size_t>(full.length));
  if (!rebuilt.ok()) return rebuilt.status().WithContext(delta_name);
  tuf::TargetVerifier verifier{std::string(name), full};
  Status verified = verifier.Update(*rebuilt);
  if (verified.ok()) verified = verifier.Finish();
  if (!verified.ok()) return verified.WithContext(fmt::format("rebuilt from {}", delta_name));
  return rebuilt;
}

}  // namespace

Result<TargetDownload> DownloadPreferringDelta(Updater& updater, UpdateSource& source,
                                               std::string_view name,
                                               std::optional<std::string_view> base_content) {
  KEEL_ASSIGN_OR_RETURN(tuf::TargetFile full, updater.Target(name));
  TargetDownload out;
  out.target_length = full.length;
  if (!base_content) {
    out.fallback_reason = "no base on the device";
  } else {
    auto rebuilt = ViaDelta(updater, source, name, full, *base_content, &out.downloaded_length);
    if (rebuilt.ok()) {
      out.content = std::move(rebuilt).value();
      out.via_delta = true;
      spdlog::info("ota: {}: rebuilt from a delta of {} bytes instead of {}", name,
                   out.downloaded_length, full.length);
      return out;
    }
    if (rebuilt.status().code() == StatusCode::kUnavailable) return rebuilt.status();
    out.fallback_reason = rebuilt.status().message();
    if (rebuilt.status().code() == StatusCode::kNotFound) {
      spdlog::info("ota: {}: downloading the full target: {}", name, out.fallback_reason);
    } else {
      spdlog::warn("ota: {}: delta not used, downloading the full target: {}", name,
                   out.fallback_reason);
    }
  }
  KEEL_ASSIGN_OR_RETURN(out.content, updater.Download(source, name));
  out.downloaded_length += full.length;
  return out;
}

}  // namespace keel::edge::ota
