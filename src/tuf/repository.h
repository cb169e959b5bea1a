// Repository: the publishing side of update metadata (the hub's), kept in one
// directory:
//   root.json            the current root (signed offline, `keelctl keys`)
//   root.<N>.json        every root version, for clients walking the chain
//   targets.json, snapshot.json, timestamp.json
// It holds only the online keys (targets, snapshot, timestamp); root keys
// never reach it. Every change writes targets, then snapshot, then timestamp,
// each atomically (WriteFileAtomic); Open() repairs a directory left half
// written by a crash by re-signing the roles above the newest one, so what it
// serves always verifies. Thread-safe (one mutex).
#pragma once

#include <filesystem>
#include <memory>
#include <mutex>
#include <string>

#include "common/clock.h"
#include "common/status.h"
#include "crypto/private_key.h"
#include "tuf/metadata.h"

namespace keel::tuf {

struct OnlineKeys {
  crypto::PrivateKey targets;
  crypto::PrivateKey snapshot;
  crypto::PrivateKey timestamp;
};

// How long newly signed metadata is valid; Refresh() re-signs a role once
// less than half of its lifetime is left.
struct ExpiryPolicy {
  int64_t targets_ms = 365LL * 86'400'000;
  int64_t snapshot_ms = 30LL * 86'400'000;
  int64_t timestamp_ms = 86'400'000;
};

class Repository {
 public:
  // `dir` must hold root.json. Each online key must be the one (or one of
  // those) root lists for its role, with threshold 1 (FailedPrecondition
  // otherwise). Missing targets/snapshot/timestamp are created (version 1,
  // no targets). `clock` must outlive the repository.
  static Result<std::unique_ptr<Repository>> Open(const std::filesystem::path& dir, OnlineKeys keys,
                                                  const Clock& clock, ExpiryPolicy expiry = {});

  // Publishes `name`: a new targets, snapshot and timestamp version. A name
  // is immutable: AlreadyExists if it is published with another length, hash
  // or custom data; the same content again changes nothing.
  Status AddTarget(const std::string& name, const TargetFile& file);

  // Re-signs what is past half its lifetime (with a new version, and the
  // roles above it). Returns whether anything was re-signed.
  Result<bool> Refresh();

  // Installs root N+1, signed offline: it must verify against the current
  // root (threshold of old and new root keys) and still list the online
  // keys. Re-signs timestamp, snapshot and targets when their keys changed.
  Status InstallRoot(std::string_view bytes);

  // The current bytes of a role's file, or of root version `n` (root.<n>.json).
  Result<std::string> Metadata(Role role) const;
  Result<std::string> RootVersion(int64_t n) const;

  TargetsMetadata targets() const;

 private:
  Repository(std::filesystem::path dir, OnlineKeys keys, const Clock& clock, ExpiryPolicy expiry);
  Status Load();
  // Signs and writes targets (if `targets_changed`), snapshot and timestamp.
  Status Publish(bool targets_changed, bool snapshot_changed);
  Status WriteRole(Role role, const std::string& bytes);

  const std::filesystem::path dir_;
  OnlineKeys keys_;
  const Clock& clock_;
  const ExpiryPolicy expiry_;
  mutable std::mutex mu_;
  RootMetadata root_;
  TargetsMetadata targets_;
  SnapshotMetadata snapshot_;
  TimestampMetadata timestamp_;
  std::string root_bytes_, targets_bytes_, snapshot_bytes_, timestamp_bytes_;
};

}  // namespace keel::tuf
