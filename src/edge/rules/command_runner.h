// RunCommand: runs one local command for a rule action, without a shell,
// bounded in time. Blocking; CommandAction (actions.h) calls it on its worker.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"

namespace keel::edge::rules {

struct CommandOutcome {
  enum class Kind {
    kExited,    // exit_code holds the exit status
    kSignaled,  // the command died from `signal`
    kTimedOut,  // still running at the deadline: its process group got SIGKILL
  };
  Kind kind = Kind::kExited;
  int exit_code = -1;
  int signal = 0;
  int64_t duration_ms = 0;  // spawn to reap, real (monotonic) time

  bool succeeded() const { return kind == Kind::kExited && exit_code == 0; }
};

// Spawns argv[0] (an absolute or relative path; no PATH lookup, no shell)
// with argv, the caller's environment plus `extra_env` ("NAME=VALUE"), stdin
// from /dev/null, stdout/stderr inherited, default signal dispositions, in a
// new process group. Waits up to `timeout_ms` (real time: a child process
// does not follow an injected clock), then SIGKILLs the whole group and reaps
// it, so the call returns within about timeout_ms + 20 ms.
// Errors: InvalidArgument for an empty argv or timeout_ms <= 0; Unavailable
// when the command cannot be started (message names argv[0] and the errno).
Result<CommandOutcome> RunCommand(const std::vector<std::string>& argv,
                                  const std::vector<std::string>& extra_env, int64_t timeout_ms);

}  // namespace keel::edge::rules
