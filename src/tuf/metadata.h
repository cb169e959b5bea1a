// Update metadata after The Update Framework (TUF 1.0): the four top-level
// roles and their signed contents, as Keel writes and reads them
// (docs/ota.md has the format). Each role's file is an envelope
//   {"signed": {...}, "signatures": [{"keyid": "<hex>", "sig": "<hex>"}]}
// whose signatures are Ed25519 over the canonical bytes of "signed"
// (signing.h). Metadata holds whole numbers only; times are UTC
// "YYYY-MM-DDTHH:MM:SSZ"; unknown keys are errors (except a target's
// "custom" object, which is kept as given).
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace keel::tuf {

enum class Role { kRoot, kTargets, kSnapshot, kTimestamp };

std::string_view RoleName(Role role);      // "root", ...
std::string_view RoleFileName(Role role);  // "root.json", ...

// Which keys may sign for a role and how many distinct ones must.
struct RoleKeys {
  std::vector<std::string> keyids;  // hex key ids (signing.h KeyId), no repeats
  int64_t threshold = 1;            // 1..keyids.size()
};

struct RootMetadata {
  int64_t version = 1;
  int64_t expires_ms = 0;
  // key id -> raw Ed25519 public key; every key id is KeyId(its key).
  std::map<std::string, std::string> keys;
  std::map<Role, RoleKeys> roles;  // all four, each key id in `keys`
};

// A metadata file named by another role: its version and, optionally, its
// length and SHA-256 (hex), checked before the file is parsed.
struct MetaFile {
  int64_t version = 1;
  std::optional<int64_t> length;
  std::optional<std::string> sha256;
};

struct TimestampMetadata {
  int64_t version = 1;
  int64_t expires_ms = 0;
  MetaFile snapshot;  // "snapshot.json"
};

struct SnapshotMetadata {
  int64_t version = 1;
  int64_t expires_ms = 0;
  MetaFile targets;  // "targets.json" (no delegations)
};

struct TargetFile {
  int64_t length = 0;
  std::string sha256;                                // lower-case hex
  nlohmann::json custom = nlohmann::json::object();  // e.g. {"version": "1.4.0", "kind": "model"}
};

struct TargetsMetadata {
  int64_t version = 1;
  int64_t expires_ms = 0;
  std::map<std::string, TargetFile> targets;  // target name -> file
};

// The "signed" object of each role. InvalidArgument naming `file` and the
// JSON path for anything missing, mistyped, out of range or unknown.
Result<RootMetadata> ParseRoot(const nlohmann::json& signed_part, std::string_view file);
Result<TimestampMetadata> ParseTimestamp(const nlohmann::json& signed_part, std::string_view file);
Result<SnapshotMetadata> ParseSnapshot(const nlohmann::json& signed_part, std::string_view file);
Result<TargetsMetadata> ParseTargets(const nlohmann::json& signed_part, std::string_view file);

// The "signed" objects the parsers accept (round trip).
nlohmann::json ToJson(const RootMetadata& root);
nlohmann::json ToJson(const TimestampMetadata& timestamp);
nlohmann::json ToJson(const SnapshotMetadata& snapshot);
nlohmann::json ToJson(const TargetsMetadata& targets);

}  // namespace keel::tuf
