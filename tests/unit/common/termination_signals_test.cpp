#include "common/termination_signals.h"

#include <gtest/gtest.h>
#include <pthread.h>

#include <thread>

namespace keel {
namespace {

TEST(TerminationSignalsTest, WaitForTimesOutThenReturnsAPendingSignal) {
  TerminationSignals signals;
  EXPECT_EQ(signals.WaitFor(std::chrono::milliseconds(20)), 0);
  pthread_kill(pthread_self(), SIGTERM);  // blocked, so it stays pending
  EXPECT_EQ(signals.WaitFor(std::chrono::milliseconds(1000)), SIGTERM);
  std::thread sender([] { ::kill(::getpid(), SIGINT); });
  EXPECT_EQ(signals.Wait(), SIGINT);
  sender.join();
}

}  // namespace
}  // namespace keel
