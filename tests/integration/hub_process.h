// HubProcess: a real keel-hub (build/bin/keel-hub) on free loopback ports in
// a temporary data directory, plus helpers to drive it the way an operator
// would (keelctl) or a third-party device would (mosquitto_pub/sub).
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <regex>
#include <string>
#include <vector>

#include "edge/sim/fleet_simulator.h"
#include "test_util/net.h"
#include "test_util/process.h"
#include "test_util/temp_dir.h"

namespace keel {

inline std::string BinPath(const std::string& name) {
  return std::string(KEEL_BIN_DIR) + "/" + name;
}

class HubProcess {
 public:
  // `extra_args` are appended to keel-hub's command line.
  explicit HubProcess(const std::filesystem::path& root, std::vector<std::string> extra_args = {})
      : root_(root),
        data_(root / "hub"),
        http_port_(FreeLoopbackPort()),
        mqtt_port_(FreeLoopbackPort()),
        extra_args_(std::move(extra_args)) {}

  // Stops keel-hub (SIGTERM: it stops its broker), then makes sure no broker
  // it started survives, e.g. after Kill9() without a restart.
  ~HubProcess() {
    process_.reset();
    const int pid = BrokerPid();
    std::ifstream cmdline("/proc/" + std::to_string(pid) + "/cmdline");
    std::string text((std::istreambuf_iterator<char>(cmdline)), std::istreambuf_iterator<char>());
    if (pid > 0 && text.find(data_.string()) != std::string::npos) ::kill(pid, SIGKILL);
  }
  HubProcess(const HubProcess&) = delete;
  HubProcess& operator=(const HubProcess&) = delete;

  // Starts (or restarts) keel-hub on the same ports and data directory.
  void Start() {
    std::vector<std::string> argv{BinPath("keel-hub"),
                                  "--data-dir",
                                  data_.string(),
                                  "--http",
                                  "127.0.0.1:" + std::to_string(http_port_),
                                  "--mqtt",
                                  "127.0.0.1:" + std::to_string(mqtt_port_),
                                  "--log-level",
                                  "info"};
    argv.insert(argv.end(), extra_args_.begin(), extra_args_.end());
    // On a restart, keep the earlier run's output apart: its "keel-hub ready"
    // must not satisfy the wait below before this run is ready.
    if (process_) {
      ++restarts_;
      for (const char* name : {"hub.out", "hub.err"}) {
        std::error_code ec;
        std::filesystem::rename(root_ / name,
                                root_ / (std::string(name) + "." + std::to_string(restarts_)), ec);
      }
    }
    process_ = std::make_unique<ChildProcess>(argv, root_ / "hub.out", root_ / "hub.err");
    ASSERT_TRUE(process_->WaitForOutput("keel-hub ready", std::chrono::seconds(60)))
        << process_->Stderr();
  }
  void Kill9() { process_->KillAndWait(SIGKILL); }
  void Stop() { process_->KillAndWait(SIGTERM); }

  std::string api_url() const { return "https://127.0.0.1:" + std::to_string(http_port_); }
  std::string mqtt_url() const { return "mqtts://127.0.0.1:" + std::to_string(mqtt_port_); }
  int mqtt_port() const { return mqtt_port_; }
  std::filesystem::path ca() const { return data_ / "pki" / "ca.crt"; }
  std::filesystem::path token_file() const { return data_ / "admin.token"; }
  std::filesystem::path data() const { return data_; }
  const std::filesystem::path& root() const { return root_; }
  std::string Log() const { return process_ ? process_->Stderr() : ""; }

  int BrokerPid() const {
    std::ifstream in(data_ / "broker" / "mosquitto.pid");
    int pid = 0;
    in >> pid;
    return pid;
  }

  // keelctl with this hub's URL, CA and token.
  std::pair<int, std::string> Keelctl(std::vector<std::string> args) const {
    std::vector<std::string> argv = {BinPath("keelctl"),   "--hub",       api_url(),
                                     "--cacert",           ca().string(), "--token-file",
                                     token_file().string()};
    argv.insert(argv.end(), args.begin(), args.end());
    return RunCommand(argv, root_);
  }

  // Registers and enrolls `id` with keel-edge; returns the identity dir.
  std::filesystem::path EnrollDevice(const std::string& id) const {
    auto [rc, token] = Keelctl({"device", "add", id});
    EXPECT_EQ(rc, 0) << token;
    while (!token.empty() && token.back() == '\n') token.pop_back();
    const auto dir = root_ / ("dev-" + id);
    auto [erc, out] =
        RunCommand({BinPath("keel-edge"), "enroll", "--hub", api_url(), "--id", id, "--token",
                    token, "--dir", dir.string(), "--cacert", ca().string()},
                   root_);
    EXPECT_EQ(erc, 0) << out;
    return dir;
  }

  // mosquitto_pub with a device identity (MQTT 5). Returns the exit code.
  int Publish(const std::filesystem::path& identity, const std::string& topic,
              const std::string& payload, const std::string& client_id) const {
    static int counter = 0;
    const auto payload_file = root_ / ("payload" + std::to_string(++counter));
    std::ofstream(payload_file, std::ios::binary) << payload;
    return RunCommand({"/usr/bin/mosquitto_pub",
                       "-V",
                       "mqttv5",
                       "-h",
                       "127.0.0.1",
                       "-p",
                       std::to_string(mqtt_port_),
                       "--cafile",
                       ca().string(),
                       "--cert",
                       (identity / "device.crt").string(),
                       "--key",
                       (identity / "device.key").string(),
                       "-i",
                       client_id,
                       "-q",
                       "1",
                       "-t",
                       topic,
                       "-f",
                       payload_file.string()},
                      root_)
        .first;
  }

  // Options for a simulated fleet enrolled with this hub, its devices in `dir`.
  edge::FleetOptions FleetOptionsFor(const std::filesystem::path& dir) const {
    edge::FleetOptions options;
    options.hub_url = api_url();
    options.ca_file = ca();
    options.token_file = token_file();
    options.dir = dir;
    return options;
  }

  // The value of one metric line, e.g. keel_ingest_rejected_total{reason="non_finite"}.
  double Metric(const std::string& series) const {
    auto [rc, text] = Keelctl({"metrics"});
    if (rc != 0) return -1;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
      if (line.rfind(series + " ", 0) == 0) return std::stod(line.substr(series.size() + 1));
    }
    return 0;
  }

 private:
  std::filesystem::path root_, data_;
  int http_port_, mqtt_port_;
  std::vector<std::string> extra_args_;
  int restarts_ = 0;
  std::unique_ptr<ChildProcess> process_;
};

// Polls `condition` every 50 ms until it holds or `timeout` passes.
template <typename F>
bool Eventually(F condition, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return condition();
}

}  // namespace keel
