// The agent's side of the contract with `keel-edge supervise` (Supervisor):
// how a started agent says it is healthy, and how it asks to be restarted
// into a newly installed binary.
#pragma once

#include <string_view>

namespace keel::edge::supervisor {

// The environment variable through which the supervisor passes the number of
// the write end of its health pipe to the agent it starts.
inline constexpr std::string_view kSupervisorFdEnv = "KEEL_SUPERVISOR_FD";

// The line the agent writes into that pipe once it is healthy.
inline constexpr std::string_view kHealthyLine = "healthy\n";

// Exit code of an agent that installed a new agent binary (switched the
// "agent" slots to a trial) and wants the supervisor to start it now
// (EX_TEMPFAIL, 75, in sysexits.h terms: "try again").
inline constexpr int kRestartRequested = 75;

// Tells the supervisor that this process is healthy (for the agent: it
// reached the hub's broker). Writes kHealthyLine to the descriptor named by
// KEEL_SUPERVISOR_FD and closes it. Does nothing without the variable or
// with a value that is not a descriptor number; only the first call does
// anything (later calls are no-ops). Thread-safe; never fails (a supervisor
// that has gone away cannot be told anything, and the agent runs on).
//
// The descriptor is inherited without close-on-exec until this call, so a
// process the agent spawns before it may hold a copy; the supervisor does not
// depend on end-of-file of the pipe, only on the line and the child's exit.
void NotifySupervisorHealthy();

}  // namespace keel::edge::supervisor
