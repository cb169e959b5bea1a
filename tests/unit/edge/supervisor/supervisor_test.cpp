#include "edge/supervisor/supervisor.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include "common/simulated_disk.h"
#include "edge/ota/slot_store.h"
#include "edge/supervisor/health_notifier.h"
#include "unit/edge/supervisor/fake_child_processes.h"

namespace keel::edge::supervisor {
namespace {

using testing::ChildScript;
using ::testing::ElementsAre;
using testing::FakeChildProcesses;
using ::testing::HasSubstr;

const std::filesystem::path kSlots = "/var/lib/keel/ota/agent";
const std::string kFallback = "/usr/bin/keel-edge";
const std::string kSlotA = "/var/lib/keel/ota/agent/slot-a/keel-edge";
const std::string kSlotB = "/var/lib/keel/ota/agent/slot-b/keel-edge";

struct Release {
  ota::SlotManifest manifest;
  std::map<std::string, std::string> files;
};

Release Agent(const std::string& version) {
  Release r;
  r.files[kAgentFileName] = "#!/bin/sh\n# keel-edge " + version + "\n";
  r.manifest = {"keel-edge", version, {}};
  for (const auto& [name, content] : r.files) r.manifest.files[name] = ota::DigestOf(content);
  return r;
}

ota::SlotStore MustOpen(FileSystem& fs) {
  auto store = ota::SlotStore::Open(fs, kSlots);
  EXPECT_TRUE(store.ok()) << store.status().ToString();
  return std::move(store).value();
}

// Stages and switches `version` (a trial, as InstallAgentBinary leaves it).
void PutOnTrial(FileSystem& fs, const std::string& version) {
  ota::SlotStore store = MustOpen(fs);
  const Release r = Agent(version);
  ASSERT_TRUE(store.Stage(r.manifest, r.files).ok());
  ASSERT_TRUE(store.Switch().ok());
}

void InstallCommitted(FileSystem& fs, const std::string& version) {
  PutOnTrial(fs, version);
  ota::SlotStore store = MustOpen(fs);
  ASSERT_TRUE(store.RecordStart().ok());
  ASSERT_TRUE(store.Commit().ok());
}

std::string ActiveVersion(FileSystem& fs) {
  const auto status = MustOpen(fs).status();
  return status.active ? status.active->version : "none";
}

class SupervisorTest : public ::testing::Test {
 protected:
  SupervisorOptions Options() {
    SupervisorOptions o;
    o.slots_dir = kSlots;
    o.fallback_program = kFallback;
    o.agent_args = {"run", "--config", "/etc/keel/edge.toml"};
    return o;
  }
  void Run(SupervisorOptions o) {
    Supervisor supervisor(disk_, children_, clock_, std::move(o));
    supervisor.Run();
  }
  void Run() { Run(Options()); }
  int64_t StartedAfterMs(size_t i) const {
    return children_.start_times_ms.at(i) - children_.start_times_ms.at(i - 1);
  }

  SimulatedDisk disk_;
  FakeClock clock_;
  FakeChildProcesses children_{clock_};
};

// A child that reports healthy after `healthy_ms` (never if unset) and exits
// with `code` after `exit_ms` (never if unset).
ChildScript Child(std::optional<int64_t> healthy_ms, std::optional<int64_t> exit_ms = {},
                  int code = 1) {
  ChildScript s;
  s.healthy_after_ms = healthy_ms;
  s.exit_after_ms = exit_ms;
  s.exit_code = code;
  return s;
}
const ChildScript kHealthy = Child(5'000);
const ChildScript kCrashes = Child({}, 1'000);
const ChildScript kHangs = Child({});

TEST_F(SupervisorTest, NothingInstalledRunsTheFallbackWithTheAgentArguments) {
  children_.scripts = {kCrashes};
  Run();
  EXPECT_THAT(children_.starts, ElementsAre(kFallback, kFallback));
  EXPECT_THAT(children_.last_args, ElementsAre("run", "--config", "/etc/keel/edge.toml"));
  EXPECT_EQ(StartedAfterMs(1), 1'000 + 1'000);  // ran 1 s, then the first backoff
}

TEST_F(SupervisorTest, HealthyTrialIsCommittedAndKeepsRunning) {
  InstallCommitted(disk_, "1.0.0");
  PutOnTrial(disk_, "1.1.0");
  children_.scripts = {kHealthy};
  children_.stop_at_ms = clock_.MonotonicMs() + 3'600'000;
  Run();
  EXPECT_THAT(children_.starts, ElementsAre(kSlotB));
  EXPECT_EQ(children_.stops, 1);  // only when the supervisor stopped
  const auto status = MustOpen(disk_).status();
  ASSERT_TRUE(status.active);
  EXPECT_EQ(status.active->version, "1.1.0");
  EXPECT_FALSE(status.trial);
  EXPECT_EQ(status.last_result, "committed keel-edge 1.1.0");
}

TEST_F(SupervisorTest, AHealthyTrialIsCommittedOnlyAfterItsSoak) {
  InstallCommitted(disk_, "1.0.0");
  PutOnTrial(disk_, "1.1.0");
  children_.scripts = {kHealthy};  // healthy at 5 s
  children_.stop_at_ms = clock_.MonotonicMs() + 64'000;
  Run();  // soak 60 s (the default): stopped 1 s before the commit
  EXPECT_TRUE(MustOpen(disk_).status().trial);
  EXPECT_EQ(ActiveVersion(disk_), "1.0.0");
  // HealthyTrialIsCommittedAndKeepsRunning: committed once the soak is over.
}

TEST_F(SupervisorTest, ATrialThatCrashesDuringItsSoakIsNotCommittedAndRollsBack) {
  InstallCommitted(disk_, "1.0.0");
  PutOnTrial(disk_, "1.1.0");
  const ChildScript crashes_after_health = Child(5'000, 30'000);
  children_.scripts = {crashes_after_health, crashes_after_health, crashes_after_health};
  Run();
  EXPECT_THAT(children_.starts, ElementsAre(kSlotB, kSlotB, kSlotB, kSlotA));
  EXPECT_EQ(ActiveVersion(disk_), "1.0.0");
  EXPECT_EQ(MustOpen(disk_).status().last_result,
            "rolled back keel-edge 1.1.0: did not become healthy in 3 starts");
}

TEST_F(SupervisorTest, WithoutASoakTheHealthLineCommits) {
  InstallCommitted(disk_, "1.0.0");
  PutOnTrial(disk_, "1.1.0");
  children_.scripts = {kHealthy};
  children_.stop_at_ms = clock_.MonotonicMs() + 6'000;
  SupervisorOptions o = Options();
  o.soak_ms = 0;
  Run(o);
  EXPECT_EQ(ActiveVersion(disk_), "1.1.0");
}

TEST_F(SupervisorTest, TrialThatCrashesThreeTimesIsRolledBackAndThePreviousSlotRuns) {
  InstallCommitted(disk_, "1.0.0");
  PutOnTrial(disk_, "1.1.0");
  children_.scripts = {kCrashes, kCrashes, kCrashes};
  Run();
  EXPECT_THAT(children_.starts, ElementsAre(kSlotB, kSlotB, kSlotB, kSlotA));
  for (size_t i = 1; i < 4; ++i) EXPECT_EQ(StartedAfterMs(i), 1'000) << i;  // no backoff
  const auto status = MustOpen(disk_).status();
  EXPECT_EQ(ActiveVersion(disk_), "1.0.0");
  EXPECT_FALSE(status.trial);
  EXPECT_EQ(status.last_result, "rolled back keel-edge 1.1.0: did not become healthy in 3 starts");
}

TEST_F(SupervisorTest, FirstTrialThatCrashesFallsBackToTheProvisionedBinary) {
  PutOnTrial(disk_, "1.1.0");
  children_.scripts = {kCrashes, kCrashes, kCrashes};
  Run();
  EXPECT_THAT(children_.starts, ElementsAre(kSlotA, kSlotA, kSlotA, kFallback));
  EXPECT_EQ(ActiveVersion(disk_), "none");
}

TEST_F(SupervisorTest, TrialNotHealthyInTimeIsStoppedAndRolledBack) {
  InstallCommitted(disk_, "1.0.0");
  PutOnTrial(disk_, "1.1.0");
  children_.scripts = {kHangs};
  children_.scripts.front().ignores_sigterm = true;
  SupervisorOptions o = Options();
  o.healthy_timeout_ms = 120'000;
  o.stop_grace_ms = 10'000;
  Run(o);
  EXPECT_THAT(children_.starts, ElementsAre(kSlotB, kSlotA));
  EXPECT_EQ(children_.stops, 1);
  EXPECT_EQ(StartedAfterMs(1), 120'000 + 10'000);  // deadline, then SIGKILL after the grace
  EXPECT_EQ(ActiveVersion(disk_), "1.0.0");
  EXPECT_EQ(MustOpen(disk_).status().last_result,
            "rolled back keel-edge 1.1.0: not healthy within 120 s");
}

TEST_F(SupervisorTest, HealthLineAfterTheDeadlineIsTooLate) {
  InstallCommitted(disk_, "1.0.0");
  PutOnTrial(disk_, "1.1.0");
  children_.scripts = {Child(120'001)};
  Run();
  EXPECT_THAT(children_.starts, ElementsAre(kSlotB, kSlotA));
  EXPECT_EQ(ActiveVersion(disk_), "1.0.0");
}

TEST_F(SupervisorTest, CommittedSlotThatCrashesIsRestartedWithCappedBackoffNeverRolledBack) {
  InstallCommitted(disk_, "1.0.0");
  PutOnTrial(disk_, "1.1.0");
  children_.scripts = {kHealthy};
  for (int i = 0; i < 8; ++i) children_.scripts.push_back(kCrashes);
  children_.scripts.front().exit_after_ms = 70'000;  // crashes after it was committed
  SupervisorOptions o = Options();
  o.backoff_min_ms = 1'000;
  o.backoff_max_ms = 8'000;
  Run(o);
  ASSERT_EQ(children_.starts.size(), 10u);
  for (const std::string& program : children_.starts) EXPECT_EQ(program, kSlotB);
  const std::vector<int64_t> expected_backoff = {1'000, 2'000, 4'000, 8'000, 8'000,
                                                 8'000, 8'000, 8'000, 8'000};
  EXPECT_EQ(StartedAfterMs(1), 70'000 + expected_backoff[0]);
  for (size_t i = 2; i < 10; ++i) {
    EXPECT_EQ(StartedAfterMs(i), 1'000 + expected_backoff[i - 1]) << i;
  }
  EXPECT_EQ(ActiveVersion(disk_), "1.1.0");
}

TEST_F(SupervisorTest, ALongRunResetsTheBackoff) {
  children_.scripts = {kCrashes, kCrashes, Child({}, 400'000), kCrashes};
  Run();
  ASSERT_EQ(children_.starts.size(), 5u);
  EXPECT_EQ(StartedAfterMs(2), 1'000 + 2'000);
  EXPECT_EQ(StartedAfterMs(3), 400'000 + 1'000);  // ran past stable_run_ms
}

TEST_F(SupervisorTest, RestartRequestedStartsTheNewTrialAtOnce) {
  InstallCommitted(disk_, "1.0.0");
  ChildScript installs_new_agent = Child({}, 30'000, kRestartRequested);
  installs_new_agent.on_start = [this] { PutOnTrial(disk_, "1.1.0"); };
  children_.scripts = {installs_new_agent, kHealthy};
  children_.stop_at_ms = clock_.MonotonicMs() + 3'600'000;
  Run();
  EXPECT_THAT(children_.starts, ElementsAre(kSlotA, kSlotB));
  EXPECT_EQ(StartedAfterMs(1), 30'000);  // no backoff
  EXPECT_EQ(ActiveVersion(disk_), "1.1.0");
}

TEST_F(SupervisorTest, RestartRequestedWithoutATrialIsACrash) {
  InstallCommitted(disk_, "1.0.0");
  children_.scripts = {Child({}, 30'000, kRestartRequested)};
  Run();
  EXPECT_THAT(children_.starts, ElementsAre(kSlotA, kSlotA));
  EXPECT_EQ(StartedAfterMs(1), 30'000 + 1'000);  // backed off: no busy loop
}

TEST_F(SupervisorTest, RestartRequestedBeforeTheTrialIsHealthyCountsAsACrash) {
  InstallCommitted(disk_, "1.0.0");
  PutOnTrial(disk_, "1.1.0");
  const ChildScript restarts = Child({}, 100, kRestartRequested);
  children_.scripts = {restarts, restarts, restarts};
  Run();
  EXPECT_THAT(children_.starts, ElementsAre(kSlotB, kSlotB, kSlotB, kSlotA));
  EXPECT_EQ(ActiveVersion(disk_), "1.0.0");
}

TEST_F(SupervisorTest, StoppedMidTrialLeavesTheTrialCountedAndUncommitted) {
  InstallCommitted(disk_, "1.0.0");
  PutOnTrial(disk_, "1.1.0");
  children_.scripts = {kHangs};
  children_.stop_at_ms = clock_.MonotonicMs() + 10'000;
  Run();
  EXPECT_EQ(children_.stops, 1);
  auto status = MustOpen(disk_).status();
  ASSERT_TRUE(status.trial);
  EXPECT_EQ(status.trial_attempts, 1);
  EXPECT_EQ(ActiveVersion(disk_), "1.0.0");

  // The next supervisor goes on counting: two more starts, then rollback.
  FakeChildProcesses next(clock_);
  next.scripts = {kCrashes, kCrashes};
  Supervisor(disk_, next, clock_, Options()).Run();
  EXPECT_THAT(next.starts, ElementsAre(kSlotB, kSlotB, kSlotA));
  EXPECT_EQ(ActiveVersion(disk_), "1.0.0");
}

// [supervisor] A kill (or power cut) of the supervisor at any point never
// commits a trial that did not report healthy to it, and leaves a runnable
// slot; the next supervisor finishes the trial.
// The power cut is also tried at every write of the slots: from there on the
// disk fails every call until the crash.
TEST_F(SupervisorTest, KilledAtAnyPointNeverCommitsSilentlyNorLeavesNothingToRun) {
  spdlog::set_level(spdlog::level::off);  // thousands of restarts
  int64_t runs = 0;
  for (int64_t disk_fails_after : {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}) {
    for (int64_t kill_at = 1;; ++kill_at) {
      SCOPED_TRACE("killed at call " + std::to_string(kill_at) + ", disk failing after " +
                   std::to_string(disk_fails_after));
      ++runs;
      SimulatedDisk disk;
      InstallCommitted(disk, "1.0.0");
      PutOnTrial(disk, "1.1.0");
      if (disk_fails_after > 0) disk.CrashAfter(disk_fails_after);
      FakeClock clock;
      FakeChildProcesses children(clock);
      children.scripts = {kCrashes, kHealthy};
      children.stop_at_ms = clock.MonotonicMs() + 150'000;
      children.kill_at_call = kill_at;
      bool killed = false;
      try {
        Supervisor(disk, children, clock, Options()).Run();
      } catch (const testing::SupervisorKilled&) {
        killed = true;
      }
      disk.Crash();  // and whatever was not durable is lost
      ota::SlotStore store = MustOpen(disk);
      const ota::SlotStatus status = store.status();
      ASSERT_TRUE(store.Current().ok());
      if (status.active && status.active->version == "1.1.0") {
        EXPECT_EQ(children.healthy_reports, 1);
      } else {
        EXPECT_EQ(status.active->version, "1.0.0");
      }
      EXPECT_LE(status.trial_attempts, 2);

      // A restarted supervisor whose agent becomes healthy commits it.
      FakeChildProcesses after(clock);
      after.scripts = {kHealthy};
      after.stop_at_ms = clock.MonotonicMs() + 150'000;
      Supervisor(disk, after, clock, Options()).Run();
      EXPECT_EQ(ActiveVersion(disk), "1.1.0");
      if (!killed) break;
    }
  }
  spdlog::set_level(spdlog::level::info);
  EXPECT_GT(runs, 13 * 6);
}

}  // namespace
}  // namespace keel::edge::supervisor
