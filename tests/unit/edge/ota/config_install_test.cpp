// Configuration artifacts on the device: InstallConfig (validated before
// anything is staged), LoadEffectiveAgentConfig at agent start (trial starts
// counted, automatic rollback after 3) and CommitConfigTrial.
#include "edge/ota/config_install.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/files.h"
#include "common/simulated_disk.h"
#include "test_util/temp_dir.h"
#include "unit/edge/ota/fake_update_source.h"

namespace keel::edge::ota {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

class ConfigInstallTest : public ::testing::Test {
 protected:
  void SetUp() override {
    repo_ = testing::OpenTestRepository(keys_, tmp_.path() / "hub", &pinned_root_);
    ASSERT_NE(repo_, nullptr);
    source_ = std::make_unique<testing::FakeSource>(*repo_);
    auto updater =
        Updater::Open(PosixFileSystem(), tmp_.path() / "device", pinned_root_, keys_.clock);
    ASSERT_TRUE(updater.ok());
    updater_ = std::move(updater).value();
    // Relative: device.dir resolves against the file's directory.
    ASSERT_TRUE(WriteFileAtomic(local_,
                                "[device]\nid = \"dev-1\"\ndir = \"device\"\n"
                                "[hub]\nmqtt = \"mqtts://hub:8883\"\n"
                                "api = \"https://hub:8443\"\n[batch]\ninterval_ms = 2000\n")
                    .ok());
  }

  std::filesystem::path SlotsDir() const { return tmp_.path() / "device" / "ota" / "config"; }
  SlotStore Slots() const { return SlotStore::Open(PosixFileSystem(), SlotsDir()).value(); }

  void Publish(const std::string& version, const std::string& toml,
               const std::string& kind = "config") {
    testing::PublishTarget(*repo_, *source_, "fleet@" + version + "/agent.toml", toml,
                           {{"artifact", "fleet"}, {"version", version}, {"kind", kind}});
    ASSERT_TRUE(updater_->RefreshMetadata(*source_).ok());
  }

  Result<ConfigInstallOutcome> Install(const std::string& version) {
    SlotStore slots = Slots();
    return InstallConfig(*updater_, *source_, slots, "fleet", version, local_);
  }

  // One start of the agent.
  Result<EffectiveAgentConfig> Start() {
    return LoadEffectiveAgentConfig(PosixFileSystem(), local_);
  }

  TempDir tmp_;
  std::filesystem::path local_ = tmp_.path() / "edge.toml";
  tuf::testing::Repo keys_;
  std::string pinned_root_;
  std::unique_ptr<tuf::Repository> repo_;
  std::unique_ptr<testing::FakeSource> source_;
  std::unique_ptr<Updater> updater_;
};

TEST_F(ConfigInstallTest, InstallPutsTheOverlayOnTrialAndTheNextStartAppliesAndCommitsIt) {
  Publish("1.0.0", "[batch]\ninterval_ms = 500\n");
  auto outcome = Install("1.0.0");
  ASSERT_TRUE(outcome.ok()) << outcome.status().ToString();
  EXPECT_TRUE(outcome->restart_required);
  EXPECT_EQ(outcome->result, "trying fleet 1.0.0");
  EXPECT_TRUE(Slots().status().trial.has_value());

  auto started = Start();
  ASSERT_TRUE(started.ok()) << started.status().ToString();
  EXPECT_TRUE(started->on_trial);
  ASSERT_TRUE(started->overlay.has_value());
  EXPECT_EQ(started->overlay->version, "1.0.0");
  EXPECT_EQ(started->overlay_file, Slots().Current()->dir / kConfigFile);
  EXPECT_EQ(started->config.batch.interval_ms, 500);
  EXPECT_EQ(started->config.device.dir, tmp_.path() / "device");
  EXPECT_EQ(started->config.file, local_);
  EXPECT_EQ(Slots().status().trial_attempts, 1);

  ASSERT_TRUE(CommitConfigTrial(PosixFileSystem(), SlotsDir(), *started->overlay).ok());
  EXPECT_EQ(Slots().status().last_result, "committed fleet 1.0.0");
  auto again = Start();
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->on_trial);
  EXPECT_EQ(again->config.batch.interval_ms, 500);
}

TEST_F(ConfigInstallTest, RefusedOverlaysStageNothing) {
  Publish("1.0.0", "[batch]\ninterval_ms = 500\n[hub]\napi = \"https://evil:1\"\n");
  auto identity = Install("1.0.0");
  ASSERT_FALSE(identity.ok());
  EXPECT_THAT(identity.status().message(),
              HasSubstr("fleet@1.0.0/agent.toml:3:1: [hub]: a configuration overlay may not"));
  Publish("1.1.0", "[batch]\ninterval_ms = \"fast\"\n");
  auto bad = Install("1.1.0");
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(), StartsWith("fleet@1.1.0/agent.toml:2:15: [batch]"));
  Publish("1.2.0", "[batch]\n", "model");
  auto wrong_kind = Install("1.2.0");
  ASSERT_FALSE(wrong_kind.ok());
  EXPECT_THAT(wrong_kind.status().message(), HasSubstr("not of kind \"config\""));
  EXPECT_FALSE(Install("9.9.9").ok());  // not published
  const SlotStatus status = Slots().status();
  EXPECT_FALSE(status.trial.has_value());
  EXPECT_FALSE(status.active.has_value());
  EXPECT_FALSE(std::filesystem::exists(SlotsDir() / "slot-a" / "slot.json"));
}

TEST_F(ConfigInstallTest, AConfigTheAgentCannotStartWithRollsBackAfterThreeStarts) {
  Publish("1.0.0", "[batch]\ninterval_ms = 500\n");
  ASSERT_TRUE(Install("1.0.0").ok());
  ASSERT_TRUE(CommitConfigTrial(PosixFileSystem(), SlotsDir(), *Start()->overlay).ok());
  Publish("1.1.0", "[batch]\ninterval_ms = 700\n");
  ASSERT_TRUE(Install("1.1.0").ok());
  // Three starts on trial whose agent never becomes healthy (crashes).
  for (int i = 1; i <= 3; ++i) {
    auto started = Start();
    ASSERT_TRUE(started.ok());
    EXPECT_TRUE(started->on_trial);
    EXPECT_EQ(started->config.batch.interval_ms, 700);
  }
  auto fourth = Start();
  ASSERT_TRUE(fourth.ok());
  EXPECT_FALSE(fourth->on_trial);
  EXPECT_EQ(fourth->overlay->version, "1.0.0");
  EXPECT_EQ(fourth->config.batch.interval_ms, 500);
  EXPECT_THAT(Slots().status().last_result, StartsWith("rolled back fleet 1.1.0: did not become"));
  // A late commit of the trial that was rolled back changes nothing.
  SlotManifest late{"fleet", "1.1.0", {}};
  ASSERT_TRUE(CommitConfigTrial(PosixFileSystem(), SlotsDir(), late).ok());
  EXPECT_EQ(Slots().status().active->version, "1.0.0");
}

// A trial overlay that does not parse (staged here directly; InstallConfig
// refuses one) fails each start, counted, until the slots roll it back.
TEST_F(ConfigInstallTest, ATrialThatDoesNotParseFailsEachStartUntilRolledBack) {
  const std::string bad = "[batch]\ninterval_ms = 0\n";
  {
    SlotStore slots = Slots();
    ASSERT_TRUE(
        slots.Stage({"fleet", "2.0.0", {{kConfigFile, DigestOf(bad)}}}, {{kConfigFile, bad}}).ok());
    ASSERT_TRUE(slots.Switch().ok());
  }
  for (int i = 1; i <= 3; ++i) {
    auto started = Start();
    ASSERT_FALSE(started.ok());
    EXPECT_THAT(started.status().message(),
                StartsWith("fleet@2.0.0/agent.toml:2:15: [batch] interval_ms"));
    EXPECT_EQ(Slots().status().trial_attempts, i);
  }
  auto fourth = Start();
  ASSERT_TRUE(fourth.ok()) << fourth.status().ToString();
  EXPECT_FALSE(fourth->overlay.has_value());  // nothing was committed before it
  EXPECT_EQ(fourth->config.batch.interval_ms, 2000);
  EXPECT_THAT(Slots().status().last_result, StartsWith("rolled back fleet 2.0.0"));
}

// A trial whose start cannot be counted (state.json cannot be written) does
// not run: it could crash the agent forever without ever being rolled back.
TEST_F(ConfigInstallTest, ATrialStartThatCannotBeCountedRunsTheLocalFileAlone) {
  SimulatedDisk disk;
  const std::string overlay = "[batch]\ninterval_ms = 500\n";
  {
    SlotStore slots = SlotStore::Open(disk, SlotsDir()).value();
    ASSERT_TRUE(
        slots
            .Stage({"fleet", "1.0.0", {{kConfigFile, DigestOf(overlay)}}}, {{kConfigFile, overlay}})
            .ok());
    ASSERT_TRUE(slots.Switch().ok());
  }
  disk.CrashAfter(1);
  auto uncounted = LoadEffectiveAgentConfig(disk, local_);
  ASSERT_TRUE(uncounted.ok()) << uncounted.status().ToString();
  EXPECT_FALSE(uncounted->on_trial);
  EXPECT_FALSE(uncounted->overlay.has_value());
  EXPECT_TRUE(uncounted->overlay_file.empty());
  EXPECT_EQ(uncounted->config.batch.interval_ms, 2000);
  EXPECT_THAT(uncounted->note, HasSubstr("trial fleet 1.0.0 cannot be counted"));
  disk.Crash();  // the disk works again
  auto counted = LoadEffectiveAgentConfig(disk, local_);
  ASSERT_TRUE(counted.ok());
  EXPECT_TRUE(counted->on_trial);
  EXPECT_EQ(counted->config.batch.interval_ms, 500);
  EXPECT_EQ(SlotStore::Open(disk, SlotsDir()).value().status().trial_attempts, 1);
}

TEST_F(ConfigInstallTest, WithoutSlotsTheLocalFileRunsAlone) {
  auto started = Start();
  ASSERT_TRUE(started.ok()) << started.status().ToString();
  EXPECT_FALSE(started->overlay.has_value());
  EXPECT_FALSE(started->on_trial);
  EXPECT_EQ(started->config.batch.interval_ms, 2000);
  EXPECT_FALSE(std::filesystem::exists(SlotsDir()));
}

}  // namespace
}  // namespace keel::edge::ota
