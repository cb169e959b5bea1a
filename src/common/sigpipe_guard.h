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

// The policy of every Keel executable, called first in main(): SIGPIPE is
// ignored for the whole process, so a write to a peer that went away (a hub
// killed mid-request, a device that dropped its TLS connection) fails with
// EPIPE and is handled as the lost connection it is. OpenSSL writes with
// write(2), not send(MSG_NOSIGNAL), so without this one vanished peer kills
// the program. Child processes get the default disposition back where Keel
// starts them (edge/supervisor, edge/rules, hub/broker).
void IgnoreSigpipeInThisProcess();

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
