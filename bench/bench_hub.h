// A keel-hub child process for the load tools: its own temporary data
// directory, free loopback ports, started from the same bin directory.
#pragma once

#include <filesystem>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "test_util/net.h"
#include "test_util/process.h"

namespace keel {

struct Hub {
  std::unique_ptr<ChildProcess> process;
  std::string api, mqtt_host;
  int mqtt_port = 0;
  std::filesystem::path dir;
  int BrokerPid() const {
    std::ifstream in(dir / "broker" / "mosquitto.pid");
    int pid = 0;
    in >> pid;
    return pid;
  }
};

// `extra_args` are appended to keel-hub's command line. Throws if it does
// not become ready within a minute.
inline Hub StartHub(const std::filesystem::path& bin, const std::filesystem::path& root,
                    const std::vector<std::string>& extra_args = {}) {
  Hub hub;
  hub.dir = root / "hub";
  const int http = FreeLoopbackPort();
  hub.mqtt_port = FreeLoopbackPort();
  hub.api = "https://127.0.0.1:" + std::to_string(http);
  std::vector<std::string> argv{(bin / "keel-hub").string(),
                                "--data-dir",
                                hub.dir.string(),
                                "--http",
                                "127.0.0.1:" + std::to_string(http),
                                "--mqtt",
                                "127.0.0.1:" + std::to_string(hub.mqtt_port),
                                "--log-level",
                                "warn"};
  argv.insert(argv.end(), extra_args.begin(), extra_args.end());
  hub.process = std::make_unique<ChildProcess>(argv, root / "hub.out", root / "hub.err");
  if (!hub.process->WaitForOutput("keel-hub ready", std::chrono::seconds(60))) {
    throw std::runtime_error("keel-hub did not start: " + hub.process->Stderr());
  }
  return hub;
}

}  // namespace keel
