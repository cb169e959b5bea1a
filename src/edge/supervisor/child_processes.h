// ChildProcesses: how the Supervisor starts, watches and ends the agent
// process, behind an interface so that its state machine is tested with a
// scripted fake (tests/unit/edge/supervisor) and run with real processes in
// production (MakePosixChildProcesses).
//
// One child at a time. Each child gets a health pipe: the write end's number
// is in the environment variable KEEL_SUPERVISOR_FD (health_notifier.h) and
// is the only descriptor the supervisor lets it inherit on purpose; the
// child writes "healthy\n" into it once it is healthy.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"

namespace keel::edge::supervisor {

// What ChildProcesses::Wait saw first.
struct ChildEvent {
  enum class Kind {
    kHealthy,        // the running child wrote its health line (reported once per child)
    kExited,         // the child ended and was reaped; no child runs now
    kTimedOut,       // nothing happened within the timeout
    kStopRequested,  // the supervisor was asked to stop (SIGTERM/SIGINT); sticky
  };
  Kind kind = Kind::kTimedOut;
  // kExited: the exit status, or -1 when a signal ended the child.
  int exit_code = -1;
  // kExited: the signal that ended the child, 0 if it exited by itself.
  int signal = 0;
};

class ChildProcesses {
 public:
  virtual ~ChildProcesses() = default;

  // Starts `program` with argv [program, args...], this process's
  // environment plus KEEL_SUPERVISOR_FD, and default signal handling. A
  // program that cannot be executed (missing, not a valid binary) is started
  // anyway and exits with status 127, which the supervisor counts like any
  // crash. FailedPrecondition if a child is running; Unavailable if no
  // process can be created (fork failed).
  virtual Status Start(const std::filesystem::path& program,
                       const std::vector<std::string>& args) = 0;

  // Waits at most `timeout_ms` (>= 0) for the first event. With no child
  // running, only a stop request or the timeout can happen (this is how the
  // supervisor sleeps between restarts). A child that wrote its health line
  // and then exited reports kHealthy first, then kExited.
  virtual ChildEvent Wait(int64_t timeout_ms) = 0;

  // Ends the running child: SIGTERM, then SIGKILL if it has not exited
  // within `grace_ms`; returns once it is reaped. No-op without a child.
  virtual void Stop(int64_t grace_ms) = 0;

  virtual bool running() const = 0;
};

// Real processes (fork + execve, waitpid, a signalfd for SIGCHLD, SIGTERM
// and SIGINT). Blocks SIGCHLD, SIGTERM and SIGINT in the calling thread, so
// create it in main() before any thread starts, and use it from that thread
// only; the destructor kills a child still running and restores the mask.
//
// Linux specifics: each child gets PR_SET_PDEATHSIG = SIGTERM, so a
// supervisor killed with SIGKILL does not leave its agent running beside the
// next supervisor's. Slot files carry content, not modes (SlotStore writes
// them 0644), so Start adds the execute bit where the file has the read bit
// before running a program that lacks it; a noexec mount still fails (127).
Result<std::unique_ptr<ChildProcesses>> MakePosixChildProcesses();

}  // namespace keel::edge::supervisor
