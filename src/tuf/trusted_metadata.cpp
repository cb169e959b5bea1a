#include "tuf/trusted_metadata.h"

#include <fmt/format.h>

#include "crypto/tokens.h"
#include "tuf/metadata_json.h"
#include "tuf/signing.h"

namespace keel::tuf {
namespace {

Status Rollback(Role role, int64_t offered, int64_t trusted) {
  return Status::FailedPrecondition(
      fmt::format("{}: version {} is lower than the trusted version {} (rollback)",
                  RoleFileName(role), offered, trusted));
}

// The length and hash a parent role names for a metadata file.
Status CheckMetaFile(std::string_view bytes, const MetaFile& meta, Role role, Role parent) {
  if (meta.length && static_cast<int64_t>(bytes.size()) != *meta.length) {
    return Status::FailedPrecondition(fmt::format("{}: {} bytes, {} names {}", RoleFileName(role),
                                                  bytes.size(), RoleFileName(parent),
                                                  *meta.length));
  }
  if (meta.sha256 && crypto::Sha256Hex(bytes) != *meta.sha256) {
    return Status::FailedPrecondition(fmt::format("{}: SHA-256 is not the one {} names",
                                                  RoleFileName(role), RoleFileName(parent)));
  }
  return Status::Ok();
}

bool SameKeys(const RootMetadata& a, const RootMetadata& b, Role role) {
  const RoleKeys& x = a.roles.at(role);
  const RoleKeys& y = b.roles.at(role);
  return x.threshold == y.threshold && x.keyids == y.keyids;
}

}  // namespace

Result<TrustedMetadata> TrustedMetadata::Create(std::string_view bytes, const Clock& clock) {
  const std::string file(RoleFileName(Role::kRoot));
  KEEL_ASSIGN_OR_RETURN(Envelope envelope, ParseEnvelope(bytes, file));
  KEEL_ASSIGN_OR_RETURN(RootMetadata root, ParseRoot(envelope.signed_part, file));
  KEEL_RETURN_IF_ERROR(VerifyThreshold(envelope, root, Role::kRoot, file));
  return TrustedMetadata(std::move(root), clock);
}

Status TrustedMetadata::CheckNotExpired(int64_t expires_ms, Role role) const {
  if (expires_ms <= clock_->NowMs()) {
    return Status::FailedPrecondition(fmt::format("{} expired at {} (freeze)", RoleFileName(role),
                                                  internal::FormatExpiry(expires_ms)));
  }
  return Status::Ok();
}

Status TrustedMetadata::UpdateRoot(std::string_view bytes) {
  const std::string file = fmt::format("root.json (version {})", root_.version + 1);
  KEEL_ASSIGN_OR_RETURN(Envelope envelope, ParseEnvelope(bytes, file));
  KEEL_ASSIGN_OR_RETURN(RootMetadata next, ParseRoot(envelope.signed_part, file));
  KEEL_RETURN_IF_ERROR(VerifyThreshold(envelope, root_, Role::kRoot, file + " by the old root"));
  KEEL_RETURN_IF_ERROR(VerifyThreshold(envelope, next, Role::kRoot, file + " by itself"));
  if (next.version != root_.version + 1) {
    return Status::FailedPrecondition(
        fmt::format("root.json: version {} after trusted version {}"
                    " (each root must be the next version)",
                    next.version, root_.version));
  }
  const bool timestamp_rotated = !SameKeys(root_, next, Role::kTimestamp);
  const bool snapshot_rotated = !SameKeys(root_, next, Role::kSnapshot);
  if (timestamp_rotated || snapshot_rotated) timestamp_.reset();
  if (snapshot_rotated) snapshot_.reset();
  root_ = std::move(next);
  return Status::Ok();
}

Status TrustedMetadata::UpdateTimestamp(std::string_view bytes) {
  KEEL_RETURN_IF_ERROR(CheckNotExpired(root_.expires_ms, Role::kRoot));
  const std::string file(RoleFileName(Role::kTimestamp));
  KEEL_ASSIGN_OR_RETURN(Envelope envelope, ParseEnvelope(bytes, file));
  KEEL_ASSIGN_OR_RETURN(TimestampMetadata next, ParseTimestamp(envelope.signed_part, file));
  KEEL_RETURN_IF_ERROR(VerifyThreshold(envelope, root_, Role::kTimestamp, file));
  if (timestamp_) {
    if (next.version < timestamp_->version) {
      return Rollback(Role::kTimestamp, next.version, timestamp_->version);
    }
    if (next.version == timestamp_->version) {
      return CheckNotExpired(timestamp_->expires_ms, Role::kTimestamp);
    }
    if (next.snapshot.version < timestamp_->snapshot.version) {
      return Rollback(Role::kSnapshot, next.snapshot.version, timestamp_->snapshot.version);
    }
  }
  const int64_t expires = next.expires_ms;
  timestamp_ = std::move(next);
  return CheckNotExpired(expires, Role::kTimestamp);
}

Status TrustedMetadata::UpdateSnapshot(std::string_view bytes) {
  if (!timestamp_) {
    return Status::FailedPrecondition("snapshot.json: no trusted timestamp.json to check it with");
  }
  KEEL_RETURN_IF_ERROR(CheckNotExpired(timestamp_->expires_ms, Role::kTimestamp));
  KEEL_RETURN_IF_ERROR(
      CheckMetaFile(bytes, timestamp_->snapshot, Role::kSnapshot, Role::kTimestamp));
  const std::string file(RoleFileName(Role::kSnapshot));
  KEEL_ASSIGN_OR_RETURN(Envelope envelope, ParseEnvelope(bytes, file));
  KEEL_ASSIGN_OR_RETURN(SnapshotMetadata next, ParseSnapshot(envelope.signed_part, file));
  KEEL_RETURN_IF_ERROR(VerifyThreshold(envelope, root_, Role::kSnapshot, file));
  if (next.version != timestamp_->snapshot.version) {
    return Status::FailedPrecondition(
        fmt::format("snapshot.json: version {}, but timestamp.json names version {} "
                    "(mix-and-match)",
                    next.version, timestamp_->snapshot.version));
  }
  if (snapshot_ && next.targets.version < snapshot_->targets.version) {
    return Rollback(Role::kTargets, next.targets.version, snapshot_->targets.version);
  }
  const int64_t expires = next.expires_ms;
  snapshot_ = std::move(next);
  return CheckNotExpired(expires, Role::kSnapshot);
}

Status TrustedMetadata::UpdateTargets(std::string_view bytes) {
  if (!snapshot_) {
    return Status::FailedPrecondition("targets.json: no trusted snapshot.json to check it with");
  }
  KEEL_RETURN_IF_ERROR(CheckNotExpired(snapshot_->expires_ms, Role::kSnapshot));
  KEEL_RETURN_IF_ERROR(CheckMetaFile(bytes, snapshot_->targets, Role::kTargets, Role::kSnapshot));
  const std::string file(RoleFileName(Role::kTargets));
  KEEL_ASSIGN_OR_RETURN(Envelope envelope, ParseEnvelope(bytes, file));
  KEEL_ASSIGN_OR_RETURN(TargetsMetadata next, ParseTargets(envelope.signed_part, file));
  KEEL_RETURN_IF_ERROR(VerifyThreshold(envelope, root_, Role::kTargets, file));
  if (next.version != snapshot_->targets.version) {
    return Status::FailedPrecondition(
        fmt::format("targets.json: version {}, but snapshot.json names version {} "
                    "(mix-and-match)",
                    next.version, snapshot_->targets.version));
  }
  const int64_t expires = next.expires_ms;
  targets_ = std::move(next);
  return CheckNotExpired(expires, Role::kTargets);
}

Result<TargetFile> TrustedMetadata::Target(std::string_view name) const {
  if (!timestamp_ || !snapshot_ || !targets_) {
    return Status::FailedPrecondition(
        "targets: timestamp, snapshot and targets must be updated first");
  }
  KEEL_RETURN_IF_ERROR(CheckNotExpired(root_.expires_ms, Role::kRoot));
  KEEL_RETURN_IF_ERROR(CheckNotExpired(timestamp_->expires_ms, Role::kTimestamp));
  KEEL_RETURN_IF_ERROR(CheckNotExpired(snapshot_->expires_ms, Role::kSnapshot));
  KEEL_RETURN_IF_ERROR(CheckNotExpired(targets_->expires_ms, Role::kTargets));
  const auto it = targets_->targets.find(std::string(name));
  if (it == targets_->targets.end()) {
    return Status::NotFound(
        fmt::format("targets.json (version {}) has no target \"{}\"", targets_->version, name));
  }
  return it->second;
}

TargetVerifier::TargetVerifier(std::string name, TargetFile target)
    : name_(std::move(name)), target_(std::move(target)) {}

Status TargetVerifier::Update(std::string_view chunk) {
  if (static_cast<int64_t>(chunk.size()) > target_.length - received_) {
    return Status::FailedPrecondition(
        fmt::format("target \"{}\": more than the signed {} bytes", name_, target_.length));
  }
  received_ += static_cast<int64_t>(chunk.size());
  sha256_.Update(chunk);
  return Status::Ok();
}

Status TargetVerifier::Finish() {
  if (received_ != target_.length) {
    return Status::FailedPrecondition(
        fmt::format("target \"{}\": {} bytes, {} signed", name_, received_, target_.length));
  }
  if (sha256_.FinishHex() != target_.sha256) {
    return Status::FailedPrecondition(
        fmt::format("target \"{}\": SHA-256 is not the signed one", name_));
  }
  return Status::Ok();
}

}  // namespace keel::tuf
