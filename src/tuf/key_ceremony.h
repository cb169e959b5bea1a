// The offline key ceremony for update metadata (`keelctl keys`): root keys
// are made and kept outside the hub; the hub gets only the online keys
// (targets, snapshot, timestamp) and the signed root.json.
//
//   offline dir (keep off-line, e.g. on removable media):
//     root-key-<i>.pem   (0600) the root keys, i = 1..root_keys
//     root.<N>.json      every root version signed here
//   online dir (copy into the hub's repository directory):
//     targets.pem, snapshot.pem, timestamp.pem (0600), root.json
#pragma once

#include <filesystem>
#include <string>

#include "common/clock.h"
#include "common/status.h"

namespace keel::tuf {

struct CeremonyOptions {
  int root_keys = 1;               // 1..16
  int threshold = 1;               // 1..root_keys
  int64_t root_expiry_days = 365;  // 1..3650
};

// Creates both directories' files for root version 1, signed by every root
// key. AlreadyExists if the offline directory already holds root keys or
// root metadata (a ceremony is never silently repeated); InvalidArgument for
// out-of-range options.
Status InitKeys(const std::filesystem::path& offline_dir, const std::filesystem::path& online_dir,
                const CeremonyOptions& options, const Clock& clock);

// Signs root version N+1 from the newest root.<N>.json in `offline_dir`: the
// same roles and online keys with a fresh expiry; with `rotate_root_keys`,
// new root keys (options.root_keys, options.threshold) replace the old ones,
// which are renamed root-key-<i>.retired.<N>.pem. It is signed by the old
// root keys and the new ones (the threshold of each), written as
// root.<N+1>.json and returned, for the hub to install.
Result<std::string> NextRoot(const std::filesystem::path& offline_dir,
                             const CeremonyOptions& options, bool rotate_root_keys,
                             const Clock& clock);

}  // namespace keel::tuf
