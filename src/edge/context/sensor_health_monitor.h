// Raise/clear semantics on top of SensorHealthChecker: a fault is raised once
// when it is first detected and cleared once it has not been detected for
// config.clear_windows consecutive evaluations. A fault that re-appears
// before that stays raised (no duplicate event). A signal that stops
// reporting keeps its checks' state (see sensor_health.h), so its faults stay
// raised until it reports healthy windows again.
//
// Not thread-safe: one monitor per machine.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"
#include "edge/context/operating_mode.h"
#include "edge/context/sensor_fault.h"
#include "edge/context/sensor_health.h"
#include "edge/context/sensor_health_config.h"

namespace keel::edge::context {

struct SensorFaultEvent {
  enum class Type { kRaised, kCleared };
  Type type = Type::kRaised;
  SensorFault fault;  // for kCleared, the fault as it was last detected
  int64_t at_ms = 0;  // latest window end in the window set that caused the event
};

class SensorHealthMonitor {
 public:
  // InvalidArgument if the config is invalid (ValidateSensorHealthConfig).
  static Result<SensorHealthMonitor> Create(SensorHealthConfig config);

  // See SensorHealthChecker::Learn.
  Status Learn(std::span<const WindowSet> normal, std::optional<OperatingMode> mode = std::nullopt);

  // Evaluates one window set; returns the transitions it caused: clears
  // first, then raises, each sorted by (signal, kind).
  std::vector<SensorFaultEvent> Evaluate(OperatingMode mode, const WindowSet& windows);

  // The currently raised faults, sorted by (signal, kind).
  std::vector<SensorFault> ActiveFaults() const;

 private:
  struct Active {
    SensorFault fault;
    int quiet_windows = 0;
  };
  explicit SensorHealthMonitor(SensorHealthChecker checker) : checker_(std::move(checker)) {}

  SensorHealthChecker checker_;
  std::map<std::pair<std::string, FaultKind>, Active> active_;
};

}  // namespace keel::edge::context
