// Decides whether an anomaly in a window is a machine (process) alarm or the
// effect of faulty sensors (DESIGN.md section 4).
//
// Rule:
//  - no anomaly                                   -> kNone
//  - anomaly, driving_signals non-empty, and every driving signal has an
//    active sensor fault                          -> kSensorFault (no machine
//    alarm; the sensor faults are reported on their own)
//  - anomaly otherwise (some driver healthy, or the detector could not say
//    which signals drive the anomaly)             -> kProcessAnomaly; the
//    faulty drivers, if any, are listed so the alarm can mention them.
// An anomaly is never suppressed without evidence that all of its drivers
// are unreliable.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "edge/context/sensor_fault.h"

namespace keel::edge::context {

struct AnomalyInput {
  bool is_anomaly = false;
  double score = 0.0;  // detector score, carried into the reason text only
  // The signals that contribute most to the anomaly (e.g. largest
  // reconstruction errors), as named in the sensor-health config.
  std::vector<std::string> driving_signals;
};

enum class AlarmClass { kNone, kProcessAnomaly, kSensorFault };

// "none", "process_anomaly", "sensor_fault".
std::string_view AlarmClassName(AlarmClass c);

struct AlarmDecision {
  AlarmClass alarm = AlarmClass::kNone;
  std::vector<std::string> faulty_drivers;  // driving signals with an active fault, sorted
  std::string reason;
};

// Pure function; thread-safe.
AlarmDecision Classify(const std::vector<SensorFault>& active_faults, const AnomalyInput& anomaly);

}  // namespace keel::edge::context
