// OtaFleet: many simulated devices taking part in the hub's rollouts over
// its real API — each enrolled with its own identity, and each running the
// device's own OtaManager (signed metadata, A/B model slots, durable report
// queue, mTLS polls) in its own directory — without sensors or MQTT, so a
// few threads can drive hundreds of them. Used by the fleet end-to-end test,
// the rollout benchmark and the demo.
//
// Faults are injected per device: a model version that fails the device's
// health check (the agent cannot run it, so the manager rolls it back and
// reports "rolled_back"), poll replies lost after the hub handled the
// request, and the anomaly rate each version shows in the KPIs.
#pragma once

#include <atomic>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "edge/sim/fleet_simulator.h"

namespace keel::edge {

struct OtaFleetOptions {
  HubAccess hub;
  std::filesystem::path dir;  // <dir>/<device id>/{identity,ota}
  int devices = 10;
  std::string id_prefix = "fleet";
  int threads = 8;
  // Whether `device` fails the health check of model `version`.
  std::function<bool(const std::string& device, const std::string& version)> fails_health;
  // Anomalies per window a device shows while it runs `version`.
  std::function<double(const std::string& device, const std::string& version)> anomaly_rate;
  int64_t windows_per_step = 50;
  // Each poll reply is lost with this probability (after the hub handled
  // the request), deterministically from `seed`.
  double lost_reply_probability = 0;
  uint64_t seed = 1;
};

struct OtaFleetStats {
  int64_t steps = 0;
  int64_t step_errors = 0;      // failed Steps (hub unreachable, lost replies)
  int64_t lost_replies = 0;     // injected
  int64_t health_failures = 0;  // injected health-check failures
  // For each injected health failure: ms from the failed check to the end
  // of that Step, by which the device runs its previous version again and
  // has recorded its report.
  std::vector<double> rollback_ms;
  // The devices' HTTPS calls to the hub and the connections (TLS
  // handshakes) they opened: one connection per Step, however many calls
  // it makes (ota::HubConnection).
  int64_t hub_requests = 0;
  int64_t hub_connections = 0;
};

// A stable number in [0, 1) per device id (from its SHA-256), to pick a
// share of a fleet for a fault: DeviceFraction(id) < 0.3 holds for about
// 30% of the devices, the same ones every run.
double DeviceFraction(const std::string& device);

class OtaFleet {
 public:
  // Enrolls the devices that have no identity yet and opens each device's
  // OTA state (so a fleet re-created on the same `dir` resumes, as devices
  // do after a reboot). `clock` must outlive the fleet.
  static Result<std::unique_ptr<OtaFleet>> Create(OtaFleetOptions options, const Clock& clock);
  ~OtaFleet();

  // One Step of every device, spread over the worker threads. Individual
  // failures are counted, not returned (a device retries at its next step).
  void StepAll();

  // device id -> the model version its slots would run now ("" = none).
  std::map<std::string, std::string> ModelVersions() const;
  // device id -> reports not yet acknowledged by the hub.
  std::map<std::string, size_t> PendingReports() const;
  OtaFleetStats stats() const;
  std::vector<std::string> device_ids() const;

 private:
  struct Device;
  OtaFleet(OtaFleetOptions options, const Clock& clock);

  OtaFleetOptions options_;
  const Clock& clock_;
  std::vector<std::unique_ptr<Device>> devices_;
  std::atomic<int64_t> steps_{0}, step_errors_{0}, lost_replies_{0}, health_failures_{0};
  mutable std::mutex rollback_mu_;
  std::vector<double> rollback_ms_;  // guarded by rollback_mu_
};

}  // namespace keel::edge
