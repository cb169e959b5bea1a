// How delta targets are named, shared by whoever publishes deltas (the hub)
// and the device that looks for one (edge/ota/delta_download.h).
//
// The delta that rebuilds target `<name>` from a base file whose SHA-256 is
// B (lower-case hex) is the signed target
//   <name>.from-<first 16 hex digits of B>.zst
// e.g. "pump-ae@1.3.0/model.onnx.from-9f2c4e01a7b3d5c6.zst": a zstd frame
// made with the base as prefix (common/zstd_delta.h, `zstd --patch-from`).
// Its custom data may carry {"delta_of": "<name>", "base_sha256": "<B>"};
// a device that finds them refuses a delta whose values differ. 64 bits of
// B pick the delta; they need not be collision-proof, because the device
// verifies what it rebuilds against `<name>`'s own signed length and hash.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace keel::tuf {

inline constexpr size_t kDeltaBaseDigits = 16;
inline constexpr std::string_view kDeltaOfKey = "delta_of";       // custom: the full target
inline constexpr std::string_view kDeltaBaseKey = "base_sha256";  // custom: the whole of B

// `base_sha256_hex` is the base's SHA-256 as lower-case hex (64 digits); only
// its first kDeltaBaseDigits are used.
inline std::string DeltaTargetName(std::string_view name, std::string_view base_sha256_hex) {
  std::string out(name);
  out += ".from-";
  out += base_sha256_hex.substr(0, kDeltaBaseDigits);
  out += ".zst";
  return out;
}

}  // namespace keel::tuf
