// A test repository: Ed25519 keys per role and helpers that write signed
// metadata the way the hub will, on a FakeClock.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "common/clock.h"
#include "crypto/ed25519.h"
#include "crypto/tokens.h"
#include "tuf/metadata.h"
#include "tuf/signing.h"

namespace keel::tuf::testing {

inline constexpr int64_t kDayMs = 86'400'000;

inline crypto::PrivateKey NewKey() {
  auto key = crypto::GenerateEd25519Key();
  if (!key.ok()) std::abort();
  return std::move(key).value();
}

inline std::string PublicOf(const crypto::PrivateKey& key) {
  return crypto::Ed25519PublicKey(key).value();
}

inline std::string Sign(const nlohmann::json& signed_part,
                        std::vector<const crypto::PrivateKey*> keys) {
  auto bytes = SignMetadata(signed_part, keys);
  if (!bytes.ok()) std::abort();
  return std::move(bytes).value();
}

class Repo {
 public:
  Repo() {
    for (int i = 0; i < 4; ++i) keys_.push_back(NewKey());
  }

  FakeClock clock;  // "now"; metadata expires 30 days after it by default

  crypto::PrivateKey& key(Role role) { return keys_[static_cast<size_t>(role)]; }

  // A root where each role has its one key and threshold 1.
  RootMetadata Root(int64_t version = 1) {
    RootMetadata root;
    root.version = version;
    root.expires_ms = clock.NowMs() + 30 * kDayMs;
    for (Role role : {Role::kRoot, Role::kTargets, Role::kSnapshot, Role::kTimestamp}) {
      const std::string pub = PublicOf(key(role));
      root.keys[KeyId(pub)] = pub;
      root.roles[role] = RoleKeys{{KeyId(pub)}, 1};
    }
    return root;
  }

  std::string SignedRoot(const RootMetadata& root) {
    return Sign(ToJson(root), {&key(Role::kRoot)});
  }

  TargetsMetadata Targets(int64_t version, const std::string& payload) {
    TargetsMetadata targets;
    targets.version = version;
    targets.expires_ms = clock.NowMs() + 30 * kDayMs;
    targets.targets["pump-ae"] = TargetFile{static_cast<int64_t>(payload.size()),
                                            crypto::Sha256Hex(payload),
                                            {{"version", "1.4.0"}, {"kind", "model"}}};
    return targets;
  }

  std::string SignedTargets(const TargetsMetadata& targets) {
    return Sign(ToJson(targets), {&key(Role::kTargets)});
  }

  SnapshotMetadata Snapshot(int64_t version, int64_t targets_version) {
    SnapshotMetadata snapshot;
    snapshot.version = version;
    snapshot.expires_ms = clock.NowMs() + 30 * kDayMs;
    snapshot.targets.version = targets_version;
    return snapshot;
  }

  std::string SignedSnapshot(const SnapshotMetadata& snapshot) {
    return Sign(ToJson(snapshot), {&key(Role::kSnapshot)});
  }

  // A timestamp naming `snapshot_bytes` by version, length and hash.
  TimestampMetadata Timestamp(int64_t version, int64_t snapshot_version,
                              const std::string& snapshot_bytes) {
    TimestampMetadata timestamp;
    timestamp.version = version;
    timestamp.expires_ms = clock.NowMs() + kDayMs;
    timestamp.snapshot.version = snapshot_version;
    timestamp.snapshot.length = static_cast<int64_t>(snapshot_bytes.size());
    timestamp.snapshot.sha256 = crypto::Sha256Hex(snapshot_bytes);
    return timestamp;
  }

  std::string SignedTimestamp(const TimestampMetadata& timestamp) {
    return Sign(ToJson(timestamp), {&key(Role::kTimestamp)});
  }

 private:
  std::vector<crypto::PrivateKey> keys_;
};

}  // namespace keel::tuf::testing
