#include "tuf/repository.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/files.h"
#include "crypto/tokens.h"
#include "test_util/temp_dir.h"
#include "tuf/trusted_metadata.h"
#include "unit/tuf/tuf_test_repo.h"

namespace keel::tuf {
namespace {

using ::testing::HasSubstr;
using testing::kDayMs;

const std::string kModel = "model v1 " + std::string(500, 'a');

TargetFile FileOf(const std::string& payload, std::string version = "1.0.0") {
  return TargetFile{static_cast<int64_t>(payload.size()),
                    crypto::Sha256Hex(payload),
                    {{"kind", "model"}, {"version", std::move(version)}}};
}

crypto::PrivateKey CopyOf(const crypto::PrivateKey& key) {
  return crypto::PrivateKey::FromPem(key.ToPem()).value();
}

class RepositoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(WriteFileAtomic(dir_.path() / "root.json", keys_.SignedRoot(keys_.Root())).ok());
  }

  OnlineKeys Keys() {
    return {CopyOf(keys_.key(Role::kTargets)), CopyOf(keys_.key(Role::kSnapshot)),
            CopyOf(keys_.key(Role::kTimestamp))};
  }

  std::unique_ptr<Repository> OpenRepo() {
    auto repo = Repository::Open(dir_.path(), Keys(), keys_.clock);
    EXPECT_TRUE(repo.ok()) << repo.status().ToString();
    return repo.ok() ? std::move(repo).value() : nullptr;
  }

  // A device that pinned root.1.json and walks to what the repository serves.
  Status Fetch(const Repository& repo, TrustedMetadata* client) {
    const int64_t current =
        ParseRoot(ParseEnvelope(repo.Metadata(Role::kRoot).value(), "r").value().signed_part, "r")
            .value()
            .version;
    for (int64_t n = client->root().version + 1; n <= current; ++n) {
      KEEL_ASSIGN_OR_RETURN(std::string root, repo.RootVersion(n));
      KEEL_RETURN_IF_ERROR(client->UpdateRoot(root));
    }
    KEEL_RETURN_IF_ERROR(client->UpdateTimestamp(repo.Metadata(Role::kTimestamp).value()));
    KEEL_RETURN_IF_ERROR(client->UpdateSnapshot(repo.Metadata(Role::kSnapshot).value()));
    return client->UpdateTargets(repo.Metadata(Role::kTargets).value());
  }

  TrustedMetadata Device() {
    return TrustedMetadata::Create(ReadFile(dir_.path() / "root.1.json").value(), keys_.clock)
        .value();
  }

  TempDir dir_;
  testing::Repo keys_;
};

TEST_F(RepositoryTest, OpenCreatesMetadataADeviceVerifies) {
  auto repo = OpenRepo();
  ASSERT_NE(repo, nullptr);
  for (const char* file : {"root.1.json", "targets.json", "snapshot.json", "timestamp.json"}) {
    EXPECT_TRUE(std::filesystem::exists(dir_.path() / file)) << file;
  }
  TrustedMetadata device = Device();
  ASSERT_TRUE(Fetch(*repo, &device).ok());
  EXPECT_EQ(device.targets()->version, 1);
  EXPECT_TRUE(device.targets()->targets.empty());
}

TEST_F(RepositoryTest, PublishedTargetReachesTheDeviceWithNewVersions) {
  auto repo = OpenRepo();
  ASSERT_TRUE(repo->AddTarget("pump-ae@1.0.0", FileOf(kModel)).ok());
  TrustedMetadata device = Device();
  ASSERT_TRUE(Fetch(*repo, &device).ok());
  EXPECT_EQ(device.timestamp()->version, 2);
  EXPECT_EQ(device.snapshot()->version, 2);
  EXPECT_EQ(device.targets()->version, 2);
  auto target = device.Target("pump-ae@1.0.0");
  ASSERT_TRUE(target.ok()) << target.status().ToString();
  TargetVerifier verifier("pump-ae@1.0.0", *target);
  ASSERT_TRUE(verifier.Update(kModel).ok());
  EXPECT_TRUE(verifier.Finish().ok());

  // Reopening keeps what was published.
  repo.reset();
  auto again = OpenRepo();
  EXPECT_EQ(again->targets().version, 2);
  EXPECT_EQ(again->targets().targets.count("pump-ae@1.0.0"), 1U);
}

TEST_F(RepositoryTest, PublishedNamesAreImmutable) {
  auto repo = OpenRepo();
  ASSERT_TRUE(repo->AddTarget("pump-ae@1.0.0", FileOf(kModel)).ok());
  ASSERT_TRUE(repo->AddTarget("pump-ae@1.0.0", FileOf(kModel)).ok());  // same content: no-op
  EXPECT_EQ(repo->targets().version, 2);
  Status changed = repo->AddTarget("pump-ae@1.0.0", FileOf(kModel + "x"));
  EXPECT_EQ(changed.code(), StatusCode::kAlreadyExists);
  EXPECT_THAT(changed.message(), HasSubstr("a published name never changes"));
  EXPECT_EQ(repo->AddTarget("pump-ae@1.0.0", FileOf(kModel, "1.0.1")).code(),
            StatusCode::kAlreadyExists);
  EXPECT_EQ(repo->targets().version, 2);
}

TEST_F(RepositoryTest, RefreshResignsWhatIsPastHalfItsLifetime) {
  auto repo = OpenRepo();
  EXPECT_FALSE(repo->Refresh().value());
  keys_.clock.AdvanceMs(kDayMs / 2 + 1);  // the timestamp lives one day
  EXPECT_TRUE(repo->Refresh().value());
  TrustedMetadata device = Device();
  ASSERT_TRUE(Fetch(*repo, &device).ok());
  EXPECT_EQ(device.timestamp()->version, 2);
  EXPECT_EQ(device.snapshot()->version, 1);  // 30 days: not yet
  keys_.clock.AdvanceMs(16 * kDayMs);
  EXPECT_TRUE(repo->Refresh().value());
  ASSERT_TRUE(Fetch(*repo, &device).ok());
  EXPECT_EQ(device.snapshot()->version, 2);
  EXPECT_EQ(device.targets()->version, 1);
}

TEST_F(RepositoryTest, OpenRepairsADirectoryLeftHalfWrittenByACrash) {
  auto repo = OpenRepo();
  ASSERT_TRUE(repo->AddTarget("a@1.0.0", FileOf("a")).ok());
  const std::string old_snapshot = repo->Metadata(Role::kSnapshot).value();
  const std::string old_timestamp = repo->Metadata(Role::kTimestamp).value();
  ASSERT_TRUE(repo->AddTarget("b@1.0.0", FileOf("b")).ok());
  repo.reset();
  // The crash: the new targets.json is on disk, snapshot and timestamp are old.
  ASSERT_TRUE(WriteFileAtomic(dir_.path() / "snapshot.json", old_snapshot).ok());
  ASSERT_TRUE(WriteFileAtomic(dir_.path() / "timestamp.json", old_timestamp).ok());
  auto reopened = OpenRepo();
  TrustedMetadata device = Device();
  ASSERT_TRUE(Fetch(*reopened, &device).ok());
  EXPECT_TRUE(device.Target("b@1.0.0").ok());

  // A missing timestamp is re-signed too.
  reopened.reset();
  std::filesystem::remove(dir_.path() / "timestamp.json");
  auto third = OpenRepo();
  TrustedMetadata other = Device();
  EXPECT_TRUE(Fetch(*third, &other).ok());
}

TEST_F(RepositoryTest, CorruptOrForeignFilesAndWrongKeysAreRefused) {
  { auto repo = OpenRepo(); }
  std::string targets = ReadFile(dir_.path() / "targets.json").value();
  targets.replace(targets.find("\"version\": 1"), 12, "\"version\": 7");
  ASSERT_TRUE(WriteFileAtomic(dir_.path() / "targets.json", targets).ok());
  auto corrupt = Repository::Open(dir_.path(), Keys(), keys_.clock);
  EXPECT_EQ(corrupt.status().code(), StatusCode::kUnauthenticated);
  EXPECT_THAT(corrupt.status().message(), HasSubstr("targets.json"));

  OnlineKeys wrong = Keys();
  wrong.snapshot = testing::NewKey();
  auto refused = Repository::Open(dir_.path(), std::move(wrong), keys_.clock);
  EXPECT_EQ(refused.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(refused.status().message(), HasSubstr("online snapshot key"));
}

TEST_F(RepositoryTest, NewRootIsServedAndDevicesWalkToIt) {
  auto repo = OpenRepo();
  ASSERT_TRUE(repo->AddTarget("a@1.0.0", FileOf("a")).ok());
  const crypto::PrivateKey old_root = std::move(keys_.key(Role::kRoot));
  keys_.key(Role::kRoot) = testing::NewKey();
  const nlohmann::json v2 = ToJson(keys_.Root(2));
  Status only_new = repo->InstallRoot(testing::Sign(v2, {&keys_.key(Role::kRoot)}));
  EXPECT_EQ(only_new.code(), StatusCode::kUnauthenticated);
  ASSERT_TRUE(repo->InstallRoot(testing::Sign(v2, {&old_root, &keys_.key(Role::kRoot)})).ok());
  EXPECT_TRUE(repo->RootVersion(1).ok());
  EXPECT_TRUE(repo->RootVersion(2).ok());
  EXPECT_EQ(repo->RootVersion(3).status().code(), StatusCode::kNotFound);
  TrustedMetadata device = Device();
  ASSERT_TRUE(Fetch(*repo, &device).ok());
  EXPECT_EQ(device.root().version, 2);
  EXPECT_TRUE(device.Target("a@1.0.0").ok());
}

}  // namespace
}  // namespace keel::tuf
