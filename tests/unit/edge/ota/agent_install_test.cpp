#include "edge/ota/agent_install.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <random>

#include "common/files.h"
#include "common/zstd_delta.h"
#include "crypto/tokens.h"
#include "test_util/temp_dir.h"
#include "tuf/delta_names.h"
#include "unit/edge/ota/fake_update_source.h"

namespace keel::edge::ota {
namespace {

using ::testing::HasSubstr;

// 64 KiB of a pretend executable; `edit` changes a few bytes of it.
std::string Binary(int edit = 0) {
  std::mt19937 gen(7);
  std::string bytes(64 * 1024, '\0');
  for (char& c : bytes) c = static_cast<char>(gen() & 0xff);
  for (int i = 0; i < edit; ++i) bytes[static_cast<size_t>(1000 + 997 * i)] ^= 0x5a;
  return bytes;
}

nlohmann::json AgentCustom(const std::string& version) {
  return {{"artifact", "keel-edge"}, {"version", version}, {"kind", "agent"}};
}

class AgentInstallTest : public ::testing::Test {
 protected:
  void SetUp() override {
    repo_ = testing::OpenTestRepository(keys_, tmp_.path() / "hub", &pinned_root_);
    ASSERT_NE(repo_, nullptr);
    source_ = std::make_unique<testing::FakeSource>(*repo_);
    auto updater =
        Updater::Open(PosixFileSystem(), tmp_.path() / "device", pinned_root_, keys_.clock);
    ASSERT_TRUE(updater.ok());
    updater_ = std::move(updater).value();
    Reopen();
  }

  // As the agent does before each install: the supervisor writes the same store.
  void Reopen() {
    auto slots = SlotStore::Open(PosixFileSystem(), tmp_.path() / "device" / "ota" / "agent");
    ASSERT_TRUE(slots.ok());
    slots_ = std::make_unique<SlotStore>(std::move(slots).value());
  }

  void Publish(const std::string& version, const std::string& binary,
               nlohmann::json custom = nullptr) {
    testing::PublishTarget(*repo_, *source_, "keel-edge@" + version + "/keel-edge", binary,
                           custom.is_null() ? AgentCustom(version) : custom);
    ASSERT_TRUE(updater_->RefreshMetadata(*source_).ok());
  }

  Result<AgentInstallOutcome> Install(const std::string& version,
                                      std::string_view running_version = {}) {
    return InstallAgentBinary(*updater_, *source_, *slots_, "keel-edge", version, running_version);
  }

  // What the supervisor does when the new binary reports healthy.
  void SupervisorCommits() {
    ASSERT_TRUE(slots_->RecordStart().ok());
    ASSERT_TRUE(slots_->Commit().ok());
  }

  TempDir tmp_;
  tuf::testing::Repo keys_;
  std::string pinned_root_;
  std::unique_ptr<tuf::Repository> repo_;
  std::unique_ptr<testing::FakeSource> source_;
  std::unique_ptr<Updater> updater_;
  std::unique_ptr<SlotStore> slots_;
};

TEST_F(AgentInstallTest, NewBinaryIsStagedOnTrialAndARestartIsRequested) {
  Publish("1.1.0", Binary());
  auto outcome = Install("1.1.0", "1.0.0");
  ASSERT_TRUE(outcome.ok()) << outcome.status().ToString();
  EXPECT_TRUE(outcome->restart_required);
  EXPECT_EQ(outcome->result, "trying keel-edge 1.1.0");
  EXPECT_EQ(outcome->target_bytes, 64 * 1024);
  const SlotStatus status = slots_->status();
  ASSERT_TRUE(status.trial);
  EXPECT_EQ(status.trial->version, "1.1.0");
  EXPECT_EQ(status.trial_attempts, 0);  // the supervisor counts the starts
  EXPECT_FALSE(status.active);
  auto slot = slots_->Current();
  ASSERT_TRUE(slot.ok());
  EXPECT_EQ(ReadFile(slot->dir / kAgentBinaryFile).value(), Binary());
}

TEST_F(AgentInstallTest, NothingNewIsStagedDuringATrial) {
  Publish("1.1.0", Binary());
  ASSERT_TRUE(Install("1.1.0").ok());
  Publish("1.2.0", Binary(3));
  auto second = Install("1.2.0");
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(second.status().message(), HasSubstr("agent 1.1.0 is on trial"));
  EXPECT_EQ(slots_->status().trial->version, "1.1.0");
}

TEST_F(AgentInstallTest, DowngradeBelowTheActiveOrTheRunningVersionIsRefused) {
  Publish("1.2.0", Binary());
  Publish("1.1.0", Binary(1));
  auto below_running = Install("1.1.0", "1.2.0");
  ASSERT_FALSE(below_running.ok());
  EXPECT_EQ(below_running.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_FALSE(slots_->status().trial);

  ASSERT_TRUE(Install("1.2.0").ok());
  SupervisorCommits();
  auto below_active = Install("1.1.0");
  ASSERT_FALSE(below_active.ok());
  EXPECT_EQ(below_active.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(slots_->status().active->version, "1.2.0");
  EXPECT_FALSE(slots_->status().trial);
}

TEST_F(AgentInstallTest, TargetNotSignedAsAnAgentOfThatVersionIsRefused) {
  Publish("1.1.0", Binary(), {{"kind", "model"}, {"version", "1.1.0"}});
  auto wrong_kind = Install("1.1.0");
  ASSERT_FALSE(wrong_kind.ok());
  EXPECT_THAT(wrong_kind.status().message(), HasSubstr("not of kind \"agent\""));
  Publish("1.2.0", Binary(1), {{"kind", "agent"}, {"version", "1.3.0"}});
  auto wrong_version = Install("1.2.0");
  ASSERT_FALSE(wrong_version.ok());
  EXPECT_THAT(wrong_version.status().message(), HasSubstr("names version \"1.3.0\""));
  EXPECT_FALSE(slots_->status().trial);
  EXPECT_EQ(source_->bytes_served_, 0);  // refused before downloading
}

TEST_F(AgentInstallTest, UnpublishedVersionChangesNothing) {
  Publish("1.1.0", Binary());
  auto outcome = Install("1.2.0");
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.status().code(), StatusCode::kNotFound);
  EXPECT_FALSE(slots_->status().trial);
}

TEST_F(AgentInstallTest, UpgradeIsFetchedAsADeltaFromTheActiveBinary) {
  Publish("1.1.0", Binary());
  ASSERT_TRUE(Install("1.1.0").ok());
  SupervisorCommits();
  Reopen();

  const std::string base = Binary(), next = Binary(4);
  const std::string base_sha = crypto::Sha256Hex(base);
  const std::string name = "keel-edge@1.2.0/keel-edge";
  testing::PublishTarget(*repo_, *source_, tuf::DeltaTargetName(name, base_sha),
                         MakeDelta(base, next).value(),
                         {{"delta_of", name}, {"base_sha256", base_sha}});
  Publish("1.2.0", next);
  auto outcome = Install("1.2.0");
  ASSERT_TRUE(outcome.ok()) << outcome.status().ToString();
  EXPECT_TRUE(outcome->restart_required);
  EXPECT_EQ(outcome->target_bytes, 64 * 1024);
  EXPECT_LT(outcome->downloaded_bytes, outcome->target_bytes / 10);
  EXPECT_EQ(ReadFile(slots_->Current()->dir / kAgentBinaryFile).value(), next);
}

}  // namespace
}  // namespace keel::edge::ota
