// The vocabulary of sensor-health checking (DESIGN.md section 4): per-signal
// window summaries in, sensor faults out.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

namespace keel::edge::context {

// Summary of one signal over one window. Units are the signal's own.
// count == 0 means the signal had no samples in the window (no evidence:
// checks neither advance nor reset on it).
struct SignalWindow {
  int64_t end_ms = 0;  // window end, ms since epoch
  size_t count = 0;    // samples in the window
  double mean = 0.0;
  double min = 0.0;
  double max = 0.0;
  double stddev = 0.0;  // population or sample; used only relative to learned values
};

// The windows of all signals of a machine that end at the same time, keyed by
// signal name.
using WindowSet = std::map<std::string, SignalWindow, std::less<>>;

enum class FaultKind { kOutOfRange, kStuck, kNoisy, kDrift, kDisagreement };

// "out_of_range", "stuck", "noisy", "drift", "disagreement".
std::string_view FaultKindName(FaultKind kind);

// A sensor fault on one signal. A fault concerning a pair of redundant
// sensors that cannot be told apart is reported once per signal of the pair.
struct SensorFault {
  std::string signal;
  FaultKind kind = FaultKind::kOutOfRange;
  int64_t since_ms = 0;  // end of the first window of the evidence
  std::string detail;    // human-readable: values, thresholds, the partner signal

  bool operator==(const SensorFault&) const = default;
};

}  // namespace keel::edge::context
