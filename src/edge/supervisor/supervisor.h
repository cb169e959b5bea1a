// Supervisor: `keel-edge supervise`, the small process that runs the agent
// binary from its A/B slots and takes a new agent version back when it does
// not become healthy (issue 4: "reverts if it does not report healthy in time
// or crashes three times. A reboot or kill at any point must never commit
// silently nor leave no runnable slot").
//
// Before each start it opens the "agent" SlotStore (`slots_dir`, normally
// <state dir>/ota/agent) afresh, because the agent process installs into the
// same store, and chooses what to run:
//   - a slot on trial: RecordStart first (persisted, so a crash or a kill of
//     either process is counted; the store rolls back by itself once the
//     starts exceed max_attempts), then the slot's file "keel-edge";
//   - else the committed slot's "keel-edge";
//   - else (nothing installed, or the store or slot cannot be read) the
//     fallback binary, the version the device was provisioned with.
//   If the trial's start cannot be counted (state.json cannot be written),
//   the trial does not run: the committed slot does, or the fallback.
// While the trial child runs:
//   - health line within healthy_timeout_ms of its start -> the soak: the
//     child must keep running soak_ms more, then Commit; the child keeps
//     running as the committed version (soak_ms 0: Commit at the health line);
//   - exit before the commit (before the health line or during the soak) ->
//     a crash: start again (RecordStart counts it);
//   - no health line in time -> Stop (SIGTERM, SIGKILL after stop_grace_ms),
//     then Rollback("not healthy within N s") and start the previous slot.
// A committed or fallback child that exits is started again after a capped
// exponential backoff (backoff_min_ms doubling to backoff_max_ms; reset after
// a run of stable_run_ms); a committed slot is never rolled back. Exit code
// kRestartRequested (health_notifier.h) means the agent switched the slots
// to a new trial: it is started at once (without a trial pending, the exit
// is treated as a crash).
//
// Only the state machine writes the store while the agent runs on trial; the
// agent's own SlotStore refuses to stage during a trial, and the supervisor
// stops a child before it rolls back, so the two processes never write
// state.json at the same time.
//
// A kill of the supervisor at any point leaves state.json as SlotStore left
// it: a trial is committed only by Commit after the health line, attempts
// are counted before each start, so the next supervisor continues the trial
// (or rolls it back) and always has a slot or the fallback to run.
// Not thread-safe: Run blocks the calling thread until a stop is requested.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/filesystem.h"
#include "edge/ota/agent_install.h"
#include "edge/ota/slot_store.h"
#include "edge/supervisor/child_processes.h"

namespace keel::edge::supervisor {

// The file of an agent slot that is executed.
inline constexpr const char* kAgentFileName = ota::kAgentBinaryFile;

struct SupervisorOptions {
  std::filesystem::path slots_dir;         // the agent's SlotStore directory
  std::filesystem::path fallback_program;  // run when no slot can be
  std::vector<std::string> agent_args;     // argv[1..] of every start
  int64_t healthy_timeout_ms = 120'000;
  int64_t soak_ms = 60'000;  // healthy and running this long before the commit
  int64_t stop_grace_ms = 10'000;
  int64_t backoff_min_ms = 1'000;
  int64_t backoff_max_ms = 60'000;
  int64_t stable_run_ms = 300'000;
  int max_attempts = 3;  // starts of a trial before it is rolled back
};

class Supervisor {
 public:
  // `fs` (for the slots), `children` and `clock` (monotonic time for the
  // health deadline and run lengths) must outlive the supervisor.
  Supervisor(FileSystem& fs, ChildProcesses& children, const Clock& clock,
             SupervisorOptions options)
      : fs_(&fs), children_(&children), clock_(&clock), options_(std::move(options)) {}

  // Supervises the agent until ChildProcesses reports a stop request, then
  // stops the child (a trial stays on trial) and returns. Failures to open
  // or write the slots are logged and answered by running the fallback.
  void Run();

 private:
  struct Launch;
  enum class Ending { kStop, kRestartNow, kCrashed, kRolledBack };

  Launch Choose();
  std::optional<Launch> CommittedInsteadOfTrial(const ota::SlotStore& store) const;
  Ending Watch(Launch& launch);
  bool TrialPending() const;

  FileSystem* fs_;
  ChildProcesses* children_;
  const Clock* clock_;
  SupervisorOptions options_;
};

}  // namespace keel::edge::supervisor
