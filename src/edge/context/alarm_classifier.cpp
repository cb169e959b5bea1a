#include "edge/context/alarm_classifier.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <set>

namespace keel::edge::context {

std::string_view AlarmClassName(AlarmClass c) {
  switch (c) {
    case AlarmClass::kNone:
      return "none";
    case AlarmClass::kProcessAnomaly:
      return "process_anomaly";
    case AlarmClass::kSensorFault:
      return "sensor_fault";
  }
  return "unknown";
}

AlarmDecision Classify(const std::vector<SensorFault>& active_faults, const AnomalyInput& anomaly) {
  AlarmDecision decision;
  if (!anomaly.is_anomaly) {
    decision.reason = "no anomaly";
    return decision;
  }
  std::set<std::string> faulty;
  for (const auto& fault : active_faults) faulty.insert(fault.signal);
  std::set<std::string> drivers(anomaly.driving_signals.begin(), anomaly.driving_signals.end());
  for (const auto& d : drivers) {
    if (faulty.contains(d)) decision.faulty_drivers.push_back(d);
  }
  if (!drivers.empty() && decision.faulty_drivers.size() == drivers.size()) {
    decision.alarm = AlarmClass::kSensorFault;
    decision.reason = fmt::format("anomaly (score {}) driven only by faulty sensors: {}",
                                  anomaly.score, fmt::join(decision.faulty_drivers, ", "));
  } else if (drivers.empty()) {
    decision.alarm = AlarmClass::kProcessAnomaly;
    decision.reason = fmt::format("anomaly (score {}) with unknown drivers", anomaly.score);
  } else {
    decision.alarm = AlarmClass::kProcessAnomaly;
    decision.reason = fmt::format(
        "anomaly (score {}) driven by healthy sensors{}", anomaly.score,
        decision.faulty_drivers.empty()
            ? std::string()
            : fmt::format("; faulty drivers: {}", fmt::join(decision.faulty_drivers, ", ")));
  }
  return decision;
}

}  // namespace keel::edge::context
