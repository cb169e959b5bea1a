// AlertScenario: a deterministic simulated plant for the alerting benchmark
// and its regression test (issue 5; examples/plant-alerts/README.md).
//
// Three sites, each with two gateways, a power monitor and N devices behind
// the gateways monitoring assets of criticality 1..5. Over `hours` of
// simulated time the plant has real faults, each with the raw detections a
// Keel edge agent and hub would publish for it:
//   bearing_wear     anomaly raised/cleared ever more often and longer, with
//                    a rising score, eventually persistent (re-raised with
//                    the new score)
//   sensor_drift,    sensor_fault raised on one signal and the anomalies the
//   sensor_stuck     bad signal causes on the same device, raised/cleared
//                    until the sensor is fixed
//   flapping_sensor  anomaly toggling every few seconds in bursts
//   overheating      rule motor_temp_high (warning), then motor_overtemp
//                    (critical) crossing its hysteresis a few times
//   gateway_outage   the gateway and every device behind it offline (the
//                    devices a few hundred ms to seconds before or after
//                    the gateway), back online after it
//   power_loss       the power monitor's site.power_loss, then every device
//                    of the site offline as its keepalive expires; back
//                    online as the devices boot after power returns
//   compromised      attestation.quarantined, restored after a reflash
// plus noise that is no fault: short false anomaly blips on healthy
// devices, mode.changed events, duplicate deliveries of the same event and
// delivery up to 4.5 s late (out of order).
//
// The same options and seed always give the same scenario, byte for byte.
#pragma once

#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace keel::bench {

struct ScenarioOptions {
  uint64_t seed = 1;
  int hours = 16;                        // simulated duration
  int devices_per_site = 50;             // besides the 2 gateways and the power monitor
  int64_t start_ms = 1'772'409'600'000;  // 2026-03-02T00:00:00Z
  // Noise: false anomaly blips per healthy device and hour.
  double blips_per_device_hour = 0.2;
  double duplicate_rate = 0.03;  // share of events delivered twice
  double late_rate = 0.05;       // share of events delivered late (<= 4.5 s)
};

// One event as the JSONL line alert_replay.h reads.
struct ScenarioEvent {
  int64_t t_ms = 0;        // when it happened
  int64_t arrival_ms = 0;  // when it is delivered; the file is in arrival order
  std::string device, type;
  nlohmann::json data = nlohmann::json::object();
};

// The ground truth of one real fault. `devices`: the device that has it
// first (the gateway, the power monitor), then every device whose events it
// causes. `alerts`: the alert names of its events (AlertNameOfType).
// [start_ms, end_ms]: the times of its first and last event. Its events are
// exactly the events of `devices` in that window whose alert name is one of
// `alerts`: the generator puts no noise and no other fault of those names
// there. (A device-level fault may overlap its gateway's outage: the
// outage's events are device.offline, the device's are not, and the device
// publishes nothing while it is offline.)
struct Fault {
  std::string id;  // "F01", ...
  std::string kind;
  std::string site;
  std::vector<std::string> devices;
  std::vector<std::string> alerts;
  int64_t start_ms = 0, end_ms = 0;
};

struct Scenario {
  nlohmann::json topology;            // the hub's topology document
  std::vector<ScenarioEvent> events;  // in arrival order
  std::vector<Fault> faults;          // by start time
};

Scenario GenerateScenario(const ScenarioOptions& options);

// The alert name (alerts::AlertFromEvent) of an event type: "x.raised" and
// "x.cleared" -> "x", device.offline/online -> "device.offline",
// attestation.* -> "attestation"; any other type unchanged.
std::string AlertNameOfType(std::string_view type);

// The event's compact JSONL line, without the newline.
std::string EventLine(const ScenarioEvent& event);

nlohmann::json FaultsToJson(const std::vector<Fault>& faults);
Result<std::vector<Fault>> FaultsFromJson(const nlohmann::json& json);

// Writes topology.json, events.jsonl and faults.json into `dir` (created).
Status WriteScenario(const Scenario& scenario, const std::filesystem::path& dir);

}  // namespace keel::bench
