// FleetSimulator: N complete keel-edge agents in one process, each with its
// own enrolled identity (key, certificate), outbox and MQTT connection, fed
// by simulated sensors. Used by keel-sim, `make demo` and the end-to-end
// tests.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/random.h"
#include "common/status.h"
#include "edge/agent/agent.h"

namespace keel::edge {

struct FleetOptions {
  std::string hub_url;  // https://host:port (API)
  std::filesystem::path ca_file, token_file;
  // Where agents connect; empty: the URL the hub reports (GET /api/v1/info).
  std::string mqtt_url_override;
  std::filesystem::path dir;  // per-device identity + outbox directories
  int devices = 10;
  std::string id_prefix = "sim";
  int64_t batch_interval_ms = 1000;
  wire::Encoding encoding = wire::Encoding::kCbor;
  // Signals of every device (defaults: a motor with temperature, vibration
  // and current).
  std::vector<SensorConfig> sensors;
  int reconnect_min_ms = 200;
  int reconnect_max_ms = 5000;
  int64_t ack_timeout_ms = 5000;
  // Outbox bound per device (batches); the policy is drop_oldest.
  uint64_t outbox_max_batches = 100000;
};

struct FleetStats {
  int devices = 0;
  int connected = 0;
  uint64_t samples_read = 0;
  uint64_t batches_appended = 0;
  uint64_t outbox_depth = 0;
  uint64_t resends = 0;
  uint64_t renewals = 0;     // certificate renewals by all agents
  uint64_t dropped = 0;      // batches dropped from full outboxes, all time
  uint64_t highest_seq = 0;  // the highest seq any agent assigned
};

// Per-device comparison of what the agents produced with what the hub stored.
struct FleetVerification {
  bool exactly_once = false;
  uint64_t samples_produced = 0;
  uint64_t samples_stored = 0;
  std::vector<std::string> problems;  // one line per device that does not match
};

class FleetSimulator {
 public:
  FleetSimulator(FleetOptions options, const Clock& clock, Random& random);
  ~FleetSimulator();

  // Registers and enrolls devices that have no identity yet (through the API
  // with the operator token), then starts every agent.
  Status Start();
  // Stops sampling everywhere; agents keep delivering their outboxes.
  void StopSampling();
  // Waits until every outbox is empty or `timeout_ms` passes.
  bool WaitDrained(int64_t timeout_ms);
  void Stop();

  FleetStats stats() const;
  // Reads every device's stored samples back through the API.
  Result<FleetVerification> Verify() const;
  std::vector<std::string> device_ids() const;

 private:
  Status EnsureIdentity(const std::string& id, const std::filesystem::path& dir);

  FleetOptions options_;
  const Clock& clock_;
  Random& random_;
  std::vector<std::unique_ptr<Agent>> agents_;
};

// How simulated devices reach the hub as its operator would: to register
// and enroll themselves.
struct HubAccess {
  std::string hub_url;  // https://host:port (API)
  std::filesystem::path ca_file, token_file;
};

// Registers `id` through the API (or issues it a new token when it exists)
// and enrolls it into `dir`, unless `dir` already holds a certificate.
Status EnsureEnrolled(const HubAccess& hub, const std::string& id,
                      const std::filesystem::path& dir);

// The default simulated motor: temperature 1 Hz, vibration RMS 10 Hz,
// current 10 Hz.
std::vector<SensorConfig> DefaultMotorSensors();

}  // namespace keel::edge
