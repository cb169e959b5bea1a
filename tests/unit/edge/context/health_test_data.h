// Synthetic window summaries for the sensor-health tests.
#pragma once

#include <cmath>
#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "edge/context/sensor_fault.h"
#include "edge/context/sensor_health_config.h"

namespace keel::edge::context::testdata {

constexpr int64_t kT0 = 1700000000000;
constexpr int64_t kStepMs = 1000;

// A window of 10 samples spread +-2 stddev around the mean.
inline SignalWindow Win(int64_t index, double mean, double stddev, size_t count = 10) {
  return {kT0 + index * kStepMs, count, mean, mean - 2 * stddev, mean + 2 * stddev, stddev};
}

// Small deterministic jitter of window means, different per signal phase.
inline double Jitter(int64_t index, double phase) {
  return 0.1 * std::sin(static_cast<double>(index) * 1.3 + phase);
}

}  // namespace keel::edge::context::testdata

namespace keel::edge::context {
inline void PrintTo(const SensorFault& f, std::ostream* os) {
  *os << "{" << f.signal << ", " << FaultKindName(f.kind) << ", since " << f.since_ms << ", "
      << f.detail << "}";
}
}  // namespace keel::edge::context

namespace keel::edge::context::testdata {

inline SignalHealthConfig Temp(std::string name) {
  SignalHealthConfig s;
  s.name = std::move(name);
  s.range_lo = -20;
  s.range_hi = 150;
  s.stuck_epsilon = 1e-6;
  s.stuck_windows = 3;
  s.noisy_factor = 4;
  return s;
}

// Three redundant winding temperatures around 60 C, stddev 0.5.
inline SensorHealthConfig ThreeTemps() {
  SensorHealthConfig config;
  config.signals = {Temp("temp_a"), Temp("temp_b"), Temp("temp_c")};
  RedundantGroupConfig group;
  group.name = "winding";
  group.signals = {"temp_a", "temp_b", "temp_c"};
  group.tolerance = 3;
  group.disagreement_windows = 3;
  group.drift_alpha = 0.3;
  group.drift_bound = 1.0;
  group.drift_windows = 3;
  config.groups = {group};
  config.clear_windows = 2;
  return config;
}

// Window set i with the three temperatures at `base` + per-signal deltas.
inline WindowSet Temps(int64_t i, double base, double da = 0, double db = 0, double dc = 0,
                       double stddev = 0.5) {
  return {{"temp_a", Win(i, base + da + Jitter(i, 0), stddev)},
          {"temp_b", Win(i, base + db + Jitter(i, 2), stddev)},
          {"temp_c", Win(i, base + dc + Jitter(i, 4), stddev)}};
}

inline std::vector<WindowSet> NormalTemps(double base, double stddev = 0.5, int n = 30) {
  std::vector<WindowSet> sets;
  for (int i = 0; i < n; ++i) sets.push_back(Temps(i - 1000, base, 0, 0, 0, stddev));
  return sets;
}

}  // namespace keel::edge::context::testdata
