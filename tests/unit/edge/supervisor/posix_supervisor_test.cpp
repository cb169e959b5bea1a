// The Supervisor with real processes: slot "binaries" are shell scripts
// written into the slots by the test (SlotStore writes them without the
// execute bit; MakePosixChildProcesses adds it), with short timeouts.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "common/files.h"
#include "edge/ota/slot_store.h"
#include "edge/supervisor/child_processes.h"
#include "edge/supervisor/supervisor.h"
#include "test_util/temp_dir.h"

namespace keel::edge::supervisor {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// Appends its name and arguments to the file named by $1 when started.
constexpr const char* kLogStart = "echo \"$0\" >> \"$1\"\n";
// Each agent script logs its start, then behaves.
const std::string kHealthyAgent = std::string("#!/bin/sh\n") + kLogStart +
                                  "echo healthy > /proc/self/fd/$KEEL_SUPERVISOR_FD\n"
                                  "trap 'echo stopped >> \"$1\"; exit 0' TERM\n"
                                  "while :; do sleep 0.02; done\n";
const std::string kCrashingAgent = std::string("#!/bin/sh\n") + kLogStart + "exit 1\n";
const std::string kHangingAgent = std::string("#!/bin/sh\n") + kLogStart +
                                  "trap '' TERM\n"
                                  "while :; do sleep 0.02; done\n";
const std::string kExitingAgent = std::string("#!/bin/sh\n") + kLogStart + "exit 3\n";

// Forwards to the real processes; the (limit+1)-th Start is the end of the
// test: nothing is started and the supervisor is told to stop.
class StopAfterStarts final : public ChildProcesses {
 public:
  StopAfterStarts(ChildProcesses& real, int limit) : real_(real), limit_(limit) {}
  Status Start(const std::filesystem::path& program,
               const std::vector<std::string>& args) override {
    if (++starts_ > limit_) {
      stop_ = true;
      return Status::Ok();
    }
    return real_.Start(program, args);
  }
  ChildEvent Wait(int64_t timeout_ms) override {
    if (stop_) return {ChildEvent::Kind::kStopRequested};
    return real_.Wait(timeout_ms);
  }
  void Stop(int64_t grace_ms) override { real_.Stop(grace_ms); }
  bool running() const override { return real_.running(); }

 private:
  ChildProcesses& real_;
  int limit_;
  int starts_ = 0;
  bool stop_ = false;
};

class PosixSupervisorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto children = MakePosixChildProcesses();
    ASSERT_TRUE(children.ok()) << children.status().ToString();
    children_ = std::move(children).value();
    ASSERT_TRUE(
        WriteFileAtomic(fallback_, std::string("#!/bin/sh\n") + kLogStart + "exit 4\n").ok());
  }

  void Install(const std::string& version, const std::string& script, bool commit) {
    auto store = ota::SlotStore::Open(PosixFileSystem(), slots_);
    ASSERT_TRUE(store.ok());
    ota::SlotManifest manifest{"keel-edge", version, {{kAgentFileName, ota::DigestOf(script)}}};
    ASSERT_TRUE(store->Stage(manifest, {{kAgentFileName, script}}).ok());
    ASSERT_TRUE(store->Switch().ok());
    if (!commit) return;
    ASSERT_TRUE(store->RecordStart().ok());
    ASSERT_TRUE(store->Commit().ok());
  }

  SupervisorOptions Options() const {
    SupervisorOptions o;
    o.slots_dir = slots_;
    o.fallback_program = fallback_;
    o.agent_args = {log_.string()};
    o.healthy_timeout_ms = 2'000;
    o.soak_ms = 300;  // the soak with real processes, kept short
    o.stop_grace_ms = 200;
    o.backoff_min_ms = 10;
    o.backoff_max_ms = 20;
    return o;
  }

  // The programs started, in order, and "stopped" where one got SIGTERM.
  std::vector<std::string> Log() const {
    std::vector<std::string> lines;
    auto text = ReadFile(log_);
    if (!text.ok()) return lines;
    size_t from = 0;
    for (size_t nl; (nl = text->find('\n', from)) != std::string::npos; from = nl + 1) {
      std::string line = text->substr(from, nl - from);
      if (line.starts_with(slots_.string())) line = line.substr(slots_.string().size() + 1);
      if (line == fallback_.string()) line = "fallback";
      lines.push_back(line);
    }
    return lines;
  }

  ota::SlotStatus Status() const {
    auto store = ota::SlotStore::Open(PosixFileSystem(), slots_);
    EXPECT_TRUE(store.ok());
    return store->status();
  }

  TempDir tmp_;
  std::filesystem::path slots_ = tmp_.path() / "ota" / "agent";
  std::filesystem::path fallback_ = tmp_.path() / "provisioned-keel-edge";
  std::filesystem::path log_ = tmp_.path() / "starts.log";
  std::unique_ptr<ChildProcesses> children_;
};

TEST_F(PosixSupervisorTest, HealthyScriptIsCommittedAndStoppedWithSigterm) {
  Install("1.0.0", kCrashingAgent, /*commit=*/true);
  Install("1.1.0", kHealthyAgent, /*commit=*/false);
  // Stop once the trial is committed: a watcher sends SIGTERM to this
  // process, which the supervisor (having blocked it) forwards to the child.
  std::thread watcher([this] {
    for (int i = 0; i < 500 && Status().last_result != "committed keel-edge 1.1.0"; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    kill(getpid(), SIGTERM);
  });
  Supervisor(PosixFileSystem(), *children_, SystemClock(), Options()).Run();
  watcher.join();
  EXPECT_THAT(Log(), ElementsAre("slot-b/keel-edge", "stopped"));
  EXPECT_EQ(Status().last_result, "committed keel-edge 1.1.0");
  EXPECT_FALSE(children_->running());
}

TEST_F(PosixSupervisorTest, CrashingScriptIsRolledBackAfterThreeStarts) {
  Install("1.0.0", kExitingAgent, /*commit=*/true);
  Install("1.1.0", kCrashingAgent, /*commit=*/false);
  StopAfterStarts children(*children_, 4);
  Supervisor(PosixFileSystem(), children, SystemClock(), Options()).Run();
  EXPECT_THAT(Log(), ElementsAre("slot-b/keel-edge", "slot-b/keel-edge", "slot-b/keel-edge",
                                 "slot-a/keel-edge"));
  EXPECT_EQ(Status().last_result,
            "rolled back keel-edge 1.1.0: did not become healthy in 3 starts");
}

TEST_F(PosixSupervisorTest, HangingScriptIsKilledAndRolledBackAfterTheHealthTimeout) {
  Install("1.0.0", kExitingAgent, /*commit=*/true);
  Install("1.1.0", kHangingAgent, /*commit=*/false);
  SupervisorOptions o = Options();
  o.healthy_timeout_ms = 300;
  StopAfterStarts children(*children_, 2);
  const auto start = std::chrono::steady_clock::now();
  Supervisor(PosixFileSystem(), children, SystemClock(), o).Run();
  const auto took = std::chrono::steady_clock::now() - start;
  // It ignores SIGTERM: killed after the grace period.
  EXPECT_GE(took, std::chrono::milliseconds(300 + 200));
  EXPECT_THAT(Log(), ElementsAre("slot-b/keel-edge", "slot-a/keel-edge"));
  EXPECT_EQ(Status().last_result, "rolled back keel-edge 1.1.0: not healthy within 300 ms");
}

TEST_F(PosixSupervisorTest, NothingInstalledRunsTheFallback) {
  StopAfterStarts children(*children_, 2);
  Supervisor(PosixFileSystem(), children, SystemClock(), Options()).Run();
  EXPECT_THAT(Log(), ElementsAre("fallback", "fallback"));
}

TEST_F(PosixSupervisorTest, ProgramThatCannotRunExitsWith127) {
  ASSERT_TRUE(children_->Start(tmp_.path() / "missing", {}).ok());
  ChildEvent e = children_->Wait(5'000);
  EXPECT_EQ(e.kind, ChildEvent::Kind::kExited);
  EXPECT_EQ(e.exit_code, 127);
  EXPECT_FALSE(children_->running());
}

}  // namespace
}  // namespace keel::edge::supervisor
