#include "common/sigpipe_guard.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cerrno>
#include <thread>

namespace keel {
namespace {

// Runs in a child process, so that a failure (death by SIGPIPE) cannot take
// the test runner with it.
TEST(SigpipeGuardTest, AWriteToAClosedPipeFailsInsteadOfKilling) {
  EXPECT_EXIT(
      {
        signal(SIGPIPE, SIG_DFL);
        int fds[2];
        if (pipe(fds) != 0) _exit(2);
        close(fds[0]);
        {
          ScopedSigpipeBlock guard;
          if (write(fds[1], "x", 1) != -1 || errno != EPIPE) _exit(3);
        }
        // The SIGPIPE was consumed: unblocking it did not deliver it.
        _exit(0);
      },
      ::testing::ExitedWithCode(0), "");
}

TEST(SigpipeGuardTest, WithoutTheGuardTheWriteKills) {
  EXPECT_EXIT(
      {
        signal(SIGPIPE, SIG_DFL);
        int fds[2];
        if (pipe(fds) != 0) _exit(2);
        close(fds[0]);
        (void)!write(fds[1], "x", 1);
        _exit(0);
      },
      ::testing::KilledBySignal(SIGPIPE), "");
}

TEST(SigpipeGuardTest, AProcessThatIgnoresSigpipeGetsEpipeOnEveryThread) {
  EXPECT_EXIT(
      {
        signal(SIGPIPE, SIG_DFL);
        IgnoreSigpipeInThisProcess();
        int fds[2];
        if (pipe(fds) != 0) _exit(2);
        close(fds[0]);
        int error = 0;
        std::thread([&] { error = write(fds[1], "x", 1) == -1 ? errno : 0; }).join();
        _exit(error == EPIPE ? 0 : 3);
      },
      ::testing::ExitedWithCode(0), "");
}

}  // namespace
}  // namespace keel
