#include "edge/ota/updater.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>

#include "common/files.h"
#include "crypto/tokens.h"
#include "test_util/temp_dir.h"
#include "tuf/repository.h"
#include "unit/edge/ota/fake_update_source.h"
#include "unit/tuf/tuf_test_repo.h"

namespace keel::edge::ota {
namespace {

using ::testing::HasSubstr;
using tuf::Role;

const std::string kModel = "model bytes " + std::string(5000, 'q');

class UpdaterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    repo_ = testing::OpenTestRepository(keys_, tmp_.path() / "hub", &pinned_root_);
    ASSERT_NE(repo_, nullptr);
    ASSERT_TRUE(repo_->AddTarget("pump-ae@1.2.0", File(kModel, "1.2.0")).ok());
    source_ = std::make_unique<testing::FakeSource>(*repo_);
    source_->payloads_["pump-ae@1.2.0"] = kModel;
  }

  static tuf::TargetFile File(const std::string& payload, const std::string& version) {
    return {static_cast<int64_t>(payload.size()),
            crypto::Sha256Hex(payload),
            {{"kind", "model"}, {"version", version}}};
  }

  std::unique_ptr<Updater> OpenDevice() {
    auto updater =
        Updater::Open(PosixFileSystem(), tmp_.path() / "device", pinned_root_, keys_.clock);
    EXPECT_TRUE(updater.ok()) << updater.status().ToString();
    return updater.ok() ? std::move(updater).value() : nullptr;
  }

  TempDir tmp_;
  tuf::testing::Repo keys_;
  std::string pinned_root_;
  std::unique_ptr<tuf::Repository> repo_;
  std::unique_ptr<testing::FakeSource> source_;
};

TEST_F(UpdaterTest, RefreshesDownloadsAndVerifies) {
  auto device = OpenDevice();
  ASSERT_TRUE(device->RefreshMetadata(*source_).ok());
  auto payload = device->Download(*source_, "pump-ae@1.2.0");
  ASSERT_TRUE(payload.ok()) << payload.status().ToString();
  EXPECT_EQ(*payload, kModel);
  EXPECT_EQ(device->Target("pump-ae@1.2.0")->custom["version"], "1.2.0");
}

TEST_F(UpdaterTest, VersionsSeenSurviveARestartAndStopARollback) {
  const std::string old_timestamp = repo_->Metadata(Role::kTimestamp).value();
  ASSERT_TRUE(repo_->AddTarget("pump-ae@1.3.0", File("v13", "1.3.0")).ok());
  {
    auto device = OpenDevice();
    ASSERT_TRUE(device->RefreshMetadata(*source_).ok());
    EXPECT_EQ(device->trusted().timestamp()->version, 3);
  }
  auto restarted = OpenDevice();
  EXPECT_EQ(restarted->trusted().timestamp()->version, 3);
  EXPECT_TRUE(restarted->Target("pump-ae@1.3.0").ok());
  source_->overrides_["timestamp.json"] = old_timestamp;  // a replayed older release
  Status rollback = restarted->RefreshMetadata(*source_);
  EXPECT_EQ(rollback.code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(rollback.message(), HasSubstr("rollback"));
}

TEST_F(UpdaterTest, WalksRootRotationsAndKeepsTheNewRoot) {
  const crypto::PrivateKey old_root = std::move(keys_.key(Role::kRoot));
  keys_.key(Role::kRoot) = tuf::testing::NewKey();
  ASSERT_TRUE(repo_
                  ->InstallRoot(tuf::testing::Sign(ToJson(keys_.Root(2)),
                                                   {&old_root, &keys_.key(Role::kRoot)}))
                  .ok());
  {
    auto device = OpenDevice();
    ASSERT_TRUE(device->RefreshMetadata(*source_).ok());
    EXPECT_EQ(device->trusted().root().version, 2);
  }
  EXPECT_EQ(OpenDevice()->trusted().root().version, 2);  // persisted
}

TEST_F(UpdaterTest, BrokenTransferResumesWhereItStopped) {
  auto device = OpenDevice();
  ASSERT_TRUE(device->RefreshMetadata(*source_).ok());
  source_->break_after_ = 2048;
  EXPECT_EQ(device->Download(*source_, "pump-ae@1.2.0").status().code(), StatusCode::kUnavailable);
  auto again = OpenDevice();  // even across a restart
  ASSERT_TRUE(again->RefreshMetadata(*source_).ok());
  auto payload = again->Download(*source_, "pump-ae@1.2.0");
  ASSERT_TRUE(payload.ok()) << payload.status().ToString();
  EXPECT_EQ(*payload, kModel);
  EXPECT_THAT(source_->offsets_, ::testing::ElementsAre(0, 2048));
}

TEST_F(UpdaterTest, EndlessOrWrongPayloadIsRefusedAndDiscarded) {
  auto device = OpenDevice();
  ASSERT_TRUE(device->RefreshMetadata(*source_).ok());
  source_->payloads_["pump-ae@1.2.0"] = kModel + std::string(100000, 'z');
  Status endless = device->Download(*source_, "pump-ae@1.2.0").status();
  EXPECT_EQ(endless.code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(endless.message(), HasSubstr("more than the signed"));
  std::string evil = kModel;
  evil[10] = '!';
  source_->payloads_["pump-ae@1.2.0"] = evil;
  EXPECT_THAT(device->Download(*source_, "pump-ae@1.2.0").status().message(), HasSubstr("SHA-256"));
  source_->payloads_["pump-ae@1.2.0"] = kModel;  // nothing bad was kept
  EXPECT_EQ(device->Download(*source_, "pump-ae@1.2.0").value(), kModel);
  EXPECT_EQ(source_->offsets_.back(), 0);
}

TEST_F(UpdaterTest, FrozenMetadataIsRefused) {
  auto device = OpenDevice();
  ASSERT_TRUE(device->RefreshMetadata(*source_).ok());
  keys_.clock.AdvanceMs(2 * tuf::testing::kDayMs);  // the hub stopped refreshing its timestamp
  Status frozen = device->RefreshMetadata(*source_);
  EXPECT_THAT(frozen.message(), HasSubstr("timestamp.json expired"));
  EXPECT_EQ(device->Download(*source_, "pump-ae@1.2.0").status().code(),
            StatusCode::kFailedPrecondition);
}

TEST(CheckNotDowngradeTest, SemanticVersions) {
  EXPECT_TRUE(CheckNotDowngrade("1.2.0", "1.2.0").ok());
  EXPECT_TRUE(CheckNotDowngrade("1.2.0", "1.10.0").ok());
  EXPECT_TRUE(CheckNotDowngrade("1.2.0-rc.1", "1.2.0").ok());
  EXPECT_TRUE(CheckNotDowngrade("1.2.0+build.5", "2.0.0").ok());
  Status older = CheckNotDowngrade("1.10.0", "1.9.9");
  EXPECT_EQ(older.code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(older.message(), HasSubstr("downgrade"));
  EXPECT_EQ(CheckNotDowngrade("1.2.0", "1.2.0-rc.1").code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(CheckNotDowngrade("1.2", "1.3.0").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(CheckNotDowngrade("1.2.0", "v1.3.0").code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace keel::edge::ota
