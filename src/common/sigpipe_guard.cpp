#include "common/sigpipe_guard.h"

#include <cerrno>
#include <ctime>

namespace keel {
namespace {

sigset_t PipeOnly() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGPIPE);
  return set;
}

bool Pending() {
  sigset_t pending;
  sigemptyset(&pending);
  sigpending(&pending);
  return sigismember(&pending, SIGPIPE) == 1;
}

}  // namespace

void IgnoreSigpipeInThisProcess() { signal(SIGPIPE, SIG_IGN); }

ScopedSigpipeBlock::ScopedSigpipeBlock() : was_pending_(Pending()) {
  const sigset_t pipe_only = PipeOnly();
  pthread_sigmask(SIG_BLOCK, &pipe_only, &previous_);
}

ScopedSigpipeBlock::~ScopedSigpipeBlock() {
  if (!was_pending_ && Pending()) {
    const sigset_t pipe_only = PipeOnly();
    const timespec zero{0, 0};
    while (sigtimedwait(&pipe_only, nullptr, &zero) < 0 && errno == EINTR) {
    }
  }
  pthread_sigmask(SIG_SETMASK, &previous_, nullptr);
}

}  // namespace keel
