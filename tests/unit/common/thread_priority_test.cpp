#include "common/thread_priority.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <thread>

namespace keel {
namespace {

using ::testing::HasSubstr;

// Runs `body` on a new thread (a schedule change must not leak into the
// test's own thread).
template <typename Body>
void OnThread(Body body) {
  std::thread thread(body);
  thread.join();
}

// Whether this process may use SCHED_FIFO (CI runs as root; a developer's
// shell may not).
bool RealtimePermitted() {
  bool permitted = false;
  OnThread([&] { permitted = SetCurrentThreadRealtime(1).ok(); });
  return permitted;
}

TEST(ThreadPriorityTest, PriorityOutsideTheRangeIsInvalid) {
  OnThread([] {
    for (int priority : {0, -1, 100}) {
      Status status = SetCurrentThreadRealtime(priority);
      EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << priority;
      EXPECT_THAT(status.message(), HasSubstr("1..99"));
    }
    EXPECT_EQ(CurrentThreadSchedule().policy, "SCHED_OTHER");
  });
}

TEST(ThreadPriorityTest, AppliesToTheCallingThreadOnly) {
  const bool permitted = RealtimePermitted();
  OnThread([&] {
    Status status = SetCurrentThreadRealtime(7);
    if (permitted) {
      ASSERT_TRUE(status.ok()) << status.ToString();
      EXPECT_EQ(CurrentThreadSchedule().policy, "SCHED_FIFO");
      EXPECT_EQ(CurrentThreadSchedule().priority, 7);
    } else {
      EXPECT_EQ(status.code(), StatusCode::kPermissionDenied);
      EXPECT_EQ(CurrentThreadSchedule().policy, "SCHED_OTHER");
    }
  });
  EXPECT_EQ(CurrentThreadSchedule().policy, "SCHED_OTHER");
  EXPECT_EQ(CurrentThreadSchedule().priority, 0);
}

TEST(ThreadPriorityTest, ChildProcessesStartAtNormalPriority) {
  if (!RealtimePermitted()) GTEST_SKIP() << "SCHED_FIFO not permitted here";
  int child_status = -1;
  OnThread([&] {
    ASSERT_TRUE(SetCurrentThreadRealtime(5).ok());
    const pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) _exit(CurrentThreadSchedule().policy == "SCHED_OTHER" ? 0 : 1);
    ASSERT_EQ(waitpid(pid, &child_status, 0), pid);
  });
  ASSERT_TRUE(WIFEXITED(child_status));
  EXPECT_EQ(WEXITSTATUS(child_status), 0) << "the child inherited SCHED_FIFO";
}

// Without the privilege (a child process that gave it up), the error says
// what to grant.
TEST(ThreadPriorityTest, WithoutThePrivilegeItIsPermissionDeniedSayingWhatToGrant) {
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    rlimit none{0, 0};
    if (setrlimit(RLIMIT_RTPRIO, &none) != 0) _exit(2);
    if (getuid() == 0 && setuid(65534) != 0) _exit(3);  // drops CAP_SYS_NICE
    Status status = SetCurrentThreadRealtime(10);
    const bool ok = status.code() == StatusCode::kPermissionDenied &&
                    status.message().find("CAP_SYS_NICE") != std::string::npos &&
                    status.message().find("LimitRTPRIO=10") != std::string::npos &&
                    CurrentThreadSchedule().policy == "SCHED_OTHER";
    _exit(ok ? 0 : 1);
  }
  int child_status = -1;
  ASSERT_EQ(waitpid(pid, &child_status, 0), pid);
  ASSERT_TRUE(WIFEXITED(child_status));
  EXPECT_EQ(WEXITSTATUS(child_status), 0);
}

}  // namespace
}  // namespace keel
