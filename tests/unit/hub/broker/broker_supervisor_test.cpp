#include "hub/broker/broker_supervisor.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <thread>

#include "broker_test_env.h"
#include "common/clock.h"

namespace keel::hub {
namespace {

using ::testing::HasSubstr;

// True once `pid` no longer exists at all (exited and reaped: no zombie).
bool Gone(int pid, int timeout_ms) {
  for (int waited = 0; waited < timeout_ms; waited += 10) {
    if (::kill(pid, 0) != 0 && errno == ESRCH) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

TEST(BrokerSupervisorTest, StartsListensWritesPidAndStopsWithoutZombies) {
  BrokerTestEnv env;
  BrokerSupervisor broker(env.config(), SystemClock());
  ASSERT_TRUE(broker.Start().ok());
  const int pid = broker.pid();
  ASSERT_GT(pid, 0);
  EXPECT_TRUE(WaitForListener(env.config().port, std::chrono::milliseconds(100)));
  EXPECT_EQ(*ReadFile(BrokerPidPath(env.config())), std::to_string(pid) + "\n");
  EXPECT_EQ(broker.Start().code(), StatusCode::kFailedPrecondition);

  broker.Stop();
  EXPECT_EQ(broker.pid(), -1);
  EXPECT_TRUE(Gone(pid, 1000));
  EXPECT_FALSE(WaitForListener(env.config().port, std::chrono::milliseconds(50)));
  EXPECT_FALSE(std::filesystem::exists(BrokerPidPath(env.config())));
  broker.Stop();  // idempotent
  EXPECT_EQ(broker.Reload().code(), StatusCode::kFailedPrecondition);
}

TEST(BrokerSupervisorTest, PortInUseIsAClearError) {
  BrokerTestEnv env;
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(env.config().port));
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(fd, 1), 0);

  BrokerSupervisor broker(env.config(), SystemClock());
  const Status started = broker.Start();
  ::close(fd);
  EXPECT_EQ(started.code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(started.message(), HasSubstr("already in use"));
  EXPECT_THAT(started.message(), HasSubstr(std::to_string(env.config().port)));
  EXPECT_EQ(broker.pid(), -1);
}

TEST(BrokerSupervisorTest, BrokerThatCannotStartReportsTheLogTail) {
  BrokerTestEnv env;
  env.config().key_file = env.dir() / "missing.key";
  BrokerSupervisor broker(env.config(), SystemClock());
  const Status started = broker.Start();
  EXPECT_EQ(started.code(), StatusCode::kUnavailable);
  EXPECT_THAT(started.message(), HasSubstr("before listening"));
  EXPECT_THAT(started.message(), HasSubstr("missing.key"));
  EXPECT_EQ(broker.pid(), -1);
}

TEST(BrokerSupervisorTest, MissingExecutableIsAnError) {
  BrokerTestEnv env;
  env.config().mosquitto_binary = env.dir() / "no-such-mosquitto";
  BrokerSupervisor broker(env.config(), SystemClock());
  EXPECT_FALSE(broker.Start().ok());
  EXPECT_EQ(broker.pid(), -1);
}

TEST(BrokerSupervisorTest, RestartsTheBrokerAfterItIsKilled) {
  BrokerTestEnv env;
  BrokerSupervisor broker(env.config(), SystemClock());
  ASSERT_TRUE(broker.Start().ok());
  const int first = broker.pid();
  ASSERT_EQ(::kill(first, SIGKILL), 0);

  int second = -1;
  for (int i = 0; i < 300 && (second <= 0 || second == first); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    second = broker.pid();
  }
  ASSERT_GT(second, 0);
  EXPECT_NE(second, first);
  EXPECT_EQ(broker.restarts(), 1u);
  EXPECT_TRUE(Gone(first, 1000));  // reaped, not a zombie
  EXPECT_TRUE(WaitForListener(env.config().port, std::chrono::milliseconds(3000)));
  EXPECT_EQ(*ReadFile(BrokerPidPath(env.config())), std::to_string(second) + "\n");

  broker.Stop();
  EXPECT_TRUE(Gone(second, 1000));
  EXPECT_EQ(broker.restarts(), 1u);
}

TEST(BrokerSupervisorTest, ReloadSignalsTheRunningBroker) {
  BrokerTestEnv env;
  BrokerSupervisor broker(env.config(), SystemClock());
  ASSERT_TRUE(broker.Start().ok());
  const int pid = broker.pid();
  ASSERT_TRUE(broker.Reload().ok());
  EXPECT_EQ(broker.pid(), pid);  // SIGHUP, not a restart
  EXPECT_TRUE(WaitForListener(env.config().port, std::chrono::milliseconds(1000)));
  EXPECT_EQ(broker.restarts(), 0u);
}

}  // namespace
}  // namespace keel::hub
