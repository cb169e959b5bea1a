#include "tuf/metadata.h"

#include <fmt/format.h>

#include <set>

#include "crypto/ed25519.h"
#include "crypto/hex.h"
#include "tuf/metadata_json.h"
#include "tuf/signing.h"

namespace keel::tuf {
namespace {

using internal::kMaxSafeInteger;
using internal::ObjectReader;

constexpr int64_t kMaxThreshold = 256;
constexpr std::string_view kSpecVersion = "1.0";
constexpr std::array<Role, 4> kRoles = {Role::kRoot, Role::kTargets, Role::kSnapshot,
                                        Role::kTimestamp};

// Reads "_type", "spec_version", "version" and "expires", common to every role.
struct Common {
  int64_t version = 0;
  int64_t expires_ms = 0;
};

Result<Common> ReadCommon(ObjectReader& r, Role role) {
  KEEL_ASSIGN_OR_RETURN(std::string type, r.String("_type"));
  if (type != RoleName(role)) {
    return Status::InvalidArgument(
        fmt::format("{}: is \"{}\", expected \"{}\"", r.Where("_type"), type, RoleName(role)));
  }
  KEEL_ASSIGN_OR_RETURN(std::string spec, r.String("spec_version"));
  if (spec != kSpecVersion) {
    return Status::InvalidArgument(fmt::format("{}: \"{}\" is not supported (\"{}\" is)",
                                               r.Where("spec_version"), spec, kSpecVersion));
  }
  Common common;
  KEEL_ASSIGN_OR_RETURN(common.version, r.Int("version", 1, kMaxSafeInteger));
  KEEL_ASSIGN_OR_RETURN(std::string expires, r.String("expires"));
  KEEL_ASSIGN_OR_RETURN(common.expires_ms, internal::ParseExpiry(expires, r.Where("expires")));
  return common;
}

nlohmann::json CommonJson(Role role, int64_t version, int64_t expires_ms) {
  return {{"_type", RoleName(role)},
          {"spec_version", kSpecVersion},
          {"version", version},
          {"expires", internal::FormatExpiry(expires_ms)}};
}

Result<std::string> Sha256Field(ObjectReader& r, std::string_view key) {
  KEEL_ASSIGN_OR_RETURN(std::string hex, r.String(key));
  if (hex.size() != 64 || !crypto::HexDecode(hex).ok()) {
    return Status::InvalidArgument(r.Where(key) + ": must be 64 lower-case hex digits");
  }
  return hex;
}

// {"sha256": "<hex>"}: the only hash Keel writes and accepts.
Result<std::string> Hashes(const nlohmann::json& value, const std::string& file,
                           const std::string& path) {
  ObjectReader r(value, file, path);
  KEEL_ASSIGN_OR_RETURN(std::string sha256, Sha256Field(r, "sha256"));
  KEEL_RETURN_IF_ERROR(r.Finish());
  return sha256;
}

Result<MetaFile> ParseMetaFile(const nlohmann::json& value, const std::string& file,
                               const std::string& path) {
  ObjectReader r(value, file, path);
  MetaFile meta;
  KEEL_ASSIGN_OR_RETURN(meta.version, r.Int("version", 1, kMaxSafeInteger));
  KEEL_ASSIGN_OR_RETURN(const nlohmann::json* length, r.Optional("length"));
  if (length != nullptr) {
    KEEL_ASSIGN_OR_RETURN(meta.length, r.Int("length", 0, kMaxSafeInteger));
  }
  KEEL_ASSIGN_OR_RETURN(const nlohmann::json* hashes, r.Optional("hashes"));
  if (hashes != nullptr) {
    KEEL_ASSIGN_OR_RETURN(meta.sha256, Hashes(*hashes, file, path + ".hashes"));
  }
  KEEL_RETURN_IF_ERROR(r.Finish());
  return meta;
}

nlohmann::json MetaFileJson(const MetaFile& meta) {
  nlohmann::json out = {{"version", meta.version}};
  if (meta.length) out["length"] = *meta.length;
  if (meta.sha256) out["hashes"] = {{"sha256", *meta.sha256}};
  return out;
}

// A "meta" object with exactly one entry, `name`.
Result<MetaFile> SingleMeta(ObjectReader& r, std::string_view name, const std::string& file) {
  KEEL_ASSIGN_OR_RETURN(const nlohmann::json* meta, r.Member("meta"));
  ObjectReader m(*meta, file, "signed.meta");
  KEEL_ASSIGN_OR_RETURN(const nlohmann::json* entry, m.Member(name));
  KEEL_ASSIGN_OR_RETURN(MetaFile out,
                        ParseMetaFile(*entry, file, fmt::format("signed.meta.\"{}\"", name)));
  KEEL_RETURN_IF_ERROR(m.Finish());
  return out;
}

Result<std::string> ParseKey(const std::string& keyid, const nlohmann::json& value,
                             const std::string& file) {
  const std::string path = fmt::format("signed.keys.\"{}\"", keyid);
  ObjectReader r(value, file, path);
  KEEL_ASSIGN_OR_RETURN(std::string keytype, r.String("keytype"));
  KEEL_ASSIGN_OR_RETURN(std::string scheme, r.String("scheme"));
  if (keytype != "ed25519" || scheme != "ed25519") {
    return Status::InvalidArgument(
        fmt::format("{}: {}: only keytype and scheme \"ed25519\" are supported", file, path));
  }
  KEEL_ASSIGN_OR_RETURN(const nlohmann::json* keyval, r.Member("keyval"));
  ObjectReader kv(*keyval, file, path + ".keyval");
  KEEL_ASSIGN_OR_RETURN(std::string hex, kv.String("public"));
  auto raw = crypto::HexDecode(hex);
  if (!raw.ok() || raw->size() != crypto::kEd25519PublicKeyBytes) {
    return Status::InvalidArgument(kv.Where("public") + ": must be 64 lower-case hex digits");
  }
  KEEL_RETURN_IF_ERROR(kv.Finish());
  KEEL_RETURN_IF_ERROR(r.Finish());
  if (KeyId(*raw) != keyid) {
    return Status::InvalidArgument(fmt::format(
        "{}: {}: the key id is not the SHA-256 of the key ({})", file, path, KeyId(*raw)));
  }
  return *raw;
}

Result<RoleKeys> ParseRoleKeys(const nlohmann::json& value, const std::string& file,
                               const std::string& path,
                               const std::map<std::string, std::string>& keys) {
  ObjectReader r(value, file, path);
  RoleKeys role;
  KEEL_ASSIGN_OR_RETURN(const nlohmann::json* keyids, r.Member("keyids"));
  if (!keyids->is_array() || keyids->empty()) {
    return Status::InvalidArgument(r.Where("keyids") + ": must be a non-empty array");
  }
  std::set<std::string> seen;
  for (const auto& id : *keyids) {
    if (!id.is_string()) return Status::InvalidArgument(r.Where("keyids") + ": must hold strings");
    const auto keyid = id.get<std::string>();
    if (keys.find(keyid) == keys.end()) {
      return Status::InvalidArgument(
          fmt::format("{}: key \"{}\" is not in signed.keys", r.Where("keyids"), keyid));
    }
    if (!seen.insert(keyid).second) {
      return Status::InvalidArgument(
          fmt::format("{}: key \"{}\" is listed twice", r.Where("keyids"), keyid));
    }
    role.keyids.push_back(keyid);
  }
  KEEL_ASSIGN_OR_RETURN(
      role.threshold,
      r.Int("threshold", 1, std::min<int64_t>(kMaxThreshold, static_cast<int64_t>(seen.size()))));
  KEEL_RETURN_IF_ERROR(r.Finish());
  return role;
}

// Timestamp and snapshot: the common fields and one "meta" entry, the file
// of role `named`, kept in `Member`.
template <typename Metadata, MetaFile Metadata::*Member>
Result<Metadata> ParseMetaRole(const nlohmann::json& signed_part, std::string_view file_view,
                               Role role, Role named) {
  const std::string file(file_view);
  ObjectReader r(signed_part, file, "signed");
  KEEL_ASSIGN_OR_RETURN(Common common, ReadCommon(r, role));
  Metadata out;
  out.version = common.version;
  out.expires_ms = common.expires_ms;
  KEEL_ASSIGN_OR_RETURN(out.*Member, SingleMeta(r, RoleFileName(named), file));
  KEEL_RETURN_IF_ERROR(r.Finish());
  return out;
}

}  // namespace

std::string_view RoleName(Role role) {
  switch (role) {
    case Role::kRoot:
      return "root";
    case Role::kTargets:
      return "targets";
    case Role::kSnapshot:
      return "snapshot";
    case Role::kTimestamp:
      return "timestamp";
  }
  return "unknown";
}

std::string_view RoleFileName(Role role) {
  switch (role) {
    case Role::kRoot:
      return "root.json";
    case Role::kTargets:
      return "targets.json";
    case Role::kSnapshot:
      return "snapshot.json";
    case Role::kTimestamp:
      return "timestamp.json";
  }
  return "unknown.json";
}

Result<RootMetadata> ParseRoot(const nlohmann::json& signed_part, std::string_view file_view) {
  const std::string file(file_view);
  ObjectReader r(signed_part, file, "signed");
  KEEL_ASSIGN_OR_RETURN(Common common, ReadCommon(r, Role::kRoot));
  RootMetadata root;
  root.version = common.version;
  root.expires_ms = common.expires_ms;
  KEEL_ASSIGN_OR_RETURN(const nlohmann::json* consistent, r.Optional("consistent_snapshot"));
  if (consistent != nullptr && *consistent != false) {
    return Status::InvalidArgument(r.Where("consistent_snapshot") + ": only false is supported");
  }
  KEEL_ASSIGN_OR_RETURN(const nlohmann::json* keys, r.Member("keys"));
  if (!keys->is_object()) return Status::InvalidArgument(r.Where("keys") + ": must be an object");
  for (const auto& [keyid, value] : keys->items()) {
    KEEL_ASSIGN_OR_RETURN(std::string raw, ParseKey(keyid, value, file));
    root.keys.emplace(keyid, std::move(raw));
  }
  KEEL_ASSIGN_OR_RETURN(const nlohmann::json* roles, r.Member("roles"));
  ObjectReader rr(*roles, file, "signed.roles");
  for (Role role : kRoles) {
    KEEL_ASSIGN_OR_RETURN(const nlohmann::json* value, rr.Member(RoleName(role)));
    KEEL_ASSIGN_OR_RETURN(
        RoleKeys keys_of_role,
        ParseRoleKeys(*value, file, fmt::format("signed.roles.{}", RoleName(role)), root.keys));
    root.roles.emplace(role, std::move(keys_of_role));
  }
  KEEL_RETURN_IF_ERROR(rr.Finish());
  KEEL_RETURN_IF_ERROR(r.Finish());
  return root;
}

Result<TimestampMetadata> ParseTimestamp(const nlohmann::json& signed_part, std::string_view file) {
  return ParseMetaRole<TimestampMetadata, &TimestampMetadata::snapshot>(
      signed_part, file, Role::kTimestamp, Role::kSnapshot);
}

Result<SnapshotMetadata> ParseSnapshot(const nlohmann::json& signed_part, std::string_view file) {
  return ParseMetaRole<SnapshotMetadata, &SnapshotMetadata::targets>(
      signed_part, file, Role::kSnapshot, Role::kTargets);
}

Result<TargetsMetadata> ParseTargets(const nlohmann::json& signed_part,
                                     std::string_view file_view) {
  const std::string file(file_view);
  ObjectReader r(signed_part, file, "signed");
  KEEL_ASSIGN_OR_RETURN(Common common, ReadCommon(r, Role::kTargets));
  TargetsMetadata out;
  out.version = common.version;
  out.expires_ms = common.expires_ms;
  KEEL_ASSIGN_OR_RETURN(const nlohmann::json* targets, r.Member("targets"));
  if (!targets->is_object()) {
    return Status::InvalidArgument(r.Where("targets") + ": must be an object");
  }
  for (const auto& [name, value] : targets->items()) {
    if (name.empty() || name.size() > 255) {
      return Status::InvalidArgument(r.Where("targets") + ": a target name must be 1..255 bytes");
    }
    const std::string path = fmt::format("signed.targets.\"{}\"", name);
    ObjectReader t(value, file, path);
    TargetFile target;
    KEEL_ASSIGN_OR_RETURN(target.length, t.Int("length", 0, kMaxSafeInteger));
    KEEL_ASSIGN_OR_RETURN(const nlohmann::json* hashes, t.Member("hashes"));
    KEEL_ASSIGN_OR_RETURN(target.sha256, Hashes(*hashes, file, path + ".hashes"));
    KEEL_ASSIGN_OR_RETURN(const nlohmann::json* custom, t.Optional("custom"));
    if (custom != nullptr) {
      if (!custom->is_object()) {
        return Status::InvalidArgument(t.Where("custom") + ": must be an object");
      }
      target.custom = *custom;
    }
    KEEL_RETURN_IF_ERROR(t.Finish());
    out.targets.emplace(name, std::move(target));
  }
  KEEL_RETURN_IF_ERROR(r.Finish());
  return out;
}

nlohmann::json ToJson(const RootMetadata& root) {
  nlohmann::json out = CommonJson(Role::kRoot, root.version, root.expires_ms);
  out["consistent_snapshot"] = false;
  nlohmann::json keys = nlohmann::json::object();
  for (const auto& [keyid, raw] : root.keys) {
    keys[keyid] = {{"keytype", "ed25519"},
                   {"scheme", "ed25519"},
                   {"keyval", {{"public", crypto::HexEncode(raw)}}}};
  }
  out["keys"] = std::move(keys);
  nlohmann::json roles = nlohmann::json::object();
  for (const auto& [role, keys_of_role] : root.roles) {
    roles[std::string(RoleName(role))] = {{"keyids", keys_of_role.keyids},
                                          {"threshold", keys_of_role.threshold}};
  }
  out["roles"] = std::move(roles);
  return out;
}

nlohmann::json ToJson(const TimestampMetadata& timestamp) {
  nlohmann::json out = CommonJson(Role::kTimestamp, timestamp.version, timestamp.expires_ms);
  out["meta"] = {{std::string(RoleFileName(Role::kSnapshot)), MetaFileJson(timestamp.snapshot)}};
  return out;
}

nlohmann::json ToJson(const SnapshotMetadata& snapshot) {
  nlohmann::json out = CommonJson(Role::kSnapshot, snapshot.version, snapshot.expires_ms);
  out["meta"] = {{std::string(RoleFileName(Role::kTargets)), MetaFileJson(snapshot.targets)}};
  return out;
}

nlohmann::json ToJson(const TargetsMetadata& targets) {
  nlohmann::json out = CommonJson(Role::kTargets, targets.version, targets.expires_ms);
  nlohmann::json files = nlohmann::json::object();
  for (const auto& [name, file] : targets.targets) {
    files[name] = {{"length", file.length}, {"hashes", {{"sha256", file.sha256}}}};
    if (!file.custom.empty()) files[name]["custom"] = file.custom;
  }
  out["targets"] = std::move(files);
  return out;
}

}  // namespace keel::tuf
