#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <climits>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "edge/supervisor/child_processes.h"
#include "edge/supervisor/health_notifier.h"

extern char** environ;

namespace keel::edge::supervisor {
namespace {

int64_t SteadyMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

sigset_t WatchedSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGCHLD);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  return set;
}

// Adds x where `program` has r, if it has no x for its owner.
void EnsureExecutable(const std::filesystem::path& program) {
  struct stat st {};
  if (stat(program.c_str(), &st) != 0 || !S_ISREG(st.st_mode) || (st.st_mode & S_IXUSR) != 0) {
    return;
  }
  mode_t mode = st.st_mode & 07777;
  if (mode & S_IRUSR) mode |= S_IXUSR;
  if (mode & S_IRGRP) mode |= S_IXGRP;
  if (mode & S_IROTH) mode |= S_IXOTH;
  chmod(program.c_str(), mode);
}

ChildEvent ExitEvent(int status) {
  ChildEvent e;
  e.kind = ChildEvent::Kind::kExited;
  if (WIFEXITED(status)) {
    e.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    e.signal = WTERMSIG(status);
  }
  return e;
}

class PosixChildProcesses final : public ChildProcesses {
 public:
  PosixChildProcesses(int signal_fd, sigset_t previous_mask)
      : signal_fd_(signal_fd), previous_mask_(previous_mask) {}
  ~PosixChildProcesses() override {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      int status = 0;
      while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
      }
    }
    ClosePipe();
    close(signal_fd_);
    pthread_sigmask(SIG_SETMASK, &previous_mask_, nullptr);
  }
  PosixChildProcesses(const PosixChildProcesses&) = delete;
  PosixChildProcesses& operator=(const PosixChildProcesses&) = delete;

  Status Start(const std::filesystem::path& program,
               const std::vector<std::string>& args) override {
    if (pid_ > 0) return Status::FailedPrecondition("supervisor: a child is already running");
    EnsureExecutable(program);
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) {
      return Status::Unavailable(fmt::format("supervisor: pipe: {}", std::strerror(errno)));
    }
    // The child's copy of the write end is the one descriptor without
    // close-on-exec; it exists only while the child is being created.
    const int child_fd = fcntl(fds[1], F_DUPFD, 3);
    close(fds[1]);
    if (child_fd < 0) {
      close(fds[0]);
      return Status::Unavailable(fmt::format("supervisor: dup: {}", std::strerror(errno)));
    }
    // Everything the child needs is built before fork: after it, the child
    // may only make async-signal-safe calls.
    std::vector<std::string> arg_strings = {program.string()};
    arg_strings.insert(arg_strings.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (std::string& a : arg_strings) argv.push_back(a.data());
    argv.push_back(nullptr);
    const std::string fd_prefix = std::string(kSupervisorFdEnv) + "=";
    std::string fd_entry = fd_prefix + std::to_string(child_fd);
    std::vector<char*> envp;
    for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
      if (!std::string_view(*e).starts_with(fd_prefix)) envp.push_back(*e);
    }
    envp.push_back(fd_entry.data());
    envp.push_back(nullptr);
    const pid_t parent = getpid();

    const pid_t pid = fork();
    if (pid == 0) {
      sigset_t none;
      sigemptyset(&none);
      for (int s : {SIGCHLD, SIGTERM, SIGINT, SIGPIPE, SIGHUP}) signal(s, SIG_DFL);
      sigprocmask(SIG_SETMASK, &none, nullptr);
      prctl(PR_SET_PDEATHSIG, SIGTERM);
      if (getppid() != parent) _exit(1);  // the supervisor died before prctl
      execve(argv[0], argv.data(), envp.data());
      _exit(127);
    }
    const int fork_errno = errno;
    close(child_fd);
    if (pid < 0) {
      close(fds[0]);
      return Status::Unavailable(fmt::format("supervisor: fork: {}", std::strerror(fork_errno)));
    }
    fcntl(fds[0], F_SETFL, fcntl(fds[0], F_GETFL) | O_NONBLOCK);
    pid_ = pid;
    pipe_fd_ = fds[0];
    received_.clear();
    healthy_reported_ = false;
    return Status::Ok();
  }

  ChildEvent Wait(int64_t timeout_ms) override {
    const int64_t deadline = SteadyMs() + std::max<int64_t>(timeout_ms, 0);
    while (true) {
      DrainSignals();
      if (stop_requested_) return {ChildEvent::Kind::kStopRequested};
      if (ReadHealth()) return {ChildEvent::Kind::kHealthy};
      if (auto exited = Reap()) return *exited;
      const int64_t left = deadline - SteadyMs();
      if (left <= 0) return {ChildEvent::Kind::kTimedOut};
      PollFor(left);
    }
  }

  void Stop(int64_t grace_ms) override {
    if (pid_ <= 0) return;
    kill(pid_, SIGTERM);
    const int64_t deadline = SteadyMs() + grace_ms;
    while (true) {
      DrainSignals();
      if (Reap()) return;
      const int64_t left = deadline - SteadyMs();
      if (left <= 0) break;
      PollFor(left);
    }
    kill(pid_, SIGKILL);
    int status = 0;
    while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    pid_ = -1;
    ClosePipe();
  }

  bool running() const override { return pid_ > 0; }

 private:
  void DrainSignals() {
    signalfd_siginfo info;
    while (read(signal_fd_, &info, sizeof info) == static_cast<ssize_t>(sizeof info)) {
      if (info.ssi_signo == SIGTERM || info.ssi_signo == SIGINT) stop_requested_ = true;
    }
  }

  // True once, when the health line has arrived from the current child.
  bool ReadHealth() {
    if (pipe_fd_ < 0 || healthy_reported_) return false;
    char buffer[256];
    while (true) {
      const ssize_t n = read(pipe_fd_, buffer, sizeof buffer);
      if (n > 0) {
        // Bounded: only the first line matters.
        if (received_.size() < 4096) received_.append(buffer, static_cast<size_t>(n));
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n == 0) ClosePipe();  // every writer closed it
      break;
    }
    if (received_.find(kHealthyLine) == std::string::npos) return false;
    healthy_reported_ = true;
    return true;
  }

  std::optional<ChildEvent> Reap() {
    if (pid_ <= 0) return std::nullopt;
    int status = 0;
    pid_t r;
    while ((r = waitpid(pid_, &status, WNOHANG)) < 0 && errno == EINTR) {
    }
    if (r != pid_) return std::nullopt;
    pid_ = -1;
    ClosePipe();
    return ExitEvent(status);
  }

  void PollFor(int64_t ms) {
    pollfd fds[2] = {{signal_fd_, POLLIN, 0}, {pipe_fd_, POLLIN, 0}};
    const nfds_t n = pipe_fd_ >= 0 && !healthy_reported_ ? 2 : 1;
    poll(fds, n, static_cast<int>(std::min<int64_t>(ms, INT_MAX)));
  }

  void ClosePipe() {
    if (pipe_fd_ >= 0) close(pipe_fd_);
    pipe_fd_ = -1;
  }

  const int signal_fd_;
  const sigset_t previous_mask_;
  pid_t pid_ = -1;
  int pipe_fd_ = -1;
  std::string received_;
  bool healthy_reported_ = false;
  bool stop_requested_ = false;
};

}  // namespace

Result<std::unique_ptr<ChildProcesses>> MakePosixChildProcesses() {
  const sigset_t watched = WatchedSignals();
  sigset_t previous;
  if (int rc = pthread_sigmask(SIG_BLOCK, &watched, &previous)) {
    return Status::Internal(fmt::format("supervisor: sigmask: {}", std::strerror(rc)));
  }
  const int fd = signalfd(-1, &watched, SFD_CLOEXEC | SFD_NONBLOCK);
  if (fd < 0) {
    const int err = errno;
    pthread_sigmask(SIG_SETMASK, &previous, nullptr);
    return Status::Internal(fmt::format("supervisor: signalfd: {}", std::strerror(err)));
  }
  return std::unique_ptr<ChildProcesses>(std::make_unique<PosixChildProcesses>(fd, previous));
}

}  // namespace keel::edge::supervisor
