#include "edge/context/sensor_health_monitor.h"

#include <algorithm>
#include <set>

namespace keel::edge::context {

Result<SensorHealthMonitor> SensorHealthMonitor::Create(SensorHealthConfig config) {
  KEEL_ASSIGN_OR_RETURN(auto checker, SensorHealthChecker::Create(std::move(config)));
  return SensorHealthMonitor(std::move(checker));
}

Status SensorHealthMonitor::Learn(std::span<const WindowSet> normal,
                                  std::optional<OperatingMode> mode) {
  return checker_.Learn(normal, mode);
}

std::vector<SensorFaultEvent> SensorHealthMonitor::Evaluate(OperatingMode mode,
                                                            const WindowSet& windows) {
  int64_t at = 0;
  for (const auto& [name, w] : windows) at = std::max(at, w.end_ms);
  std::vector<SensorFaultEvent> cleared;
  std::vector<SensorFaultEvent> raised;
  std::set<std::pair<std::string, FaultKind>> detected;
  for (auto& fault : checker_.Evaluate(mode, windows)) {
    auto key = std::make_pair(fault.signal, fault.kind);
    detected.insert(key);
    auto it = active_.find(key);
    if (it == active_.end()) {
      raised.push_back({SensorFaultEvent::Type::kRaised, fault, at});
      active_.emplace(std::move(key), Active{std::move(fault), 0});
    } else {
      it->second.quiet_windows = 0;
      it->second.fault.detail = std::move(fault.detail);
    }
  }
  const int clear_after = checker_.config().clear_windows;
  for (auto it = active_.begin(); it != active_.end();) {
    if (!detected.contains(it->first) && ++it->second.quiet_windows >= clear_after) {
      cleared.push_back({SensorFaultEvent::Type::kCleared, std::move(it->second.fault), at});
      it = active_.erase(it);
    } else {
      ++it;
    }
  }
  cleared.insert(cleared.end(), std::make_move_iterator(raised.begin()),
                 std::make_move_iterator(raised.end()));
  return cleared;
}

std::vector<SensorFault> SensorHealthMonitor::ActiveFaults() const {
  std::vector<SensorFault> faults;
  faults.reserve(active_.size());
  for (const auto& [key, active] : active_) faults.push_back(active.fault);
  return faults;
}

}  // namespace keel::edge::context
