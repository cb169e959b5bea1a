// TrustedMetadata: what a device (or any client) currently trusts, and the
// only way to trust more — the TUF client workflow (TUF 1.0 section 5.3 to
// 5.6) without delegations or consistent snapshots:
//
//   root (pinned at enrollment) -> UpdateRoot(N+1) ... -> UpdateTimestamp
//   -> UpdateSnapshot -> UpdateTargets -> Target(name) -> TargetVerifier
//
// Each Update* parses the bytes, checks them against what is trusted and
// only then trusts them; on any error nothing trusted changes, except that
// metadata which is valid but expired is still kept (its version protects
// against rollback) and the call returns FailedPrecondition. Errors:
//   InvalidArgument      malformed metadata (names file and JSON path)
//   Unauthenticated      too few valid signatures by distinct keys of the role
//   FailedPrecondition   expired (freeze), a lower version than trusted
//                        (rollback), a version other than the one the parent
//                        role names (mix-and-match), a length or hash that
//                        does not match, or a step out of order
// Not thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/status.h"
#include "crypto/sha256.h"
#include "tuf/metadata.h"

namespace keel::tuf {

class TrustedMetadata {
 public:
  // `root`: the pinned root.json; it must be signed by a threshold of its
  // own root keys (it may be expired: newer roots can still be fetched).
  // `clock` must outlive this object.
  static Result<TrustedMetadata> Create(std::string_view root, const Clock& clock);

  // The next root version (trusted version + 1), signed by a threshold of
  // both the trusted root's and its own root keys. If the timestamp or
  // snapshot keys changed, the trusted timestamp and snapshot are dropped
  // (recovery from a fast-forward attack).
  Status UpdateRoot(std::string_view bytes);

  // Requires the trusted root not to be expired. A version equal to the
  // trusted one leaves it in place (OK).
  Status UpdateTimestamp(std::string_view bytes);

  // Requires a trusted, unexpired timestamp; bytes must have the length and
  // hash it names (if it names them) and the version it names.
  Status UpdateSnapshot(std::string_view bytes);

  // Requires a trusted, unexpired snapshot; bytes must match what it names.
  Status UpdateTargets(std::string_view bytes);

  // The target named `name` of trusted, unexpired metadata (root, timestamp,
  // snapshot and targets all unexpired now). NotFound for an unknown name.
  Result<TargetFile> Target(std::string_view name) const;

  const RootMetadata& root() const { return root_; }
  const std::optional<TimestampMetadata>& timestamp() const { return timestamp_; }
  const std::optional<SnapshotMetadata>& snapshot() const { return snapshot_; }
  const std::optional<TargetsMetadata>& targets() const { return targets_; }

 private:
  TrustedMetadata(RootMetadata root, const Clock& clock) : root_(std::move(root)), clock_(&clock) {}

  // FailedPrecondition "<file> expired at ..." when expires_ms <= now.
  Status CheckNotExpired(int64_t expires_ms, Role role) const;

  RootMetadata root_;
  std::optional<TimestampMetadata> timestamp_;
  std::optional<SnapshotMetadata> snapshot_;
  std::optional<TargetsMetadata> targets_;
  const Clock* clock_;
};

// Checks a target's bytes as they stream in: never accepts more than the
// signed length (an endless-data attack stops at once) and compares the
// SHA-256 at the end. Not thread-safe.
class TargetVerifier {
 public:
  TargetVerifier(std::string name, TargetFile target);

  // FailedPrecondition once the bytes exceed the signed length.
  Status Update(std::string_view chunk);
  // FailedPrecondition for a short payload or a wrong hash.
  Status Finish();

  int64_t received() const { return received_; }

 private:
  std::string name_;
  TargetFile target_;
  int64_t received_ = 0;
  crypto::Sha256Stream sha256_;
};

}  // namespace keel::tuf
