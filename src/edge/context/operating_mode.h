// Operating mode of a machine (off / idle / ramping / running) derived from
// one "load" signal per window, e.g. the motor current RMS (DESIGN.md
// section 4). Models, thresholds and sensor-health checks are conditioned on
// the mode, so a motor that is off is not "anomalously quiet".
//
// Raw classification of a window (load L, rate R = dL/dt in load units per
// second against the previous finite load):
//   |R| > ramp_rate_per_s and max(L, previous L) >= off_below -> kRamping
//   L <  off_below                                           -> kOff
//   L >= running_above                                       -> kRunning
//   otherwise                                                -> kIdle
// Debouncing: a raw mode different from the current one must be seen in
// min_dwell_windows consecutive windows before it is accepted; the change is
// dated from the first of those windows. Any window agreeing with the current
// mode resets the candidate, so noise at a threshold does not flap the mode.
// The first finite load sets the mode directly (there is nothing to debounce
// against); before it the mode is kOff.
//
// Missing data: a NaN/infinite load, or a window_end_ms not after the previous
// window, leaves the mode and the debounce state unchanged and is reported by
// last_issue() and the counters.
//
// Not thread-safe: one detector per machine.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace keel::edge::context {

enum class OperatingMode { kOff, kIdle, kRamping, kRunning };

// "off", "idle", "ramping", "running".
std::string_view OperatingModeName(OperatingMode mode);
// The mode of that name; nullopt for any other text.
std::optional<OperatingMode> OperatingModeFromName(std::string_view name);

struct ModeDetectorConfig {
  // Name of the per-window load signal the caller feeds to Update() (e.g.
  // "motor_current_rms"); non-empty. Used in messages and by the wiring code.
  std::string load_signal;
  double off_below = 0.0;        // load units; finite, >= 0
  double running_above = 0.0;    // load units; finite, > off_below
  double ramp_rate_per_s = 0.0;  // load units per second; finite, > 0
  int min_dwell_windows = 3;     // >= 1; 1 disables debouncing
};

// InvalidArgument naming the offending field and value.
Status ValidateModeDetectorConfig(const ModeDetectorConfig& config);

enum class LoadIssue { kNone, kMissing, kOutOfOrder };

class ModeDetector {
 public:
  // InvalidArgument if the config is invalid (see ValidateModeDetectorConfig).
  static Result<ModeDetector> Create(const ModeDetectorConfig& config);

  // Feeds the load of the window ending at window_end_ms (ms since epoch) and
  // returns the current, debounced mode.
  OperatingMode Update(int64_t window_end_ms, double load);

  OperatingMode mode() const { return mode_; }
  // True while the last windows classify as another mode that the dwell has
  // not confirmed yet: the machine may be leaving mode(), so its windows
  // should not be judged (or learned) as that mode's.
  bool in_transition() const { return candidate_count_ > 0; }
  // Time from the start of the current mode to the last accepted window, ms;
  // 0 before the first finite load.
  int64_t TimeInModeMs() const;
  // What was wrong with the last Update's input, if anything.
  LoadIssue last_issue() const { return last_issue_; }
  int64_t missing_windows() const { return missing_windows_; }
  int64_t out_of_order_windows() const { return out_of_order_windows_; }

 private:
  explicit ModeDetector(const ModeDetectorConfig& config) : config_(config) {}
  OperatingMode Classify(int64_t window_end_ms, double load) const;

  ModeDetectorConfig config_;
  OperatingMode mode_ = OperatingMode::kOff;
  bool started_ = false;
  int64_t mode_since_ms_ = 0;
  int64_t last_ms_ = 0;
  double last_load_ = 0.0;
  OperatingMode candidate_ = OperatingMode::kOff;
  int candidate_count_ = 0;
  int64_t candidate_since_ms_ = 0;
  LoadIssue last_issue_ = LoadIssue::kNone;
  int64_t missing_windows_ = 0;
  int64_t out_of_order_windows_ = 0;
};

}  // namespace keel::edge::context
