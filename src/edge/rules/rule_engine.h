// RuleEngine: evaluates the configured rules on each fusion window and
// returns the raise/clear transitions. Pure and local: no I/O, no clock (time
// is the window's end), so it runs on the evaluation thread without blocking.
//
// Semantics, per rule:
// - A rule is active only in the modes of `when_mode` (all modes when empty).
//   A window in another mode clears a raised rule (value = the input then, or
//   NaN) and resets its history (durations, rate samples).
// - A missing input (absent from the window or NaN) neither raises nor
//   clears; it is counted in RuleStatus::missing_inputs. For for_duration it
//   interrupts both the "holding" and the "failing" streak (continuity is
//   not established across an unknown value). Rate rules skip it.
// - threshold "above": raises when value > level, clears when value <
//   clear_at; "below": raises when value < level, clears when value >
//   clear_at. Between the levels the state is kept (no flapping).
// - for_duration: the condition (value past `level`) must hold in every
//   window from the first one at time t0 until a window ending at >= t0 +
//   for_ms; it clears once the condition has failed in every window from t1
//   to a window ending at >= t1 + clear_after_ms.
// - rate: slope between the oldest and newest of the last `windows` valid
//   values, per second of window time; raises when |slope| > rate_per_s,
//   clears when |slope| <= clear_at. Needs `windows` values first.
// - A window whose end_ms is before the previous window's is ignored and
//   counted (out_of_order_windows); rules keep their state.
//
// Not thread-safe: one evaluation thread owns the engine.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "common/status.h"
#include "edge/rules/rule.h"

namespace keel::edge::rules {

// One fusion window's inputs.
struct WindowInputs {
  std::map<std::string, double, std::less<>> values;  // features, "score", 0/1 flags
  std::string mode;                                   // "off", "idle", "ramping", "running"
  int64_t end_ms = 0;                                 // window end, ms since epoch
};

struct RuleStatus {
  std::string name;
  bool raised = false;
  uint64_t missing_inputs = 0;  // windows (while active) without a usable value
};

class RuleEngine {
 public:
  // InvalidArgument when a rule fails ValidateRule or two share a name.
  static Result<RuleEngine> Create(std::vector<RuleConfig> rules);

  // Transitions caused by this window, in rule order.
  std::vector<RuleEvent> Evaluate(const WindowInputs& window);

  const std::vector<RuleConfig>& rules() const { return rules_; }
  std::vector<RuleStatus> Statuses() const;
  uint64_t out_of_order_windows() const { return out_of_order_windows_; }

 private:
  struct State {
    bool raised = false;
    bool has_hold_start = false;
    int64_t hold_start_ms = 0;  // for_duration: first window of the current streak
    bool has_fail_start = false;
    int64_t fail_start_ms = 0;
    std::deque<std::pair<int64_t, double>> samples;  // rate: (end_ms, value)
    uint64_t missing_inputs = 0;
  };

  explicit RuleEngine(std::vector<RuleConfig> rules);
  // Returns the transition for one rule, if any.
  bool Step(const RuleConfig& rule, State& state, const WindowInputs& window, RuleEvent* event);

  std::vector<RuleConfig> rules_;
  std::vector<State> states_;
  bool has_last_end_ = false;
  int64_t last_end_ms_ = 0;
  uint64_t out_of_order_windows_ = 0;
};

}  // namespace keel::edge::rules
