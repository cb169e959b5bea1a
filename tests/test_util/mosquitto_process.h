// MosquittoProcess: a real mosquitto broker (/usr/sbin/mosquitto) started by a
// test on a loopback address, with mutual TLS and Keel's ACL layout:
//   - a client's certificate CN is its username (use_identity_as_username),
//   - every user may read and write keel/v1/<its CN>/#,
//   - the users listed in `admin_users` (e.g. "hub") may read and write keel/v1/#.
// For tests only. Helpers throw std::runtime_error on setup failures (like
// TestPki), which GoogleTest reports as a test failure.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
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

namespace keel {

struct MosquittoOptions {
  std::filesystem::path dir;  // config, ACL and log go here; must exist
  int port = 0;
  std::string bind_address = "127.0.0.1";
  std::filesystem::path ca_file, cert_file, key_file;  // broker's CA and server identity
  std::vector<std::string> admin_users = {"hub"};
};

class MosquittoProcess {
 public:
  static constexpr const char* kBinary = "/usr/sbin/mosquitto";

  // Writes the config and starts the broker; returns once it accepts TCP
  // connections on bind_address:port (throws after 5 s).
  explicit MosquittoProcess(MosquittoOptions options) : options_(std::move(options)) {
    WriteConfig();
    Start();
  }
  ~MosquittoProcess() { Stop(); }
  MosquittoProcess(const MosquittoProcess&) = delete;
  MosquittoProcess& operator=(const MosquittoProcess&) = delete;

  // Starts the broker again (same config, same port) after Kill() or Stop().
  void Start() {
    if (pid_ > 0) throw std::runtime_error("MosquittoProcess: already running");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    const std::string log = log_path().string();
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, log.c_str(),
                                     O_WRONLY | O_CREAT | O_APPEND, 0600);
    const std::string config = config_path().string();
    std::vector<char*> argv = {const_cast<char*>(kBinary), const_cast<char*>("-c"),
                               const_cast<char*>(config.c_str()), nullptr};
    const int rc = posix_spawn(&pid_, kBinary, &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) {
      pid_ = -1;
      throw std::runtime_error("MosquittoProcess: cannot spawn " + std::string(kBinary));
    }
    if (!WaitForListener(std::chrono::seconds(5))) {
      const std::string log_text = Log();
      Stop();
      throw std::runtime_error("MosquittoProcess: broker did not listen; log:\n" + log_text);
    }
  }

  // SIGTERM and wait: a clean shutdown. Idempotent.
  void Stop() { Signal(SIGTERM); }
  // SIGKILL and wait: the broker vanishes without closing sessions.
  void Kill() { Signal(SIGKILL); }

  bool running() const { return pid_ > 0; }
  int port() const { return options_.port; }
  const std::string& bind_address() const { return options_.bind_address; }
  std::filesystem::path config_path() const { return options_.dir / "mosquitto.conf"; }
  std::filesystem::path log_path() const { return options_.dir / "mosquitto.log"; }

  // Everything the broker wrote to stderr so far (for failure messages).
  std::string Log() const {
    std::ifstream in(log_path());
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }

 private:
  void WriteConfig() const {
    const passwd* pw = ::getpwuid(::geteuid());
    if (pw == nullptr) throw std::runtime_error("MosquittoProcess: unknown current user");
    const auto acl = options_.dir / "acl";
    {
      std::ofstream out(acl);
      out << "pattern readwrite keel/v1/%u/#\n";
      for (const auto& user : options_.admin_users) {
        out << "\nuser " << user << "\ntopic readwrite keel/v1/#\n";
      }
    }
    std::ofstream out(config_path());
    out << "per_listener_settings false\n"
        << "allow_anonymous false\n"
        << "persistence false\n"
        << "user " << pw->pw_name << "\n"
        << "log_dest stderr\n"
        << "log_type all\n"
        << "acl_file " << acl.string() << "\n"
        << "listener " << options_.port << " " << options_.bind_address << "\n"
        << "cafile " << options_.ca_file.string() << "\n"
        << "certfile " << options_.cert_file.string() << "\n"
        << "keyfile " << options_.key_file.string() << "\n"
        << "tls_version tlsv1.2\n"
        << "require_certificate true\n"
        << "use_identity_as_username true\n";
    if (!out) throw std::runtime_error("MosquittoProcess: cannot write " + config_path().string());
  }

  bool WaitForListener(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return false;
      }
      const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
      sockaddr_in addr{};
      addr.sin_family = AF_INET;
      addr.sin_port = htons(static_cast<uint16_t>(options_.port));
      ::inet_pton(AF_INET, options_.bind_address.c_str(), &addr.sin_addr);
      const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
      ::close(fd);
      if (ok) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }

  void Signal(int signal) {
    if (pid_ <= 0) return;
    ::kill(pid_, signal);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
  }

  MosquittoOptions options_;
  pid_t pid_ = -1;
};

}  // namespace keel
