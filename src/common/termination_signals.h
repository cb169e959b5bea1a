// TerminationSignals: SIGINT and SIGTERM delivered synchronously to the main
// thread of an executable, so shutdown runs in normal code (no async-signal
// handler). Construct it first thing in main(), before any thread starts:
// the blocked mask is inherited by every thread created afterwards.
#pragma once

#include <signal.h>

#include <chrono>

namespace keel {

class TerminationSignals {
 public:
  TerminationSignals();
  // Blocks until SIGINT or SIGTERM arrives; returns the signal number.
  int Wait();
  // Like Wait, but gives up after `timeout`; returns 0 then.
  int WaitFor(std::chrono::milliseconds timeout);

 private:
  sigset_t set_;
};

}  // namespace keel
