#include "tuf/key_ceremony.h"

#include <fmt/format.h>

#include <regex>
#include <vector>

#include "common/files.h"
#include "crypto/ed25519.h"
#include "tuf/metadata.h"
#include "tuf/signing.h"

namespace keel::tuf {
namespace {

constexpr int64_t kDayMs = 86'400'000;
constexpr auto kSecret = std::filesystem::perms(0600);

Status CheckOptions(const CeremonyOptions& o) {
  if (o.root_keys < 1 || o.root_keys > 16) {
    return Status::InvalidArgument(fmt::format("keys: {} root keys; 1..16", o.root_keys));
  }
  if (o.threshold < 1 || o.threshold > o.root_keys) {
    return Status::InvalidArgument(
        fmt::format("keys: threshold {} with {} root keys", o.threshold, o.root_keys));
  }
  if (o.root_expiry_days < 1 || o.root_expiry_days > 3650) {
    return Status::InvalidArgument(
        fmt::format("keys: root expiry of {} days; 1..3650", o.root_expiry_days));
  }
  return Status::Ok();
}

std::filesystem::path RootKeyPath(const std::filesystem::path& dir, int i) {
  return dir / fmt::format("root-key-{}.pem", i);
}

Result<std::vector<crypto::PrivateKey>> NewKeys(int n) {
  std::vector<crypto::PrivateKey> keys;
  for (int i = 0; i < n; ++i) {
    KEEL_ASSIGN_OR_RETURN(auto key, crypto::GenerateEd25519Key());
    keys.push_back(std::move(key));
  }
  return keys;
}

Result<std::string> PublicOf(const crypto::PrivateKey& key) {
  return crypto::Ed25519PublicKey(key);
}

// Sets `role` to the given keys in `root`, adding them to root.keys.
Status SetRoleKeys(RootMetadata& root, Role role,
                   const std::vector<const crypto::PrivateKey*>& keys, int64_t threshold) {
  RoleKeys role_keys;
  role_keys.threshold = threshold;
  for (const crypto::PrivateKey* key : keys) {
    KEEL_ASSIGN_OR_RETURN(std::string pub, PublicOf(*key));
    root.keys[KeyId(pub)] = pub;
    role_keys.keyids.push_back(KeyId(pub));
  }
  root.roles[role] = std::move(role_keys);
  return Status::Ok();
}

// The root keys kept in `dir` (root-key-1.pem, 2, ... until one is missing).
Result<std::vector<crypto::PrivateKey>> LoadRootKeys(const std::filesystem::path& dir) {
  std::vector<crypto::PrivateKey> keys;
  for (int i = 1; std::filesystem::exists(RootKeyPath(dir, i)); ++i) {
    KEEL_ASSIGN_OR_RETURN(auto key, crypto::PrivateKey::LoadFile(RootKeyPath(dir, i)));
    keys.push_back(std::move(key));
  }
  if (keys.empty()) {
    return Status::NotFound(fmt::format("keys: no root key in {}", dir.string()));
  }
  return keys;
}

// The highest N with root.<N>.json in `dir`, 0 if none.
int64_t NewestRootVersion(const std::filesystem::path& dir) {
  static const std::regex kName(R"(root\.([1-9][0-9]{0,8})\.json)");
  int64_t newest = 0;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    std::smatch m;
    const std::string name = entry.path().filename().string();
    if (std::regex_match(name, m, kName)) newest = std::max<int64_t>(newest, std::stoll(m[1]));
  }
  return newest;
}

std::vector<const crypto::PrivateKey*> Pointers(const std::vector<crypto::PrivateKey>& keys) {
  std::vector<const crypto::PrivateKey*> out;
  for (const auto& key : keys) out.push_back(&key);
  return out;
}

}  // namespace

Status InitKeys(const std::filesystem::path& offline_dir, const std::filesystem::path& online_dir,
                const CeremonyOptions& options, const Clock& clock) {
  KEEL_RETURN_IF_ERROR(CheckOptions(options));
  KEEL_RETURN_IF_ERROR(EnsureDirectory(offline_dir, std::filesystem::perms(0700)));
  KEEL_RETURN_IF_ERROR(EnsureDirectory(online_dir, std::filesystem::perms(0700)));
  if (std::filesystem::exists(RootKeyPath(offline_dir, 1)) || NewestRootVersion(offline_dir) > 0) {
    return Status::AlreadyExists(
        fmt::format("keys: {} already holds root keys or metadata; use `keelctl keys next-root`",
                    offline_dir.string()));
  }
  KEEL_ASSIGN_OR_RETURN(auto root_keys, NewKeys(options.root_keys));
  KEEL_ASSIGN_OR_RETURN(auto online, NewKeys(3));
  RootMetadata root;
  root.version = 1;
  root.expires_ms = clock.NowMs() + options.root_expiry_days * kDayMs;
  KEEL_RETURN_IF_ERROR(SetRoleKeys(root, Role::kRoot, Pointers(root_keys), options.threshold));
  KEEL_RETURN_IF_ERROR(SetRoleKeys(root, Role::kTargets, {&online[0]}, 1));
  KEEL_RETURN_IF_ERROR(SetRoleKeys(root, Role::kSnapshot, {&online[1]}, 1));
  KEEL_RETURN_IF_ERROR(SetRoleKeys(root, Role::kTimestamp, {&online[2]}, 1));
  KEEL_ASSIGN_OR_RETURN(std::string signed_root, SignMetadata(ToJson(root), Pointers(root_keys)));

  for (int i = 0; i < options.root_keys; ++i) {
    KEEL_RETURN_IF_ERROR(WriteFileAtomic(RootKeyPath(offline_dir, i + 1),
                                         root_keys[static_cast<size_t>(i)].ToPem(), kSecret));
  }
  KEEL_RETURN_IF_ERROR(WriteFileAtomic(offline_dir / "root.1.json", signed_root));
  KEEL_RETURN_IF_ERROR(WriteFileAtomic(online_dir / "targets.pem", online[0].ToPem(), kSecret));
  KEEL_RETURN_IF_ERROR(WriteFileAtomic(online_dir / "snapshot.pem", online[1].ToPem(), kSecret));
  KEEL_RETURN_IF_ERROR(WriteFileAtomic(online_dir / "timestamp.pem", online[2].ToPem(), kSecret));
  return WriteFileAtomic(online_dir / "root.json", signed_root);
}

Result<std::string> NextRoot(const std::filesystem::path& offline_dir,
                             const CeremonyOptions& options, bool rotate_root_keys,
                             const Clock& clock) {
  KEEL_RETURN_IF_ERROR(CheckOptions(options));
  const int64_t current_version = NewestRootVersion(offline_dir);
  if (current_version == 0) {
    return Status::NotFound(
        fmt::format("keys: no root.<N>.json in {}; run `keelctl keys init`", offline_dir.string()));
  }
  const auto current_path = offline_dir / fmt::format("root.{}.json", current_version);
  KEEL_ASSIGN_OR_RETURN(std::string current_bytes, ReadFile(current_path));
  KEEL_ASSIGN_OR_RETURN(Envelope envelope, ParseEnvelope(current_bytes, current_path.string()));
  KEEL_ASSIGN_OR_RETURN(RootMetadata current,
                        ParseRoot(envelope.signed_part, current_path.string()));
  KEEL_ASSIGN_OR_RETURN(auto old_keys, LoadRootKeys(offline_dir));

  RootMetadata next = current;
  next.version = current.version + 1;
  next.expires_ms = clock.NowMs() + options.root_expiry_days * kDayMs;
  std::vector<crypto::PrivateKey> new_keys;
  if (rotate_root_keys) {
    KEEL_ASSIGN_OR_RETURN(new_keys, NewKeys(options.root_keys));
    for (const std::string& keyid : current.roles.at(Role::kRoot).keyids) next.keys.erase(keyid);
    KEEL_RETURN_IF_ERROR(SetRoleKeys(next, Role::kRoot, Pointers(new_keys), options.threshold));
  }
  std::vector<const crypto::PrivateKey*> signers = Pointers(old_keys);
  for (const auto& key : new_keys) signers.push_back(&key);
  KEEL_ASSIGN_OR_RETURN(std::string signed_root, SignMetadata(ToJson(next), signers));
  // Check what was made the way a device will, before anything is replaced.
  KEEL_ASSIGN_OR_RETURN(Envelope made, ParseEnvelope(signed_root, "root.json"));
  KEEL_RETURN_IF_ERROR(VerifyThreshold(made, current, Role::kRoot, "new root by the old keys"));
  KEEL_RETURN_IF_ERROR(VerifyThreshold(made, next, Role::kRoot, "new root by its own keys"));

  const auto next_path = offline_dir / fmt::format("root.{}.json", next.version);
  if (rotate_root_keys) {
    for (size_t i = 0; i < old_keys.size(); ++i) {
      const auto from = RootKeyPath(offline_dir, static_cast<int>(i) + 1);
      const auto to =
          offline_dir / fmt::format("root-key-{}.retired.{}.pem", i + 1, current.version);
      std::error_code ec;
      std::filesystem::rename(from, to, ec);
      if (ec)
        return Status::IoError(fmt::format("keys: rename {}: {}", from.string(), ec.message()));
    }
    for (size_t i = 0; i < new_keys.size(); ++i) {
      KEEL_RETURN_IF_ERROR(WriteFileAtomic(RootKeyPath(offline_dir, static_cast<int>(i) + 1),
                                           new_keys[i].ToPem(), kSecret));
    }
  }
  KEEL_RETURN_IF_ERROR(WriteFileAtomic(next_path, signed_root));
  return signed_root;
}

}  // namespace keel::tuf
