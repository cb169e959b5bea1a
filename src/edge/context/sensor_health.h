// Sensor-health checks (DESIGN.md section 4): tells a faulty sensor apart
// from a machine that really changed, per window, using the operating mode
// and baselines learned from normal operation.
//
// Checks, per configured signal (see sensor_health_config.h for parameters):
//  - kOutOfRange: any sample outside the physical range, or non-finite stats.
//  - kStuck: exact flatline (min == max) or stddev < epsilon for N windows
//    while the machine is in a mode where a live sensor must show noise
//    (by default not kOff, whose flat-but-noisy signals are normal).
//  - kNoisy: stddev above k x the learned typical stddev of the mode.
//  - kDrift (single signal, CUSUM on the window mean against the learned mean
//    of the same mode). A CUSUM cannot tell a slow process change from a
//    drifting sensor on its own, so a signal's CUSUM alarm is suppressed when
//    more than half of the other members of one of its redundant groups have
//    a CUSUM excursion in the same direction (they moved together: process).
// and per redundant group:
//  - kDrift: EWMA of the member's residual from the group median (minus its
//    learned offset) beyond a bound for N windows. All members moving
//    together leaves the residuals at their baseline: not a sensor fault.
//  - kDisagreement: offset-corrected means differ by more than a tolerance
//    for N windows; majority vote picks the faulty member when there are 3+.
//
// Missing data: a signal absent from the window set or with count == 0
// neither advances nor resets its checks; a group is checked only in windows
// where all its members have a finite mean. Checks that need a baseline
// (noisy, CUSUM) are skipped while none is learned for the mode (nor a
// mode-agnostic one); group offsets default to 0 without a baseline.
//
// Not thread-safe: one checker per machine.
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
#include "edge/context/sensor_baseline.h"
#include "edge/context/sensor_fault.h"
#include "edge/context/sensor_health_config.h"

namespace keel::edge::context {

class SensorHealthChecker {
 public:
  // InvalidArgument if the config is invalid (ValidateSensorHealthConfig).
  static Result<SensorHealthChecker> Create(SensorHealthConfig config);

  // Learns baselines from windows assumed normal; see SensorBaselines::Learn.
  Status Learn(std::span<const WindowSet> normal, std::optional<OperatingMode> mode = std::nullopt);

  // Feeds one window set observed in `mode`; returns the faults whose
  // evidence currently meets their persistence, sorted by (signal, kind),
  // at most one per (signal, kind). Signals not configured are ignored.
  std::vector<SensorFault> Evaluate(OperatingMode mode, const WindowSet& windows);

  const SensorHealthConfig& config() const { return config_; }

 private:
  struct Streak {
    int count = 0;
    int64_t since_ms = 0;
    std::string detail;
    void Hit(int64_t ms, std::string why);
    void Miss() { count = 0; }
  };
  struct SignalState {
    Streak range, stuck, noisy, cusum;
    double cusum_hi = 0.0;
    double cusum_lo = 0.0;
    std::optional<OperatingMode> cusum_mode;
  };
  struct MemberState {
    Streak disagreement, drift;
    double ewma = 0.0;
  };

  explicit SensorHealthChecker(SensorHealthConfig config);
  // Returns the CUSUM excursion direction (-1, 0, +1) of this window.
  int CheckSignal(const SignalHealthConfig& cfg, OperatingMode mode, const SignalWindow& w,
                  SignalState& state);
  void CheckGroup(const RedundantGroupConfig& group, OperatingMode mode, const WindowSet& windows);
  bool GroupMovedTogether(const std::string& signal, int direction,
                          const std::map<std::string, int>& directions) const;

  SensorHealthConfig config_;
  SensorBaselines baselines_;
  std::map<std::string, SignalState> signals_;
  std::map<std::pair<std::string, std::string>, MemberState> members_;  // (group, signal)
};

}  // namespace keel::edge::context
