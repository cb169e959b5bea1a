// Real-time scheduling of the calling thread, for the few threads on a
// device's decision path (the edge agent's sampler and action workers): on a
// machine whose cores are shared, a normal thread that is runnable can wait
// several milliseconds for a core; a SCHED_FIFO thread runs ahead of every
// normal thread (docs/operations.md, "Real-time priority").
#pragma once

#include <string>

#include "common/status.h"

namespace keel {

inline constexpr int kMinRealtimePriority = 1;
inline constexpr int kMaxRealtimePriority = 99;

// Puts the calling thread under SCHED_FIFO at `priority`. InvalidArgument
// outside [1, 99]; PermissionDenied when the process may not (it needs
// CAP_SYS_NICE or an RLIMIT_RTPRIO of at least `priority`; the message says
// so). The thread keeps its schedule until it ends; processes it starts
// (fork) begin at normal priority.
Status SetCurrentThreadRealtime(int priority);

struct ThreadSchedule {
  std::string policy;  // "SCHED_FIFO", "SCHED_RR", "SCHED_OTHER", ...
  int priority = 0;    // the real-time priority, 0 for the normal policies
};

// The calling thread's schedule.
ThreadSchedule CurrentThreadSchedule();

}  // namespace keel
