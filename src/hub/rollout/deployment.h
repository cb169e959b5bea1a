// A deployment: one artifact version rolled out to a set of devices in
// waves (issue 4, point 4), and each device's part in it. Types, their JSON
// form (how RolloutStore keeps them and the API shows them) and the strict
// parser of a deployment request.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "hub/store/artifact_store.h"

namespace keel::hub::rollout {

// A model deployment's health gate (rollout_controller.h): the devices
// running the new version against the devices of the same model that do not.
// Each threshold is set per deployment; these are the defaults.
struct HealthGate {
  double max_error_rate = 0.01;  // inference errors per window, absolute
  double anomaly_factor = 2.0;   // anomaly rate <= baseline * factor + margin
  double anomaly_margin = 0.02;
  double latency_factor = 1.5;  // median device p99 <= baseline * factor + margin
  int64_t latency_margin_us = 1000;
  int64_t min_windows = 20;  // fewer on a side: the gate cannot compare (passes)
  bool operator==(const HealthGate&) const = default;
};

struct DeploymentSpec {
  std::string artifact;  // name
  std::string version;
  ArtifactKind kind = ArtifactKind::kModel;  // from the registry
  std::string target = "all";                // target_query.h
  int canary = 1;                            // devices in wave 0
  std::vector<int> waves = {10, 50, 100};    // cumulative % of the devices, last is 100
  double max_failures = 0.05;                // fraction of the devices assigned so far
  int64_t wave_soak_ms = 60'000;             // after a wave settles, before the gate
  int64_t device_timeout_ms = 600'000;       // from assignment to a final report
  HealthGate gate;
  bool operator==(const DeploymentSpec&) const = default;
};

// Deployment states:
//   running      waves advance when their gate passes
//   paused       no new wave starts; devices already assigned go on
//   completed    every wave passed
//   aborted      stopped (operator); what is installed stays
//   rolling_back every device that installed it is told to revert
//   rolled_back  every revert is reported (or timed out)
inline constexpr std::string_view kRunning = "running", kPaused = "paused",
                                  kCompleted = "completed", kAborted = "aborted",
                                  kRollingBack = "rolling_back", kRolledBack = "rolled_back";

struct Deployment {
  int64_t id = 0;
  DeploymentSpec spec;
  std::string state{kRunning};
  int wave = 0;  // the wave in progress (0 = canary)
  int64_t wave_started_ms = 0;
  int64_t created_ms = 0;
  int64_t updated_ms = 0;
  std::string reason;  // why it is where it is (gate failure, operator action)
  std::string created_by;

  bool Active() const { return state == kRunning || state == kPaused || state == kRollingBack; }
};

// Device row states:
//   pending    its wave has not started          assigned   told to install
//   installing reported the install started      committed  installed and healthy
//   failed     refused or rolled back by itself  timed_out  no final report in time
//   reverting  told to revert                    reverted   reported the revert
//   cancelled  its wave never started (abort, rollback) or it was superseded
//              by a newer deployment of the same kind
struct DeviceRollout {
  int wave = 0;
  std::string state = "pending";
  int64_t assigned_ms = 0;  // when told to install (or revert)
  int64_t updated_ms = 0;
  std::string detail;  // the device's reason, or why the hub changed the state
  bool operator==(const DeviceRollout&) const = default;
};

// Row states in which the device still has an install directive.
bool AwaitsInstall(std::string_view state);

nlohmann::json ToJson(const Deployment& d);
Result<Deployment> DeploymentFromJson(const nlohmann::json& j);
nlohmann::json ToJson(const DeviceRollout& r);
Result<DeviceRollout> DeviceRolloutFromJson(const nlohmann::json& j);

// Parses POST /api/v1/deployments:
//   {"artifact": "NAME@VERSION", "target": "all" | "tag:k=v[,k=v]" |
//    "devices:a,b", "canary": 1, "waves": [10, 50, 100],
//    "max_failures": "5%" | 0.05, "wave_soak": "60s", "device_timeout": "10m",
//    "gate": {"max_error_rate": "1%", "anomaly_factor": 2, "anomaly_margin":
//             "2%", "latency_factor": 1.5, "latency_margin": "1ms",
//             "min_windows": 20},
//    "created_by": "alice"}
// Everything but "artifact" is optional (defaults above), also each member
// of "gate". Durations are "<n>ms|s|m|h" ("latency_margin" also "<n>us");
// rates are fractions or percentages. The kind is filled in later from the
// registry. InvalidArgument names the member.
// InvalidArgument names the member.
Result<DeploymentSpec> ParseDeploymentRequest(std::string_view body, std::string* created_by);

}  // namespace keel::hub::rollout
