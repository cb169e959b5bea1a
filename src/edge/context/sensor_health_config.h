// Configuration of sensor-health checks (see sensor_health.h for what each
// check means). Values are in the signal's own units unless stated.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"
#include "edge/context/operating_mode.h"

namespace keel::edge::context {

struct SignalHealthConfig {
  std::string name;  // non-empty, unique

  // Physical range: a window whose min < range_lo or max > range_hi (or with
  // non-finite statistics) is out of range. Finite, range_lo < range_hi.
  double range_lo = 0.0;
  double range_hi = 0.0;

  // Stuck: min == max, or stddev < stuck_epsilon, in stuck_windows
  // consecutive windows of >= 2 samples while the mode is in
  // stuck_check_modes (a window in another mode resets the count).
  double stuck_epsilon = 0.0;  // >= 0; 0 means only an exact flatline counts
  int stuck_windows = 5;       // >= 1
  std::vector<OperatingMode> stuck_check_modes = {OperatingMode::kIdle, OperatingMode::kRamping,
                                                  OperatingMode::kRunning};

  // Noisy: stddev > noisy_factor x the learned typical stddev of the mode in
  // noisy_windows consecutive windows. 0 disables; otherwise > 1.
  double noisy_factor = 0.0;
  int noisy_windows = 1;  // >= 1

  // Single-signal drift (CUSUM of the window mean against the learned mean
  // of the same mode, in learned standard deviations of the window mean):
  // raised while either one-sided sum exceeds cusum_h. The sums restart when
  // the mode changes. cusum_h == 0 disables; otherwise > 0, cusum_k >= 0.
  double cusum_k = 0.5;
  double cusum_h = 0.0;
};

// Sensors that measure the same quantity (or quantities with a stable learned
// offset), cross-checked against each other.
struct RedundantGroupConfig {
  std::string name;                  // non-empty, unique among groups
  std::vector<std::string> signals;  // >= 2 distinct configured signals

  // Disagreement: two members disagree when their offset-corrected means
  // differ by more than tolerance, for disagreement_windows consecutive
  // windows. A member is faulty when it disagrees with more than half of the
  // others (with 3+ members this is the majority vote; with 2 both are
  // flagged, since either could be wrong). tolerance > 0, windows >= 1.
  double tolerance = 0.0;
  int disagreement_windows = 3;

  // Drift: an EWMA (factor drift_alpha in (0, 1]) of each member's residual,
  // mean - median(group means) - learned offset, beyond +-drift_bound for
  // drift_windows consecutive windows. drift_bound == 0 disables; else > 0.
  double drift_alpha = 0.1;
  double drift_bound = 0.0;
  int drift_windows = 3;
};

struct SensorHealthConfig {
  std::vector<SignalHealthConfig> signals;
  std::vector<RedundantGroupConfig> groups;
  // A raised fault is cleared after it has not been detected in this many
  // consecutive evaluations. >= 1.
  int clear_windows = 3;
};

// InvalidArgument naming the signal or group and the field, e.g.
//   sensor health: signal "temp_a": range_lo 50 must be < range_hi 10
Status ValidateSensorHealthConfig(const SensorHealthConfig& config);

}  // namespace keel::edge::context
