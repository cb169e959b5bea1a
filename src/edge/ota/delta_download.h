// DownloadPreferringDelta: fetches a signed target as a delta from a version
// the device already has, when one is published, and as the full artifact
// otherwise (issue 4: "delta with zstd --patch-from semantics when the device
// has the base version, falling back to the full artifact when the delta does
// not apply").
//
// With a base, the delta looked for is the signed target
// tuf::DeltaTargetName(name, SHA-256(base)) (tuf/delta_names.h). It is
// downloaded through Updater::Download (verified against its own signed
// length and hash, resumable), applied with at most the full target's signed
// length of output (ApplyDelta), and the result is verified against the full
// target's signed length and SHA-256: the delta's signature only says the
// hub published those bytes, not that they rebuild `name` from this base.
// Anything wrong on that path falls back to Updater::Download(name), with the
// reason logged and returned:
//   - no such delta target, or its custom "delta_of"/"base_sha256" name
//     another target or base
//   - the delta is not smaller than the full target
//   - the delta's download fails with anything but Unavailable
//   - ApplyDelta fails, or the result's length or hash is not the target's
// Unavailable (a broken connection) while fetching the delta is returned
// instead: the bytes received stay for the next call to resume, as for a
// full download. Not thread-safe (the Updater is not).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"
#include "edge/ota/update_source.h"
#include "edge/ota/updater.h"

namespace keel::edge::ota {

struct TargetDownload {
  std::string content;  // verified: the full target's signed length and SHA-256
  bool via_delta = false;
  int64_t target_length = 0;  // the full target's signed length, in bytes
  // Signed lengths of the artifacts downloaded by this call, in bytes: the
  // delta's, the full target's, or both when a fetched delta did not apply.
  // target_length - downloaded_length is what the delta saved.
  int64_t downloaded_length = 0;
  // Why the full target was downloaded, e.g. "no base on the device" or
  // "pump-ae@1.3.0/model.onnx.from-9f2c4e01a7b3d5c6.zst: delta: ... checksum
  // ..."; empty when via_delta.
  std::string fallback_reason;
};

// Errors are those of Updater::Target and Updater::Download for `name` (the
// full target), and Unavailable while fetching the delta.
Result<TargetDownload> DownloadPreferringDelta(Updater& updater, UpdateSource& source,
                                               std::string_view name,
                                               std::optional<std::string_view> base_content);

}  // namespace keel::edge::ota
