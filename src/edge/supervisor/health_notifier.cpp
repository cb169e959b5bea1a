#include "edge/supervisor/health_notifier.h"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>

namespace keel::edge::supervisor {
namespace {

// Writes `line` to `fd` without letting a closed reader kill the process:
// SIGPIPE is blocked in this thread for the write and a SIGPIPE it raised is
// consumed before the mask is restored.
void WriteIgnoringBrokenPipe(int fd, std::string_view line) {
  sigset_t pipe_only, previous;
  sigemptyset(&pipe_only);
  sigaddset(&pipe_only, SIGPIPE);
  sigset_t pending;
  sigemptyset(&pending);
  sigpending(&pending);
  const bool was_pending = sigismember(&pending, SIGPIPE) == 1;
  pthread_sigmask(SIG_BLOCK, &pipe_only, &previous);
  bool broken = false;
  const char* data = line.data();
  size_t left = line.size();
  while (left > 0) {
    const ssize_t n = write(fd, data, left);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EPIPE) broken = true;
    if (n <= 0) break;
    data += n;
    left -= static_cast<size_t>(n);
  }
  if (broken && !was_pending) {
    const timespec zero{0, 0};
    while (sigtimedwait(&pipe_only, nullptr, &zero) < 0 && errno == EINTR) {
    }
  }
  pthread_sigmask(SIG_SETMASK, &previous, nullptr);
}

}  // namespace

void NotifySupervisorHealthy() {
  static std::atomic<bool> notified{false};
  if (notified.exchange(true)) return;
  const char* value = std::getenv(std::string(kSupervisorFdEnv).c_str());
  if (value == nullptr) return;
  int fd = -1;
  const char* end = value + std::strlen(value);
  auto [ptr, ec] = std::from_chars(value, end, fd);
  if (ec != std::errc() || ptr != end || fd < 0) return;
  WriteIgnoringBrokenPipe(fd, kHealthyLine);
  close(fd);
}

}  // namespace keel::edge::supervisor
