// Rule definitions for the edge agent's local rule engine: what a rule
// watches, when it raises and clears, and what it triggers. Plain values; see
// rule_engine.h for the evaluation semantics and rule_parser.h for TOML.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace keel::edge::rules {

enum class RuleKind {
  // Raises when the value passes `level`; clears when it passes back beyond
  // `clear_at` (hysteresis: between the two the state is kept).
  kThreshold,
  // Raises once the value has been past `level` continuously for `for_ms`;
  // clears once it has not been for `clear_after_ms`.
  kForDuration,
  // Raises when |dv/dt| (per second) over the last `windows` valid values
  // exceeds `rate_per_s`; clears when it is back at or below `clear_at`.
  kRate,
};

// Which side of `level` is the alarming one (threshold and for_duration).
enum class Direction { kAbove, kBelow };

enum class Severity { kInfo, kWarning, kCritical };

struct RuleAction {
  enum class Kind { kPublish, kCommand, kModbus, kGpio };
  Kind kind = Kind::kPublish;
  std::string name;  // all but kPublish: the configured command/modbus_write/gpio name

  // How rules files and ActionRouter name it: "publish", "command:<name>",
  // "modbus:<name>" or "gpio:<name>".
  std::string Reference() const;
};

struct RuleConfig {
  std::string name;   // unique among the rules of one engine
  std::string input;  // the window value it reads, e.g. "motor.vibration.rms"
  RuleKind kind = RuleKind::kThreshold;
  Direction direction = Direction::kAbove;
  double level = 0;  // threshold / for_duration: the raise level ("above"/"below")
  // threshold: the clear level, on the non-alarming side of (or equal to)
  // `level`; rate: the clear rate in units per second, <= rate_per_s. The
  // parser defaults it to `level` / `rate_per_s`; code that builds a config
  // must set it (0 for a rate rule clears only when the rate is 0).
  double clear_at = 0;
  int64_t for_ms = 0;                  // for_duration: ms the condition must hold, >= 0
  int64_t clear_after_ms = 0;          // for_duration: ms it must fail before clearing, >= 0
  double rate_per_s = 0;               // rate: limit on |dv/dt|, units per second, > 0
  int windows = 2;                     // rate: values the slope spans, 2..1000
  std::vector<std::string> when_mode;  // empty: active in every mode
  Severity severity = Severity::kWarning;
  std::vector<RuleAction> actions;
};

struct RuleEvent {
  enum class Transition { kRaised, kCleared };
  std::string rule;
  Transition transition = Transition::kRaised;
  int64_t at_ms = 0;  // end of the window that caused the transition, ms since epoch
  double value = 0;   // the input value then (rate rules: the rate; NaN if unknown)
  std::string mode;   // the operating mode of that window
  Severity severity = Severity::kWarning;
};

// Checks one rule's internal consistency (levels, durations, names);
// InvalidArgument "rule \"<name>\": <problem>" otherwise.
Status ValidateRule(const RuleConfig& rule);

std::string_view RuleKindName(RuleKind kind);              // "threshold", "for_duration", "rate"
std::string_view SeverityName(Severity s);                 // "info", "warning", "critical"
std::string_view TransitionName(RuleEvent::Transition t);  // "raised", "cleared"

}  // namespace keel::edge::rules
