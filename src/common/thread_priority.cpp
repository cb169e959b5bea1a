#include "common/thread_priority.h"

#include <fmt/format.h>
#include <pthread.h>
#include <sched.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace keel {
namespace {

std::string PolicyName(int policy) {
  switch (policy) {
    case SCHED_FIFO:
      return "SCHED_FIFO";
    case SCHED_RR:
      return "SCHED_RR";
    case SCHED_OTHER:
      return "SCHED_OTHER";
    case SCHED_BATCH:
      return "SCHED_BATCH";
    case SCHED_IDLE:
      return "SCHED_IDLE";
    default:
      return fmt::format("policy {}", policy);
  }
}

}  // namespace

Status SetCurrentThreadRealtime(int priority) {
  if (priority < kMinRealtimePriority || priority > kMaxRealtimePriority) {
    return Status::InvalidArgument(fmt::format("real-time priority {} is outside {}..{}", priority,
                                               kMinRealtimePriority, kMaxRealtimePriority));
  }
  sched_param param{};
  param.sched_priority = priority;
  // SCHED_RESET_ON_FORK: processes this thread starts (an action's command)
  // run at normal priority, so that a runaway child cannot starve the device.
  // The Linux scheduler is per thread: sched_setscheduler on this thread's id
  // (pthread_setschedparam drops the flag).
  const int rc =
      sched_setscheduler(gettid(), SCHED_FIFO | SCHED_RESET_ON_FORK, &param) == 0 ? 0 : errno;
  if (rc == 0) return Status::Ok();
  if (rc == EPERM) {
    rlimit limit{};
    getrlimit(RLIMIT_RTPRIO, &limit);
    return Status::PermissionDenied(fmt::format(
        "SCHED_FIFO priority {} not permitted: the process needs CAP_SYS_NICE or an "
        "RLIMIT_RTPRIO of at least {} (it has {}; e.g. systemd LimitRTPRIO={} or "
        "AmbientCapabilities=CAP_SYS_NICE)",
        priority, priority,
        limit.rlim_cur == RLIM_INFINITY ? std::string("unlimited") : std::to_string(limit.rlim_cur),
        priority));
  }
  return Status::Internal(
      fmt::format("pthread_setschedparam(SCHED_FIFO, {}): {}", priority, std::strerror(rc)));
}

ThreadSchedule CurrentThreadSchedule() {
  int policy = 0;
  sched_param param{};
  if (pthread_getschedparam(pthread_self(), &policy, &param) != 0) return {"unknown", 0};
  return {PolicyName(policy & ~SCHED_RESET_ON_FORK), param.sched_priority};
}

}  // namespace keel
