#include "edge/rules/command_runner.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

extern char** environ;

namespace keel::edge::rules {
namespace {

int64_t SteadyMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

class SpawnSetup {
 public:
  SpawnSetup() {
    posix_spawn_file_actions_init(&actions_);
    posix_spawnattr_init(&attr_);
  }
  ~SpawnSetup() {
    posix_spawn_file_actions_destroy(&actions_);
    posix_spawnattr_destroy(&attr_);
  }
  SpawnSetup(const SpawnSetup&) = delete;
  SpawnSetup& operator=(const SpawnSetup&) = delete;

  int Prepare() {
    if (int rc =
            posix_spawn_file_actions_addopen(&actions_, STDIN_FILENO, "/dev/null", O_RDONLY, 0)) {
      return rc;
    }
    sigset_t none;
    sigemptyset(&none);
    sigset_t defaults;
    sigemptyset(&defaults);
    for (int s : {SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGCHLD, SIGQUIT, SIGUSR1, SIGUSR2}) {
      sigaddset(&defaults, s);
    }
    if (int rc = posix_spawnattr_setsigmask(&attr_, &none)) return rc;
    if (int rc = posix_spawnattr_setsigdefault(&attr_, &defaults)) return rc;
    if (int rc = posix_spawnattr_setpgroup(&attr_, 0)) return rc;
    const short flags = POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
    return posix_spawnattr_setflags(&attr_, flags);
  }

  posix_spawn_file_actions_t* actions() { return &actions_; }
  posix_spawnattr_t* attr() { return &attr_; }

 private:
  posix_spawn_file_actions_t actions_;
  posix_spawnattr_t attr_;
};

CommandOutcome FromWaitStatus(int status) {
  CommandOutcome out;
  if (WIFEXITED(status)) {
    out.kind = CommandOutcome::Kind::kExited;
    out.exit_code = WEXITSTATUS(status);
  } else {
    out.kind = CommandOutcome::Kind::kSignaled;
    out.signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
  }
  return out;
}

}  // namespace

Result<CommandOutcome> RunCommand(const std::vector<std::string>& argv,
                                  const std::vector<std::string>& extra_env, int64_t timeout_ms) {
  if (argv.empty()) return Status::InvalidArgument("command: argv is empty");
  if (timeout_ms <= 0) {
    return Status::InvalidArgument(fmt::format("command {}: timeout_ms must be > 0", argv[0]));
  }
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  std::vector<char*> env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) env.push_back(*e);
  for (const std::string& e : extra_env) env.push_back(const_cast<char*>(e.c_str()));
  env.push_back(nullptr);

  SpawnSetup setup;
  if (int rc = setup.Prepare()) {
    return Status::Internal(fmt::format("command {}: spawn setup: {}", argv[0], std::strerror(rc)));
  }
  const int64_t start = SteadyMs();
  pid_t pid = -1;
  if (int rc = posix_spawn(&pid, args[0], setup.actions(), setup.attr(), args.data(), env.data())) {
    return Status::Unavailable(
        fmt::format("command {}: cannot start: {}", argv[0], std::strerror(rc)));
  }
  int64_t pause_ms = 1;
  while (true) {
    int status = 0;
    const pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid) {
      CommandOutcome out = FromWaitStatus(status);
      out.duration_ms = SteadyMs() - start;
      return out;
    }
    if (r < 0 && errno != EINTR) {
      return Status::Internal(
          fmt::format("command {}: waitpid: {}", argv[0], std::strerror(errno)));
    }
    const int64_t left = start + timeout_ms - SteadyMs();
    if (left <= 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(std::min(pause_ms, left)));
    pause_ms = std::min<int64_t>(pause_ms * 2, 20);
  }
  kill(-pid, SIGKILL);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  CommandOutcome out;
  out.kind = CommandOutcome::Kind::kTimedOut;
  out.signal = SIGKILL;
  out.duration_ms = SteadyMs() - start;
  return out;
}

}  // namespace keel::edge::rules
