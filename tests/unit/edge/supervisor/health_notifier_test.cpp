#include "edge/supervisor/health_notifier.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

namespace keel::edge::supervisor {
namespace {

const std::string kEnv(kSupervisorFdEnv);

TEST(HealthNotifierTest, WritesTheLineOnceAndClosesTheDescriptor) {
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  setenv(kEnv.c_str(), std::to_string(fds[1]).c_str(), 1);
  NotifySupervisorHealthy();
  NotifySupervisorHealthy();  // a no-op
  unsetenv(kEnv.c_str());
  EXPECT_EQ(fcntl(fds[1], F_GETFD), -1);  // closed
  char buffer[64];
  const ssize_t n = read(fds[0], buffer, sizeof buffer);  // EOF after the line: no writer left
  ASSERT_GT(n, 0);
  EXPECT_EQ(std::string(buffer, static_cast<size_t>(n)), kHealthyLine);
  EXPECT_EQ(read(fds[0], buffer, sizeof buffer), 0);
  close(fds[0]);
}

TEST(HealthNotifierDeathTest, AGoneSupervisorDoesNotKillTheAgent) {
  EXPECT_EXIT(
      {
        int fds[2];
        if (pipe(fds) != 0) std::_Exit(2);
        close(fds[0]);  // nobody reads: the write raises SIGPIPE
        setenv(kEnv.c_str(), std::to_string(fds[1]).c_str(), 1);
        NotifySupervisorHealthy();
        std::_Exit(0);
      },
      ::testing::ExitedWithCode(0), "");
}

TEST(HealthNotifierDeathTest, WithoutTheVariableNothingHappens) {
  EXPECT_EXIT(
      {
        unsetenv(kEnv.c_str());
        NotifySupervisorHealthy();
        std::_Exit(0);
      },
      ::testing::ExitedWithCode(0), "");
}

}  // namespace
}  // namespace keel::edge::supervisor
