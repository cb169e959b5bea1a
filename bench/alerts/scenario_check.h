// ScenarioCheck: a plant-alerts scenario directory (topology.json,
// events.jsonl, faults.json; alert_scenario.h) replayed through Keel's
// correlation (alerts::ReplayAlerts, what `keel-eval alerts` runs), and
// whether every real fault reached an operator.
//
// Fault coverage, precisely: a fault's events are the lines of
// events.jsonl whose device is one of the fault's devices, whose t lies in
// [start_ms, end_ms] and whose alert name is one of the fault's alerts. A
// fault is covered when at least one incident that was notified lists one
// of those lines among its member events. `incidents` counts the notified
// incidents holding any of its events: 1 means the fault reached the
// operator as a single incident (a gateway outage with all its devices, a
// flapping sensor), more means it was split.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "alerts/alert_scenario.h"
#include "common/status.h"
#include "hub/alerts/alert.h"
#include "hub/alerts/correlation_policy.h"

namespace keel::bench {

// The correlation labels (hub/topology ContextOf) of every device and
// gateway of a topology document, which ParseTopology validates; `source`
// names it in errors.
using DeviceLabels = std::map<std::string, hub::alerts::Labels>;
Result<DeviceLabels> DeviceLabelsFromTopology(const nlohmann::json& topology,
                                              std::string_view source = "topology.json");

// One line of events.jsonl as the coverage check needs it.
struct EventLineInfo {
  int64_t t_ms = 0;
  std::string device, type;
};

struct LoadedScenario {
  std::string events;                // events.jsonl as read
  std::vector<EventLineInfo> lines;  // lines[i] is line i + 1
  DeviceLabels labels;
  std::vector<Fault> faults;
};

Result<LoadedScenario> LoadScenario(const std::filesystem::path& dir);

struct FaultCoverage {
  std::string id, kind;
  uint64_t events = 0;     // its events in the stream (duplicates included)
  uint64_t incidents = 0;  // notified incidents holding any of them
  bool covered() const { return incidents > 0; }
};

// Coverage of every fault by a ReplayAlerts report.
std::vector<FaultCoverage> CoverFaults(const LoadedScenario& scenario,
                                       const nlohmann::json& report);

// The lines of `scenario` that are events of `fault` (1-based).
std::vector<int64_t> FaultLines(const LoadedScenario& scenario, const Fault& fault);

// ReplayAlerts over the scenario with its topology labels and `policy`;
// `drain_ms` < 0: ReplayAlerts' default (group_wait + 1 s, as `keel-eval
// alerts`).
Result<nlohmann::json> ReplayScenario(const LoadedScenario& scenario,
                                      const hub::alerts::CorrelationPolicy& policy,
                                      int64_t drain_ms = -1);

}  // namespace keel::bench
