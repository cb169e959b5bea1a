#include "tuf/trusted_metadata.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "unit/tuf/tuf_test_repo.h"

namespace keel::tuf {
namespace {

using ::testing::HasSubstr;
using testing::kDayMs;
using testing::Repo;

const std::string kPayload = "onnx model bytes ... " + std::string(1000, 'm');

// A repository with one published release: targets v1 (pump-ae), snapshot v1,
// timestamp v1, and a client that trusts root v1.
class TrustedMetadataTest : public ::testing::Test {
 protected:
  TrustedMetadata Client() {
    auto client = TrustedMetadata::Create(repo_.SignedRoot(repo_.Root()), repo_.clock);
    EXPECT_TRUE(client.ok()) << client.status().ToString();
    return std::move(client).value();
  }

  // timestamp -> snapshot -> targets of release `n` (all versions n).
  struct Release {
    std::string timestamp, snapshot, targets;
  };
  Release Publish(int64_t n, const std::string& payload = kPayload) {
    Release r;
    r.targets = repo_.SignedTargets(repo_.Targets(n, payload));
    r.snapshot = repo_.SignedSnapshot(repo_.Snapshot(n, n));
    r.timestamp = repo_.SignedTimestamp(repo_.Timestamp(n, n, r.snapshot));
    return r;
  }

  static Status Apply(TrustedMetadata& client, const Release& r) {
    KEEL_RETURN_IF_ERROR(client.UpdateTimestamp(r.timestamp));
    KEEL_RETURN_IF_ERROR(client.UpdateSnapshot(r.snapshot));
    return client.UpdateTargets(r.targets);
  }

  Repo repo_;
};

TEST_F(TrustedMetadataTest, ValidChainYieldsTheTargetAndItsPayloadVerifies) {
  TrustedMetadata client = Client();
  ASSERT_TRUE(Apply(client, Publish(1)).ok());
  auto target = client.Target("pump-ae");
  ASSERT_TRUE(target.ok()) << target.status().ToString();
  EXPECT_EQ(target->length, static_cast<int64_t>(kPayload.size()));
  EXPECT_EQ(target->custom["version"], "1.4.0");
  TargetVerifier verifier("pump-ae", *target);
  for (size_t i = 0; i < kPayload.size(); i += 100) {
    ASSERT_TRUE(verifier.Update(std::string_view(kPayload).substr(i, 100)).ok());
  }
  EXPECT_TRUE(verifier.Finish().ok());
  EXPECT_EQ(client.Target("other").status().code(), StatusCode::kNotFound);
}

TEST_F(TrustedMetadataTest, UnsignedOrWronglySignedMetadataIsRefused) {
  TrustedMetadata client = Client();
  const auto timestamp = repo_.Timestamp(1, 1, "x");
  Status unsigned_status = client.UpdateTimestamp(testing::Sign(ToJson(timestamp), {}));
  EXPECT_EQ(unsigned_status.code(), StatusCode::kUnauthenticated);
  EXPECT_THAT(unsigned_status.message(), HasSubstr("0 valid signature(s)"));
  // Signed by the targets key, which may not sign timestamps.
  EXPECT_EQ(
      client.UpdateTimestamp(testing::Sign(ToJson(timestamp), {&repo_.key(Role::kTargets)})).code(),
      StatusCode::kUnauthenticated);
  // Altered after signing.
  std::string tampered = repo_.SignedTimestamp(timestamp);
  tampered.replace(tampered.find("\"version\": 1"), 12, "\"version\": 9");
  EXPECT_EQ(client.UpdateTimestamp(tampered).code(), StatusCode::kUnauthenticated);
  EXPECT_FALSE(client.timestamp().has_value());
}

TEST_F(TrustedMetadataTest, OneKeyCountsOnceTowardsTheThreshold) {
  RootMetadata root = repo_.Root();
  const crypto::PrivateKey second = testing::NewKey();
  const std::string second_public = testing::PublicOf(second);
  root.keys[KeyId(second_public)] = second_public;
  root.roles[Role::kTimestamp].keyids.push_back(KeyId(second_public));
  root.roles[Role::kTimestamp].threshold = 2;
  auto client = TrustedMetadata::Create(repo_.SignedRoot(root), repo_.clock);
  ASSERT_TRUE(client.ok()) << client.status().ToString();
  const auto timestamp = ToJson(repo_.Timestamp(1, 1, "x"));
  const crypto::PrivateKey& first = repo_.key(Role::kTimestamp);
  Status twice = client->UpdateTimestamp(testing::Sign(timestamp, {&first, &first}));
  EXPECT_EQ(twice.code(), StatusCode::kUnauthenticated);
  EXPECT_THAT(twice.message(), HasSubstr("1 valid signature(s) by distinct timestamp keys"));
  EXPECT_TRUE(client->UpdateTimestamp(testing::Sign(timestamp, {&first, &second})).ok());
}

TEST_F(TrustedMetadataTest, ExpiredMetadataIsRefusedButKeptAgainstRollback) {
  TrustedMetadata client = Client();
  TimestampMetadata stale = repo_.Timestamp(5, 1, "x");
  stale.expires_ms = repo_.clock.NowMs() - 1;
  Status status = client.UpdateTimestamp(repo_.SignedTimestamp(stale));
  EXPECT_EQ(status.code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(status.message(), HasSubstr("timestamp.json expired at"));
  EXPECT_EQ(client.UpdateSnapshot("{}").code(), StatusCode::kFailedPrecondition);
  // The expired v5 still stops an older v4.
  Status rollback = client.UpdateTimestamp(repo_.SignedTimestamp(repo_.Timestamp(4, 1, "x")));
  EXPECT_EQ(rollback.code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(rollback.message(), HasSubstr("rollback"));
}

TEST_F(TrustedMetadataTest, EveryRoleExpiringFreezesTheTarget) {
  TrustedMetadata client = Client();
  ASSERT_TRUE(Apply(client, Publish(1)).ok());
  ASSERT_TRUE(client.Target("pump-ae").ok());
  repo_.clock.AdvanceMs(kDayMs);  // the timestamp lives one day
  Status frozen = client.Target("pump-ae").status();
  EXPECT_EQ(frozen.code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(frozen.message(), HasSubstr("timestamp.json expired"));

  repo_.clock.AdvanceMs(40 * kDayMs);  // root, snapshot and targets too
  Status root_expired = client.UpdateTimestamp(Publish(2).timestamp);
  EXPECT_THAT(root_expired.message(), HasSubstr("root.json expired"));
}

TEST_F(TrustedMetadataTest, ExpiredSnapshotAndTargetsAreRefused) {
  TrustedMetadata client = Client();
  SnapshotMetadata snapshot = repo_.Snapshot(1, 1);
  snapshot.expires_ms = repo_.clock.NowMs();
  const std::string snapshot_bytes = repo_.SignedSnapshot(snapshot);
  ASSERT_TRUE(
      client.UpdateTimestamp(repo_.SignedTimestamp(repo_.Timestamp(1, 1, snapshot_bytes))).ok());
  EXPECT_THAT(client.UpdateSnapshot(snapshot_bytes).message(), HasSubstr("snapshot.json expired"));

  TrustedMetadata other = Client();
  TargetsMetadata targets = repo_.Targets(1, kPayload);
  targets.expires_ms = repo_.clock.NowMs() - kDayMs;
  Release r = Publish(1);
  r.targets = repo_.SignedTargets(targets);
  EXPECT_THAT(Apply(other, r).message(), HasSubstr("targets.json expired"));
}

TEST_F(TrustedMetadataTest, LowerVersionsAreRollbacks) {
  TrustedMetadata client = Client();
  ASSERT_TRUE(Apply(client, Publish(3)).ok());
  // An older timestamp.
  EXPECT_THAT(client.UpdateTimestamp(Publish(2).timestamp).message(), HasSubstr("rollback"));
  // A newer timestamp naming an older snapshot.
  const std::string old_snapshot = repo_.SignedSnapshot(repo_.Snapshot(2, 2));
  Status snapshot_rollback =
      client.UpdateTimestamp(repo_.SignedTimestamp(repo_.Timestamp(4, 2, old_snapshot)));
  EXPECT_THAT(snapshot_rollback.message(), HasSubstr("snapshot.json: version 2 is lower"));
  // A newer snapshot naming older targets.
  const std::string snapshot = repo_.SignedSnapshot(repo_.Snapshot(4, 2));
  ASSERT_TRUE(client.UpdateTimestamp(repo_.SignedTimestamp(repo_.Timestamp(4, 4, snapshot))).ok());
  Status targets_rollback = client.UpdateSnapshot(snapshot);
  EXPECT_EQ(targets_rollback.code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(targets_rollback.message(), HasSubstr("targets.json: version 2 is lower"));
  EXPECT_EQ(client.snapshot()->version, 3);
}

TEST_F(TrustedMetadataTest, SnapshotAndTargetsThatDisagreeAreMixAndMatch) {
  TrustedMetadata client = Client();
  const Release one = Publish(1);
  const Release two = Publish(2);
  ASSERT_TRUE(client.UpdateTimestamp(two.timestamp).ok());
  // Snapshot v1 is not the v2 the timestamp names (its length and hash
  // differ too: checked first).
  EXPECT_EQ(client.UpdateSnapshot(one.snapshot).code(), StatusCode::kFailedPrecondition);
  ASSERT_TRUE(client.UpdateSnapshot(two.snapshot).ok());
  Status mixed = client.UpdateTargets(one.targets);
  EXPECT_EQ(mixed.code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(mixed.message(), HasSubstr("mix-and-match"));

  // Without length and hash in the timestamp, the version still decides.
  TrustedMetadata other = Client();
  TimestampMetadata bare = repo_.Timestamp(1, 2, "");
  bare.snapshot.length.reset();
  bare.snapshot.sha256.reset();
  ASSERT_TRUE(other.UpdateTimestamp(repo_.SignedTimestamp(bare)).ok());
  EXPECT_THAT(other.UpdateSnapshot(one.snapshot).message(), HasSubstr("mix-and-match"));
}

TEST_F(TrustedMetadataTest, SnapshotBytesMustHaveTheLengthAndHashTheTimestampNames) {
  TrustedMetadata client = Client();
  Release r = Publish(1);
  ASSERT_TRUE(client.UpdateTimestamp(r.timestamp).ok());
  Status longer = client.UpdateSnapshot(r.snapshot + " ");
  EXPECT_THAT(longer.message(), HasSubstr("bytes, timestamp.json names"));
  std::string altered = r.snapshot;
  altered[altered.size() - 2] = altered[altered.size() - 2] == ' ' ? '\n' : ' ';
  EXPECT_THAT(client.UpdateSnapshot(altered).message(), HasSubstr("SHA-256"));
}

TEST_F(TrustedMetadataTest, PayloadLongerShorterOrDifferentFromTheSignedOneIsRefused) {
  TrustedMetadata client = Client();
  ASSERT_TRUE(Apply(client, Publish(1)).ok());
  const TargetFile target = client.Target("pump-ae").value();
  TargetVerifier endless("pump-ae", target);
  ASSERT_TRUE(endless.Update(kPayload).ok());
  Status more = endless.Update("x");
  EXPECT_EQ(more.code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(more.message(), HasSubstr("more than the signed"));
  EXPECT_EQ(endless.received(), static_cast<int64_t>(kPayload.size()));

  TargetVerifier at_once("pump-ae", target);
  EXPECT_FALSE(at_once.Update(kPayload + "x").ok());  // refused before hashing it

  TargetVerifier shorter("pump-ae", target);
  ASSERT_TRUE(shorter.Update(kPayload.substr(1)).ok());
  EXPECT_THAT(shorter.Finish().message(), HasSubstr("bytes,"));

  TargetVerifier different("pump-ae", target);
  std::string evil = kPayload;
  evil[3] = 'X';
  ASSERT_TRUE(different.Update(evil).ok());
  EXPECT_THAT(different.Finish().message(), HasSubstr("SHA-256"));
}

TEST_F(TrustedMetadataTest, RootRotationNeedsOldAndNewKeysAndRetiresTheOldOnes) {
  TrustedMetadata client = Client();
  const crypto::PrivateKey old_root = std::move(repo_.key(Role::kRoot));
  repo_.key(Role::kRoot) = testing::NewKey();
  RootMetadata v2 = repo_.Root(2);
  const nlohmann::json v2_json = ToJson(v2);

  EXPECT_EQ(client.UpdateRoot(testing::Sign(v2_json, {&repo_.key(Role::kRoot)})).code(),
            StatusCode::kUnauthenticated);  // new key only
  EXPECT_THAT(client.UpdateRoot(testing::Sign(v2_json, {&old_root})).message(),
              HasSubstr("by itself"));  // old key only
  RootMetadata v3 = repo_.Root(3);
  EXPECT_THAT(
      client.UpdateRoot(testing::Sign(ToJson(v3), {&old_root, &repo_.key(Role::kRoot)})).message(),
      HasSubstr("next version"));  // skips v2
  ASSERT_TRUE(client.UpdateRoot(testing::Sign(v2_json, {&old_root, &repo_.key(Role::kRoot)})).ok());
  EXPECT_EQ(client.root().version, 2);

  // The rotated-out key can no longer sign a root.
  Status retired = client.UpdateRoot(testing::Sign(ToJson(v3), {&old_root}));
  EXPECT_EQ(retired.code(), StatusCode::kUnauthenticated);
  EXPECT_TRUE(client.UpdateRoot(testing::Sign(ToJson(v3), {&repo_.key(Role::kRoot)})).ok());
}

TEST_F(TrustedMetadataTest, TimestampKeyRotationRetiresTheOldKeyAndForgetsTheTimestamp) {
  TrustedMetadata client = Client();
  ASSERT_TRUE(Apply(client, Publish(7)).ok());
  const crypto::PrivateKey old_timestamp = std::move(repo_.key(Role::kTimestamp));
  repo_.key(Role::kTimestamp) = testing::NewKey();
  ASSERT_TRUE(client.UpdateRoot(repo_.SignedRoot(repo_.Root(2))).ok());
  EXPECT_FALSE(client.timestamp().has_value());  // a fast-forwarded v7 would block recovery
  const Release r = Publish(1);
  const auto timestamp = ToJson(repo_.Timestamp(1, 1, r.snapshot));
  EXPECT_EQ(client.UpdateTimestamp(testing::Sign(timestamp, {&old_timestamp})).code(),
            StatusCode::kUnauthenticated);
  EXPECT_TRUE(client.UpdateTimestamp(r.timestamp).ok());
}

TEST_F(TrustedMetadataTest, StepsOutOfOrderAreRefused) {
  TrustedMetadata client = Client();
  const Release r = Publish(1);
  EXPECT_THAT(client.UpdateSnapshot(r.snapshot).message(), HasSubstr("no trusted timestamp"));
  EXPECT_THAT(client.UpdateTargets(r.targets).message(), HasSubstr("no trusted snapshot"));
  EXPECT_EQ(client.Target("pump-ae").status().code(), StatusCode::kFailedPrecondition);
}

TEST_F(TrustedMetadataTest, PinnedRootMustBeSelfSigned) {
  const RootMetadata root = repo_.Root();
  auto unsigned_root = TrustedMetadata::Create(testing::Sign(ToJson(root), {}), repo_.clock);
  EXPECT_EQ(unsigned_root.status().code(), StatusCode::kUnauthenticated);
  auto by_targets_key = TrustedMetadata::Create(
      testing::Sign(ToJson(root), {&repo_.key(Role::kTargets)}), repo_.clock);
  EXPECT_EQ(by_targets_key.status().code(), StatusCode::kUnauthenticated);
}

}  // namespace
}  // namespace keel::tuf
