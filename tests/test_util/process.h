// ChildProcess: runs an executable for a test with stdout/stderr redirected to
// files, and stops it if the test does not. For tests only.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace keel {

class ChildProcess {
 public:
  ChildProcess(std::vector<std::string> argv, const std::filesystem::path& out_file,
               const std::filesystem::path& err_file)
      : out_file_(out_file), err_file_(err_file) {
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, out_file.c_str(), O_WRONLY | O_CREAT | O_APPEND,
                                     0644);
    posix_spawn_file_actions_addopen(&actions, 2, err_file.c_str(), O_WRONLY | O_CREAT | O_APPEND,
                                     0644);
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    const int rc = posix_spawn(&pid_, args[0], &actions, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) throw std::runtime_error("cannot spawn " + argv[0]);
  }
  // Asks the process to stop (SIGTERM), so that it can stop its own children
  // (keel-hub stops its broker); SIGKILL after 10 s.
  ~ChildProcess() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      if (WaitExit(std::chrono::seconds(10)) == -1) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, nullptr, 0);
      }
    }
  }
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }

  // Sends `sig` and reaps the process; returns its wait status.
  int KillAndWait(int sig) {
    if (pid_ <= 0) return -1;
    ::kill(pid_, sig);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    return status;
  }

  // Waits for exit up to `timeout`; returns the exit code, or -1 on timeout.
  int WaitExit(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return -1;
  }

  std::string Stdout() const { return Slurp(out_file_); }
  std::string Stderr() const { return Slurp(err_file_); }

  // Polls stdout until it contains `text`.
  bool WaitForOutput(const std::string& text, std::chrono::milliseconds timeout) const {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (Stdout().find(text) != std::string::npos) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }

 private:
  static std::string Slurp(const std::filesystem::path& p) {
    std::ifstream in(p);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

  pid_t pid_ = -1;
  std::filesystem::path out_file_, err_file_;
};

// Runs a command to completion, returning {exit code, stdout}.
inline std::pair<int, std::string> RunCommand(std::vector<std::string> argv,
                                              const std::filesystem::path& scratch_dir) {
  static int counter = 0;
  const auto out = scratch_dir / ("cmd" + std::to_string(++counter) + ".out");
  const auto err = scratch_dir / ("cmd" + std::to_string(counter) + ".err");
  ChildProcess child(std::move(argv), out, err);
  const int rc = child.WaitExit(std::chrono::seconds(60));
  return {rc, child.Stdout()};
}

}  // namespace keel
