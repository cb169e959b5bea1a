// Test environment for the broker tests: a PKI (device CA, server cert,
// dev1/dev2/hub client certs, a foreign CA), a CRL managed with `openssl ca`,
// a BrokerConfig on a free loopback port, and helpers that drive the real
// mosquitto_pub / mosquitto_sub clients.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>

#include "common/files.h"
#include "hub/broker/broker_config.h"
#include "test_util/net.h"
#include "test_util/temp_dir.h"
#include "test_util/test_pki.h"

namespace keel::hub {

// Runs `sh -c command` with stdout+stderr captured; returns the exit code.
inline int RunCommand(const std::string& command, std::string* output = nullptr) {
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return -1;
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, pipe)) > 0) out.append(buf, n);
  const int status = ::pclose(pipe);
  if (output != nullptr) *output = out;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// A background `sh -c command` whose output is read line by line.
class BackgroundCommand {
 public:
  explicit BackgroundCommand(const std::string& command) {
    const std::string script = "exec " + command;
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) std::abort();
    pid_ = ::fork();
    if (pid_ == 0) {
      ::setpgid(0, 0);
      ::dup2(fds[1], 1);
      ::dup2(fds[1], 2);
      ::execl("/bin/sh", "sh", "-c", script.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    ::close(fds[1]);
    fd_ = fds[0];
  }
  ~BackgroundCommand() {
    ::kill(-pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    ::close(fd_);
  }
  BackgroundCommand(const BackgroundCommand&) = delete;
  BackgroundCommand& operator=(const BackgroundCommand&) = delete;

  // Waits until the output contains `needle` (searching output not yet
  // consumed by a previous call); false on timeout or end of output.
  bool WaitFor(const std::string& needle, int timeout_ms) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    for (;;) {
      const size_t at = output_.find(needle, consumed_);
      if (at != std::string::npos) {
        consumed_ = at + needle.size();
        return true;
      }
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                            deadline - std::chrono::steady_clock::now())
                            .count();
      if (left <= 0) return false;
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left)) <= 0) continue;
      char buf[4096];
      const ssize_t n = ::read(fd_, buf, sizeof buf);
      if (n <= 0) return false;
      output_.append(buf, static_cast<size_t>(n));
    }
  }
  const std::string& output() const { return output_; }

 private:
  pid_t pid_ = -1;
  int fd_ = -1;
  std::string output_;
  size_t consumed_ = 0;
};

class BrokerTestEnv {
 public:
  BrokerTestEnv() : pki_(tmp_.path() / "pki"), foreign_(tmp_.path() / "foreign", "foreign") {
    pki_.Issue("server", "localhost", /*server=*/true);
    pki_.Issue("dev1", "dev1");
    pki_.Issue("dev2", "dev2");
    pki_.Issue("hub", std::string(kHubClientIdentity));
    foreign_.Issue("dev1", "dev1");
    config_.port = FreeLoopbackPort();
    config_.dir = tmp_.path() / "broker";
    config_.ca_file = pki_.ca_cert();
    config_.cert_file = pki_.cert("server");
    config_.key_file = pki_.key("server");
    config_.crl_file = tmp_.path() / "crl.pem";
    config_.revoked_ids_file = tmp_.path() / "revoked";
    config_.plugin_path = KEEL_BIN_DIR "/../lib/libkeel_mosquitto_plugin.so";
    std::ofstream(tmp_.path() / "pki" / "index.txt");
    std::ofstream(tmp_.path() / "pki" / "crlnumber") << "1000\n";
    std::ofstream(CaConfig()) << "[ca]\ndefault_ca = keel\n[keel]\n"
                              << "database = " << (tmp_.path() / "pki" / "index.txt").string()
                              << "\ncrlnumber = " << (tmp_.path() / "pki" / "crlnumber").string()
                              << "\ncertificate = " << pki_.ca_cert().string()
                              << "\nprivate_key = " << pki_.ca_key().string()
                              << "\ndefault_md = sha256\ndefault_crl_days = 1\n";
  }

  BrokerConfig& config() { return config_; }
  const std::filesystem::path& dir() const { return tmp_.path(); }
  const TestPki& pki() const { return pki_; }

  // Writes config().crl_file listing every certificate revoked so far.
  bool WriteCrl() {
    return RunCommand("openssl ca -config " + CaConfig() + " -gencrl -out " +
                      config_.crl_file.string()) == 0;
  }
  bool RevokeCertificate(const std::string& name) {
    return RunCommand("openssl ca -config " + CaConfig() + " -revoke " +
                      pki_.cert(name).string()) == 0;
  }

  // TLS + MQTT v5 options for mosquitto_pub/sub acting as `name` ("dev1",
  // "dev2", "hub"); `foreign` uses the certificate of the foreign CA.
  std::string ClientArgs(const std::string& name, bool foreign = false) const {
    const TestPki& pki = foreign ? foreign_ : pki_;
    return " -h 127.0.0.1 -p " + std::to_string(config_.port) + " -V mqttv5 --cafile " +
           pki_.ca_cert().string() + " --cert " + pki.cert(name).string() + " --key " +
           pki.key(name).string() + " ";
  }

  // mosquitto_pub at QoS 1; returns the exit code.
  int Publish(const std::string& name, const std::string& topic, const std::string& payload,
              const std::string& extra = "", std::string* output = nullptr) const {
    return RunCommand("mosquitto_pub" + ClientArgs(name) + "-q 1 -t '" + topic + "' -m '" +
                          payload + "' " + extra,
                      output);
  }

 private:
  std::string CaConfig() const { return (tmp_.path() / "pki" / "ca.cnf").string(); }

  TempDir tmp_;
  TestPki pki_;
  TestPki foreign_;
  BrokerConfig config_;
};

}  // namespace keel::hub
