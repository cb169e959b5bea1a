// ScopedSigpipeBlock: while it lives, a write to a connection or pipe whose
// other end is gone cannot kill the process with SIGPIPE from this thread —
// the write fails with EPIPE instead, which the caller handles. For code in
// libraries (the device's HTTPS calls, the supervisor pipe) that cannot rely
// on the process ignoring SIGPIPE: tests and embedding programs may not.
// A SIGPIPE raised in its scope is consumed when it ends (unless one was
// already pending before), then the thread's signal mask is restored.
#pragma once

#include <signal.h>

namespace keel {

class ScopedSigpipeBlock {
 public:
  ScopedSigpipeBlock();
  ~ScopedSigpipeBlock();
  ScopedSigpipeBlock(const ScopedSigpipeBlock&) = delete;
  ScopedSigpipeBlock& operator=(const ScopedSigpipeBlock&) = delete;

 private:
  sigset_t previous_;
  bool was_pending_ = false;
};

}  // namespace keel
