// Expression: the condition language of hub rules (issue 5 point 3;
// docs/hub-rules.md). Safe by construction: literals, arithmetic, comparisons,
// logic and a closed set of functions over the rule's inputs. Nothing can
// loop, allocate without bound, call out or name anything but the series
// or detection fields it reads, and every mistake (syntax, unknown name,
// wrong type, a function in the wrong kind of rule) is an error at load
// time that names its column.
//
//   value("motor.temperature") > 80 and avg("motor.current", 5m) > 12
//   rate("bearing.temperature", 10m) > 0.05     # per second, over 10 minutes
//   type == "anomaly.raised" and score >= 0.9   # detection rules
//
// Values are numbers, booleans, strings and durations ("500ms", "30s",
// "5m", "2h", "1d"; only as a window argument). A missing input (no sample
// in the window, a detection without that field, a division by zero) is
// *unknown*; unknown propagates through arithmetic and comparisons, and
// `and` / `or` follow Kleene's logic (false and unknown = false). A rule
// neither raises nor clears on an unknown condition.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace keel::hub::rules {

// What an expression reads, fixed by its rule's "on".
enum class InputKind {
  kSeries,     // the device's series: value(), avg(), rate(), ...
  kDetection,  // one detection event: type, score, signal, number(), text()
};

// The samples of one series inside a window (t in (now - window, now]).
struct WindowSummary {
  int64_t count = 0;
  double min = 0, max = 0, sum = 0;
  int64_t first_t = 0, last_t = 0;  // ms
  double first = 0, last = 0;
};

// The inputs of one evaluation. Implemented by the rule engine (and tests).
class EvalInputs {
 public:
  virtual ~EvalInputs() = default;
  // Series rules: the newest sample's value; nullopt when there is none.
  virtual std::optional<double> Latest(const std::string& series) const = 0;
  // Series rules: the samples in the last `window_ms` (count 0 when none).
  virtual WindowSummary Window(const std::string& series, int64_t window_ms) const = 0;
  // Detection rules: a member of the detection ("type" is the event type,
  // the rest its data); nullopt when absent or of another JSON type.
  virtual std::optional<double> Number(const std::string& field) const = 0;
  virtual std::optional<std::string> Text(const std::string& field) const = 0;
};

class Expression {
 public:
  // Limits that keep evaluation cheap whatever an operator (or a fuzzer)
  // writes.
  static constexpr size_t kMaxLength = 4096;
  static constexpr int kMaxDepth = 48;
  static constexpr size_t kMaxNodes = 256;
  static constexpr int64_t kMaxWindowMs = 7LL * 86'400'000;

  // Parses and type-checks a boolean condition. InvalidArgument
  // "column <n>: <what>" (1-based) for any error.
  static Result<Expression> Parse(std::string_view text, InputKind kind);

  // True, false, or nullopt for unknown.
  std::optional<bool> Evaluate(const EvalInputs& inputs) const;

  const std::string& text() const { return text_; }
  InputKind kind() const { return kind_; }
  // The series the expression reads, each with the longest window it
  // reads over (0 when only value() reads it).
  const std::map<std::string, int64_t>& series() const { return series_; }

  struct Node;

 private:
  std::string text_;
  InputKind kind_ = InputKind::kSeries;
  std::shared_ptr<const Node> root_;  // immutable, so copies share it
  std::map<std::string, int64_t> series_;
};

}  // namespace keel::hub::rules
