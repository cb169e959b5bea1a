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

#include "common/sigpipe_guard.h"

namespace keel::edge::supervisor {
namespace {

// Writes `line` to `fd`; a reader that is gone must not kill the agent.
void WriteIgnoringBrokenPipe(int fd, std::string_view line) {
  ScopedSigpipeBlock no_sigpipe;
  const char* data = line.data();
  size_t left = line.size();
  while (left > 0) {
    const ssize_t n = write(fd, data, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    data += n;
    left -= static_cast<size_t>(n);
  }
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
