#include "edge/ota/slot_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/simulated_disk.h"
#include "crypto/tokens.h"
#include "test_util/temp_dir.h"

namespace keel::edge::ota {
namespace {

using ::testing::HasSubstr;

const std::filesystem::path kDir = "/device/ota/model";

struct Release {
  SlotManifest manifest;
  std::map<std::string, std::string> files;
};

// A two-file artifact, like a model bundle.
Release Version(const std::string& version) {
  Release r;
  r.files["manifest.json"] = R"({"name": "pump-ae", "version": ")" + version + "\"}";
  r.files["model.onnx"] = "model " + version + " " + std::string(300, 'w');
  r.manifest.name = "pump-ae";
  r.manifest.version = version;
  for (const auto& [name, content] : r.files) r.manifest.files[name] = DigestOf(content);
  return r;
}

SlotStore MustOpen(FileSystem& fs, const std::filesystem::path& dir = kDir) {
  auto store = SlotStore::Open(fs, dir);
  EXPECT_TRUE(store.ok()) << store.status().ToString();
  return std::move(store).value();
}

// Stage -> Switch -> RecordStart -> Commit; stops at the first error.
struct InstallRun {
  bool switched = false;
  bool committed = false;
};
InstallRun Install(SlotStore& store, const Release& r) {
  InstallRun run;
  if (!store.Stage(r.manifest, r.files).ok()) return run;
  if (!store.Switch().ok()) return run;
  run.switched = true;
  auto started = store.RecordStart();
  if (!started.ok() || !*started) return run;
  run.committed = store.Commit().ok();
  return run;
}

std::string RunningVersion(const SlotStore& store) {
  auto slot = store.Current();
  return slot.ok() ? slot->manifest.version : "none";
}

TEST(SlotStoreTest, InstallCommitAndRollbackOnAFailedHealthCheck) {
  SimulatedDisk disk;
  SlotStore store = MustOpen(disk);
  EXPECT_EQ(store.Current().status().code(), StatusCode::kNotFound);
  ASSERT_TRUE(Install(store, Version("1.0.0")).committed);
  EXPECT_EQ(RunningVersion(store), "1.0.0");

  const Release v2 = Version("2.0.0");
  ASSERT_TRUE(store.Stage(v2.manifest, v2.files).ok());
  EXPECT_EQ(RunningVersion(store), "1.0.0");  // staged is not running
  ASSERT_TRUE(store.Switch().ok());
  EXPECT_EQ(RunningVersion(store), "2.0.0");
  EXPECT_EQ(store.Stage(v2.manifest, v2.files).code(), StatusCode::kFailedPrecondition);
  const int64_t seq = store.status().seq;
  ASSERT_TRUE(store.Rollback("golden sample 3: output 0.51, expected 0.50").ok());
  EXPECT_EQ(RunningVersion(store), "1.0.0");
  EXPECT_GT(store.status().seq, seq);
  EXPECT_THAT(store.status().last_result, HasSubstr("rolled back pump-ae 2.0.0: golden sample 3"));
  EXPECT_FALSE(store.status().trial.has_value());

  // What was decided survives a restart.
  SlotStore reopened = MustOpen(disk);
  EXPECT_EQ(RunningVersion(reopened), "1.0.0");
  EXPECT_EQ(reopened.status().last_result, store.status().last_result);
}

TEST(SlotStoreTest, RepeatedCrashesOfTheTrialRollBack) {
  SimulatedDisk disk;
  {
    SlotStore store = MustOpen(disk);
    ASSERT_TRUE(Install(store, Version("1.0.0")).committed);
    const Release v2 = Version("2.0.0");
    ASSERT_TRUE(store.Stage(v2.manifest, v2.files).ok());
    ASSERT_TRUE(store.Switch().ok());
  }
  for (int start = 1; start <= 3; ++start) {  // the new version crashes each time
    SlotStore store = MustOpen(disk);
    ASSERT_TRUE(store.RecordStart().value()) << start;
    EXPECT_EQ(RunningVersion(store), "2.0.0");
    EXPECT_EQ(store.status().trial_attempts, start);
  }
  SlotStore store = MustOpen(disk);
  EXPECT_FALSE(store.RecordStart().value());
  EXPECT_EQ(RunningVersion(store), "1.0.0");
  EXPECT_THAT(store.status().last_result, HasSubstr("did not become healthy in 3 starts"));
}

TEST(SlotStoreTest, PayloadNotMatchingItsManifestIsRefused) {
  SimulatedDisk disk;
  SlotStore store = MustOpen(disk);
  Release r = Version("1.0.0");
  r.files["model.onnx"][5] = 'X';
  EXPECT_THAT(store.Stage(r.manifest, r.files).message(), HasSubstr("model.onnx does not match"));
  r = Version("1.0.0");
  r.files.erase("manifest.json");
  EXPECT_EQ(store.Stage(r.manifest, r.files).code(), StatusCode::kInvalidArgument);
  r = Version("1.0.0");
  r.manifest.files["../escape"] = DigestOf("x");
  r.files["../escape"] = "x";
  EXPECT_THAT(store.Stage(r.manifest, r.files).message(), HasSubstr("is not allowed"));
  EXPECT_EQ(store.Switch().code(), StatusCode::kFailedPrecondition);
}

TEST(SlotStoreTest, ACorruptActiveSlotFallsBackToTheOther) {
  SimulatedDisk disk;
  {
    SlotStore store = MustOpen(disk);
    ASSERT_TRUE(Install(store, Version("1.0.0")).committed);
    ASSERT_TRUE(Install(store, Version("2.0.0")).committed);
  }
  // Bit rot in a file of the running slot.
  SlotStore before = MustOpen(disk);
  const Slot running = before.Current().value();
  ASSERT_TRUE(disk.Write(running.dir / "model.onnx", "garbage").ok());
  SlotStore store = MustOpen(disk);
  EXPECT_EQ(RunningVersion(store), "1.0.0");
  EXPECT_THAT(store.status().last_result, HasSubstr("recovered: active slot"));
}

TEST(SlotStoreTest, AnUnreadableStateCommitsNothingAndSaysSo) {
  SimulatedDisk disk;
  {
    SlotStore store = MustOpen(disk);
    ASSERT_TRUE(Install(store, Version("1.0.0")).committed);
  }
  for (const char* garbage : {"{not json", R"({"active": 7})", "[]"}) {
    ASSERT_TRUE(disk.Write(kDir / "state.json", garbage).ok());
    SlotStore store = MustOpen(disk);
    EXPECT_EQ(store.Current().status().code(), StatusCode::kNotFound) << garbage;
    EXPECT_THAT(store.status().last_result, HasSubstr("state.json was unreadable")) << garbage;
    ASSERT_TRUE(Install(store, Version("1.1.0")).committed) << garbage;  // installs still work
  }
}

// [ota-robustness] A crash at every write, fsync, rename and directory sync
// of an install (stage, switch, first start, commit) leaves a slot that
// verifies and runs, a state that says truthfully which, and never a commit
// that was not made; the install can then be finished.
TEST(SlotStoreTest, CrashAtEveryStepOfAnInstallLeavesARunnableTruthfulSlot) {
  const Release v1 = Version("1.0.0");
  const Release v2 = Version("2.0.0");
  // Count the steps of one install of v2 over v1.
  int64_t steps = 0;
  {
    SimulatedDisk disk;
    SlotStore store = MustOpen(disk);
    ASSERT_TRUE(Install(store, v1).committed);
    const int64_t before = disk.mutations();
    ASSERT_TRUE(Install(store, v2).committed);
    steps = disk.mutations() - before;
  }
  ASSERT_GT(steps, 10);
  for (int64_t k = 1; k <= steps; ++k) {
    SCOPED_TRACE("crash at step " + std::to_string(k));
    SimulatedDisk disk;
    {
      SlotStore store = MustOpen(disk);
      ASSERT_TRUE(Install(store, v1).committed);
    }
    InstallRun run;
    {
      SlotStore store = MustOpen(disk);
      disk.CrashAfter(k);
      run = Install(store, v2);
    }
    disk.Crash();

    SlotStore store = MustOpen(disk);
    auto slot = store.Current();
    ASSERT_TRUE(slot.ok()) << slot.status().ToString();
    const SlotStatus status = store.status();
    if (run.committed) {
      EXPECT_EQ(slot->manifest.version, "2.0.0");
      EXPECT_EQ(status.active->version, "2.0.0");
    } else {
      ASSERT_TRUE(status.active.has_value());
      EXPECT_EQ(status.active->version, "1.0.0") << "committed without Commit()";
      if (status.trial) {
        EXPECT_TRUE(run.switched);
        EXPECT_EQ(slot->manifest.version, "2.0.0");
      } else {
        EXPECT_EQ(slot->manifest.version, "1.0.0");
      }
    }
    // The device can finish (or retry) the install after the restart.
    if (status.trial) {
      ASSERT_TRUE(store.RecordStart().value());
      ASSERT_TRUE(store.Commit().ok());
    } else if (!run.committed) {
      ASSERT_TRUE(Install(store, v2).committed);
    }
    EXPECT_EQ(RunningVersion(store), "2.0.0");
  }
}

TEST(SlotStoreTest, RevertMakesThePreviouslyCommittedVersionActiveAgain) {
  SimulatedDisk disk;
  SlotStore store = MustOpen(disk);
  EXPECT_EQ(store.Revert("fleet rollback").code(), StatusCode::kFailedPrecondition);  // nothing
  ASSERT_TRUE(Install(store, Version("1.0.0")).committed);
  EXPECT_THAT(store.Revert("fleet rollback").message(), HasSubstr("no earlier version"));
  ASSERT_TRUE(Install(store, Version("2.0.0")).committed);
  const int64_t seq = store.status().seq;
  ASSERT_TRUE(store.Revert("deployment 7 rolled back").ok());
  EXPECT_EQ(RunningVersion(store), "1.0.0");
  EXPECT_EQ(store.status().active->version, "1.0.0");
  EXPECT_EQ(store.status().last_result, "reverted pump-ae 2.0.0: deployment 7 rolled back");
  EXPECT_GT(store.status().seq, seq);
  // One step back only: 2.0.0 is not a revert target.
  EXPECT_EQ(store.Revert("again").code(), StatusCode::kFailedPrecondition);
  // Durable, and 2.0.0 can be installed again (it is no downgrade).
  SlotStore reopened = MustOpen(disk);
  EXPECT_EQ(RunningVersion(reopened), "1.0.0");
  ASSERT_TRUE(Install(reopened, Version("2.0.0")).committed);
  EXPECT_EQ(RunningVersion(reopened), "2.0.0");
  ASSERT_TRUE(reopened.Revert("once more").ok());
  EXPECT_EQ(RunningVersion(reopened), "1.0.0");
}

TEST(SlotStoreTest, RevertIsRefusedDuringATrialAndWhenThePreviousVersionWasOverwritten) {
  SimulatedDisk disk;
  SlotStore store = MustOpen(disk);
  ASSERT_TRUE(Install(store, Version("1.0.0")).committed);
  ASSERT_TRUE(Install(store, Version("2.0.0")).committed);
  const Release v3 = Version("3.0.0");
  ASSERT_TRUE(store.Stage(v3.manifest, v3.files).ok());  // over 1.0.0
  ASSERT_TRUE(store.Switch().ok());
  EXPECT_THAT(store.Revert("x").message(), HasSubstr("a trial is running"));
  ASSERT_TRUE(store.Rollback("unhealthy").ok());
  // The other slot holds the rolled-back 3.0.0, never 1.0.0 again: refused.
  EXPECT_THAT(store.Revert("x").message(), HasSubstr("1.0.0 is no longer installed"));
  EXPECT_EQ(RunningVersion(store), "2.0.0");
  // A rotten previous slot is refused too.
  SimulatedDisk disk2;
  SlotStore other = MustOpen(disk2);
  ASSERT_TRUE(Install(other, Version("1.0.0")).committed);
  const Slot first = other.Current().value();
  ASSERT_TRUE(Install(other, Version("2.0.0")).committed);
  ASSERT_TRUE(disk2.Write(first.dir / "model.onnx", "garbage").ok());
  EXPECT_EQ(other.Revert("x").code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(RunningVersion(other), "2.0.0");
}

// [ota-robustness] A crash at every write of a Revert leaves either the
// reverted state (certainly if Revert returned) or the one before, both
// runnable, and the revert can be finished after the restart.
TEST(SlotStoreTest, CrashAtEveryStepOfARevertLeavesARunnableTruthfulSlot) {
  auto prepare = [](SimulatedDisk& disk) {
    SlotStore store = MustOpen(disk);
    ASSERT_TRUE(Install(store, Version("1.0.0")).committed);
    ASSERT_TRUE(Install(store, Version("2.0.0")).committed);
  };
  int64_t steps = 0;
  {
    SimulatedDisk disk;
    prepare(disk);
    SlotStore store = MustOpen(disk);
    const int64_t before = disk.mutations();
    ASSERT_TRUE(store.Revert("r").ok());
    steps = disk.mutations() - before;
  }
  ASSERT_GT(steps, 2);
  for (int64_t k = 1; k <= steps; ++k) {
    SCOPED_TRACE("crash at step " + std::to_string(k));
    SimulatedDisk disk;
    prepare(disk);
    bool reverted = false;
    {
      SlotStore store = MustOpen(disk);
      disk.CrashAfter(k);
      reverted = store.Revert("r").ok();
    }
    disk.Crash();
    SlotStore store = MustOpen(disk);
    ASSERT_TRUE(store.Current().ok());
    const std::string running = RunningVersion(store);
    if (reverted) {
      EXPECT_EQ(running, "1.0.0");
    } else {
      EXPECT_TRUE(running == "1.0.0" || running == "2.0.0") << running;
    }
    EXPECT_EQ(store.status().active->version, running);
    if (running == "2.0.0") {
      ASSERT_TRUE(store.Revert("r").ok());
    }
    EXPECT_EQ(RunningVersion(store), "1.0.0");
    EXPECT_THAT(store.status().last_result, HasSubstr("reverted pump-ae 2.0.0: r"));
  }
}

TEST(SlotStoreTest, WorksOnTheRealFileSystem) {
  TempDir tmp;
  {
    SlotStore store = MustOpen(PosixFileSystem(), tmp.path() / "model");
    ASSERT_TRUE(Install(store, Version("1.0.0")).committed);
    ASSERT_TRUE(Install(store, Version("2.0.0")).committed);
  }
  SlotStore store = MustOpen(PosixFileSystem(), tmp.path() / "model");
  EXPECT_EQ(RunningVersion(store), "2.0.0");
  EXPECT_TRUE(std::filesystem::exists(tmp.path() / "model" / "state.json"));
}

}  // namespace
}  // namespace keel::edge::ota
