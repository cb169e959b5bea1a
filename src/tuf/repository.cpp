#include "tuf/repository.h"

#include <fmt/format.h>

#include <array>

#include "common/files.h"
#include "crypto/ed25519.h"
#include "crypto/tokens.h"
#include "tuf/signing.h"
#include "tuf/trusted_metadata.h"

namespace keel::tuf {
namespace {

std::filesystem::path RootVersionPath(const std::filesystem::path& dir, int64_t version) {
  return dir / fmt::format("root.{}.json", version);
}

// The role's file as stored: parsed and verified against `root`. NotFound
// when missing; a file that does not parse or verify is an error naming it
// (refused rather than silently re-signed).
Result<Envelope> LoadRole(const std::filesystem::path& dir, const RootMetadata& root, Role role,
                          std::string* bytes) {
  const auto path = dir / RoleFileName(role);
  KEEL_ASSIGN_OR_RETURN(*bytes, ReadFile(path));
  KEEL_ASSIGN_OR_RETURN(Envelope envelope, ParseEnvelope(*bytes, path.string()));
  KEEL_RETURN_IF_ERROR(VerifyThreshold(envelope, root, role, path.string()));
  return envelope;
}

MetaFile MetaOf(int64_t version, const std::string& bytes) {
  return MetaFile{version, static_cast<int64_t>(bytes.size()), crypto::Sha256Hex(bytes)};
}

Status CheckOnlineKey(const RootMetadata& root, Role role, const crypto::PrivateKey& key) {
  KEEL_ASSIGN_OR_RETURN(std::string public_key, crypto::Ed25519PublicKey(key));
  const std::string keyid = KeyId(public_key);
  const RoleKeys& keys = root.roles.at(role);
  if (std::find(keys.keyids.begin(), keys.keyids.end(), keyid) == keys.keyids.end()) {
    return Status::FailedPrecondition(
        fmt::format("the online {} key {} is not listed for {} in root.json version {}",
                    RoleName(role), keyid.substr(0, 16), RoleName(role), root.version));
  }
  if (keys.threshold != 1) {
    return Status::FailedPrecondition(
        fmt::format("root.json version {} sets the {} threshold to {}: the repository signs "
                    "online roles with one key",
                    root.version, RoleName(role), keys.threshold));
  }
  return Status::Ok();
}

bool SameTarget(const TargetFile& a, const TargetFile& b) {
  return a.length == b.length && a.sha256 == b.sha256 && a.custom == b.custom;
}

}  // namespace

Repository::Repository(std::filesystem::path dir, OnlineKeys keys, const Clock& clock,
                       ExpiryPolicy expiry)
    : dir_(std::move(dir)), keys_(std::move(keys)), clock_(clock), expiry_(expiry) {}

Result<std::unique_ptr<Repository>> Repository::Open(const std::filesystem::path& dir,
                                                     OnlineKeys keys, const Clock& clock,
                                                     ExpiryPolicy expiry) {
  std::unique_ptr<Repository> repo(new Repository(dir, std::move(keys), clock, expiry));
  std::lock_guard lock(repo->mu_);
  KEEL_RETURN_IF_ERROR(repo->Load());
  return repo;
}

Status Repository::Load() {
  const auto root_path = dir_ / RoleFileName(Role::kRoot);
  KEEL_ASSIGN_OR_RETURN(root_bytes_, ReadFile(root_path));
  KEEL_ASSIGN_OR_RETURN(Envelope root_envelope, ParseEnvelope(root_bytes_, root_path.string()));
  KEEL_ASSIGN_OR_RETURN(root_, ParseRoot(root_envelope.signed_part, root_path.string()));
  KEEL_RETURN_IF_ERROR(VerifyThreshold(root_envelope, root_, Role::kRoot, root_path.string()));
  KEEL_RETURN_IF_ERROR(CheckOnlineKey(root_, Role::kTargets, keys_.targets));
  KEEL_RETURN_IF_ERROR(CheckOnlineKey(root_, Role::kSnapshot, keys_.snapshot));
  KEEL_RETURN_IF_ERROR(CheckOnlineKey(root_, Role::kTimestamp, keys_.timestamp));
  if (!std::filesystem::exists(RootVersionPath(dir_, root_.version))) {
    KEEL_RETURN_IF_ERROR(WriteFileAtomic(RootVersionPath(dir_, root_.version), root_bytes_));
  }

  // The newest role found on disk decides what must be re-signed above it.
  std::optional<Role> resign_from;
  auto targets = LoadRole(dir_, root_, Role::kTargets, &targets_bytes_);
  if (targets.ok()) {
    KEEL_ASSIGN_OR_RETURN(targets_, ParseTargets(targets->signed_part, "targets.json"));
  } else if (targets.status().code() == StatusCode::kNotFound) {
    targets_ = TargetsMetadata{};
    targets_.version = 0;  // Publish makes it 1
    resign_from = Role::kTargets;
  } else {
    return targets.status();
  }
  auto snapshot = LoadRole(dir_, root_, Role::kSnapshot, &snapshot_bytes_);
  if (snapshot.ok()) {
    KEEL_ASSIGN_OR_RETURN(snapshot_, ParseSnapshot(snapshot->signed_part, "snapshot.json"));
    if (!resign_from && (snapshot_.targets.version != targets_.version ||
                         snapshot_.targets.sha256 != crypto::Sha256Hex(targets_bytes_))) {
      resign_from = Role::kSnapshot;  // targets.json was written, snapshot.json not yet
    }
  } else if (snapshot.status().code() == StatusCode::kNotFound) {
    snapshot_ = SnapshotMetadata{};
    snapshot_.version = 0;
    if (!resign_from) resign_from = Role::kSnapshot;
  } else {
    return snapshot.status();
  }
  auto timestamp = LoadRole(dir_, root_, Role::kTimestamp, &timestamp_bytes_);
  if (timestamp.ok()) {
    KEEL_ASSIGN_OR_RETURN(timestamp_, ParseTimestamp(timestamp->signed_part, "timestamp.json"));
    if (!resign_from && (timestamp_.snapshot.version != snapshot_.version ||
                         timestamp_.snapshot.sha256 != crypto::Sha256Hex(snapshot_bytes_))) {
      resign_from = Role::kTimestamp;
    }
  } else if (timestamp.status().code() == StatusCode::kNotFound) {
    timestamp_ = TimestampMetadata{};
    timestamp_.version = 0;
    if (!resign_from) resign_from = Role::kTimestamp;
  } else {
    return timestamp.status();
  }
  if (!resign_from) return Status::Ok();
  return Publish(*resign_from == Role::kTargets, *resign_from != Role::kTimestamp);
}

Status Repository::WriteRole(Role role, const std::string& bytes) {
  return WriteFileAtomic(dir_ / RoleFileName(role), bytes);
}

Status Repository::Publish(bool targets_changed, bool snapshot_changed) {
  const int64_t now = clock_.NowMs();
  TargetsMetadata targets = targets_;
  std::string targets_bytes = targets_bytes_;
  if (targets_changed) {
    ++targets.version;
    targets.expires_ms = now + expiry_.targets_ms;
    const crypto::PrivateKey* key = &keys_.targets;
    KEEL_ASSIGN_OR_RETURN(targets_bytes, SignMetadata(ToJson(targets), {&key, 1}));
    KEEL_RETURN_IF_ERROR(WriteRole(Role::kTargets, targets_bytes));
  }
  SnapshotMetadata snapshot = snapshot_;
  std::string snapshot_bytes = snapshot_bytes_;
  if (targets_changed || snapshot_changed) {
    ++snapshot.version;
    snapshot.expires_ms = now + expiry_.snapshot_ms;
    snapshot.targets = MetaOf(targets.version, targets_bytes);
    const crypto::PrivateKey* key = &keys_.snapshot;
    KEEL_ASSIGN_OR_RETURN(snapshot_bytes, SignMetadata(ToJson(snapshot), {&key, 1}));
    KEEL_RETURN_IF_ERROR(WriteRole(Role::kSnapshot, snapshot_bytes));
  }
  TimestampMetadata timestamp = timestamp_;
  ++timestamp.version;
  timestamp.expires_ms = now + expiry_.timestamp_ms;
  timestamp.snapshot = MetaOf(snapshot.version, snapshot_bytes);
  const crypto::PrivateKey* key = &keys_.timestamp;
  KEEL_ASSIGN_OR_RETURN(std::string timestamp_bytes, SignMetadata(ToJson(timestamp), {&key, 1}));
  KEEL_RETURN_IF_ERROR(WriteRole(Role::kTimestamp, timestamp_bytes));

  targets_ = std::move(targets);
  targets_bytes_ = std::move(targets_bytes);
  snapshot_ = std::move(snapshot);
  snapshot_bytes_ = std::move(snapshot_bytes);
  timestamp_ = std::move(timestamp);
  timestamp_bytes_ = std::move(timestamp_bytes);
  return Status::Ok();
}

Status Repository::AddTarget(const std::string& name, const TargetFile& file) {
  std::lock_guard lock(mu_);
  if (auto it = targets_.targets.find(name); it != targets_.targets.end()) {
    if (SameTarget(it->second, file)) return Status::Ok();
    return Status::AlreadyExists(fmt::format(
        "target \"{}\" is published (targets.json version {}) with other content; a published "
        "name never changes",
        name, targets_.version));
  }
  const TargetsMetadata before = targets_;
  targets_.targets.emplace(name, file);
  Status status = Publish(true, true);
  if (!status.ok()) targets_ = before;  // disk may hold the new targets.json: Open repairs
  return status;
}

Result<bool> Repository::Refresh() {
  std::lock_guard lock(mu_);
  const int64_t now = clock_.NowMs();
  auto stale = [now](int64_t expires_ms, int64_t lifetime_ms) {
    return expires_ms - now < lifetime_ms / 2;
  };
  const bool targets = stale(targets_.expires_ms, expiry_.targets_ms);
  const bool snapshot = targets || stale(snapshot_.expires_ms, expiry_.snapshot_ms);
  const bool timestamp = snapshot || stale(timestamp_.expires_ms, expiry_.timestamp_ms);
  if (!timestamp) return false;
  KEEL_RETURN_IF_ERROR(Publish(targets, snapshot));
  return true;
}

Status Repository::InstallRoot(std::string_view bytes) {
  std::lock_guard lock(mu_);
  KEEL_ASSIGN_OR_RETURN(TrustedMetadata trusted, TrustedMetadata::Create(root_bytes_, clock_));
  KEEL_RETURN_IF_ERROR(trusted.UpdateRoot(bytes));
  const RootMetadata& next = trusted.root();
  KEEL_RETURN_IF_ERROR(CheckOnlineKey(next, Role::kTargets, keys_.targets));
  KEEL_RETURN_IF_ERROR(CheckOnlineKey(next, Role::kSnapshot, keys_.snapshot));
  KEEL_RETURN_IF_ERROR(CheckOnlineKey(next, Role::kTimestamp, keys_.timestamp));
  KEEL_RETURN_IF_ERROR(WriteFileAtomic(RootVersionPath(dir_, next.version), bytes));
  KEEL_RETURN_IF_ERROR(WriteFileAtomic(dir_ / RoleFileName(Role::kRoot), bytes));
  root_ = next;
  root_bytes_ = std::string(bytes);
  // Clients drop their timestamp when its keys rotate; a fresh one lets them on.
  return Publish(false, false);
}

Result<std::string> Repository::Metadata(Role role) const {
  std::lock_guard lock(mu_);
  switch (role) {
    case Role::kRoot:
      return root_bytes_;
    case Role::kTargets:
      return targets_bytes_;
    case Role::kSnapshot:
      return snapshot_bytes_;
    case Role::kTimestamp:
      return timestamp_bytes_;
  }
  return Status::Internal("unknown role");
}

Result<std::string> Repository::RootVersion(int64_t n) const {
  std::lock_guard lock(mu_);
  if (n < 1 || n > root_.version) {
    return Status::NotFound(
        fmt::format("root version {} (the current one is {})", n, root_.version));
  }
  return ReadFile(RootVersionPath(dir_, n));
}

TargetsMetadata Repository::targets() const {
  std::lock_guard lock(mu_);
  return targets_;
}

}  // namespace keel::tuf
