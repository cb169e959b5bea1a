#include "alerts/scenario_check.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>
#include <sstream>

#include "common/files.h"
#include "hub/alerts/alert_replay.h"
#include "hub/topology/topology.h"

namespace keel::bench {
namespace {

using nlohmann::json;

std::string Str(const json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

Result<json> ReadJson(const std::filesystem::path& path) {
  KEEL_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  json doc = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return Status::InvalidArgument(path.string() + ": not valid JSON");
  return doc;
}

}  // namespace

Result<DeviceLabels> DeviceLabelsFromTopology(const json& topology, std::string_view source) {
  KEEL_ASSIGN_OR_RETURN(hub::topology::Topology parsed,
                        hub::topology::ParseTopology(topology.dump(), source));
  DeviceLabels out;
  for (const auto& [id, device] : parsed.devices) out[id] = hub::topology::ContextOf(parsed, id);
  for (const auto& [id, gateway] : parsed.gateways) out[id] = hub::topology::ContextOf(parsed, id);
  return out;
}

Result<LoadedScenario> LoadScenario(const std::filesystem::path& dir) {
  LoadedScenario s;
  KEEL_ASSIGN_OR_RETURN(json topology, ReadJson(dir / "topology.json"));
  KEEL_ASSIGN_OR_RETURN(s.labels,
                        DeviceLabelsFromTopology(topology, (dir / "topology.json").string()));
  KEEL_ASSIGN_OR_RETURN(json faults, ReadJson(dir / "faults.json"));
  KEEL_ASSIGN_OR_RETURN(s.faults, FaultsFromJson(faults));
  KEEL_ASSIGN_OR_RETURN(s.events, ReadFile(dir / "events.jsonl"));
  std::istringstream in(s.events);
  std::string line;
  for (int64_t number = 1; std::getline(in, line); ++number) {
    EventLineInfo info;
    if (line.find_first_not_of(" \t\r") != std::string::npos) {
      json e = json::parse(line, nullptr, /*allow_exceptions=*/false);
      if (!e.is_object() || !e.contains("t") || !e["t"].is_number_integer()) {
        return Status::InvalidArgument(
            fmt::format("{}:{}: expected an event object with an integer t",
                        (dir / "events.jsonl").string(), number));
      }
      info.t_ms = e["t"].get<int64_t>();
      info.device = Str(e, "device");
      info.type = Str(e, "type");
    }
    s.lines.push_back(std::move(info));
  }
  return s;
}

std::vector<int64_t> FaultLines(const LoadedScenario& scenario, const Fault& fault) {
  std::vector<int64_t> out;
  for (size_t i = 0; i < scenario.lines.size(); ++i) {
    const EventLineInfo& e = scenario.lines[i];
    if (e.t_ms < fault.start_ms || e.t_ms > fault.end_ms) continue;
    if (std::find(fault.devices.begin(), fault.devices.end(), e.device) == fault.devices.end()) {
      continue;
    }
    const std::string name = AlertNameOfType(e.type);
    if (std::find(fault.alerts.begin(), fault.alerts.end(), name) == fault.alerts.end()) continue;
    out.push_back(static_cast<int64_t>(i) + 1);
  }
  return out;
}

std::vector<FaultCoverage> CoverFaults(const LoadedScenario& scenario, const json& report) {
  // Line -> the notified incidents listing it.
  std::map<int64_t, std::vector<int64_t>> notified_by_line;
  for (const auto& incident : report.at("incidents")) {
    if (!incident.at("notified").get<bool>()) continue;
    for (const auto& line : incident.at("member_events")) {
      notified_by_line[line.get<int64_t>()].push_back(incident.at("id").get<int64_t>());
    }
  }
  std::vector<FaultCoverage> out;
  for (const auto& fault : scenario.faults) {
    FaultCoverage c{fault.id, fault.kind};
    std::set<int64_t> incidents;
    for (int64_t line : FaultLines(scenario, fault)) {
      ++c.events;
      if (auto it = notified_by_line.find(line); it != notified_by_line.end()) {
        incidents.insert(it->second.begin(), it->second.end());
      }
    }
    c.incidents = incidents.size();
    out.push_back(std::move(c));
  }
  return out;
}

Result<json> ReplayScenario(const LoadedScenario& scenario,
                            const hub::alerts::CorrelationPolicy& policy, int64_t drain_ms) {
  hub::alerts::ReplayOptions options;
  options.policy = policy;
  options.drain_ms = drain_ms;
  options.context = [&labels = scenario.labels](const std::string& device) {
    auto it = labels.find(device);
    return it != labels.end() ? it->second : hub::alerts::Labels();
  };
  std::istringstream in(scenario.events);
  return hub::alerts::ReplayAlerts(in, "events.jsonl", options);
}

}  // namespace keel::bench
