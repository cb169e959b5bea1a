// libFuzzer target: the hub rules (hub/rules). The first byte picks the
// input, the rest is it:
//   0: a series condition      1: a detection condition
//   2: a rules document, then run on a few events
// Garbage must come back as InvalidArgument naming where (a column, a
// member path), never crash, hang or recurse without bound; what parses
// must evaluate on any inputs without crashing.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.h"
#include "hub/rules/expression.h"
#include "hub/rules/rule_engine.h"
#include "hub/rules/rule_set.h"

namespace {

using keel::fuzz::Check;

using namespace keel::hub::rules;

// Inputs derived from the names asked for, so evaluation sees varied
// values, NaN-free but with empty windows and missing fields too.
struct HashedInputs : EvalInputs {
  static double Of(const std::string& s) {
    return static_cast<double>(std::hash<std::string>{}(s) % 2001) - 1000.0;
  }
  std::optional<double> Latest(const std::string& s) const override {
    if (s.size() % 3 == 0) return std::nullopt;
    return Of(s);
  }
  WindowSummary Window(const std::string& s, int64_t window_ms) const override {
    WindowSummary w;
    if (s.size() % 2 == 0) return w;
    w.count = 1 + window_ms % 7;
    w.min = Of(s) - 1;
    w.max = Of(s) + 1;
    w.sum = Of(s) * static_cast<double>(w.count);
    w.first_t = 0;
    w.last_t = window_ms % 3 == 0 ? 0 : window_ms;
    w.first = w.min;
    w.last = w.max;
    return w;
  }
  std::optional<double> Number(const std::string& f) const override {
    if (f.size() % 2 == 0) return std::nullopt;
    return Of(f);
  }
  std::optional<std::string> Text(const std::string& f) const override {
    if (f.size() % 2 == 0) return std::nullopt;
    return f;
  }
};

void FuzzExpression(std::string_view text, InputKind kind) {
  auto e = Expression::Parse(text, kind);
  if (!e.ok()) {
    Check(e.status().code() == keel::StatusCode::kInvalidArgument);
    const std::string& m = e.status().message();
    Check(m.rfind("column ", 0) == 0 || m.rfind("longer than", 0) == 0 ||
          m.find("terms: at most") != std::string::npos);
    return;
  }
  for (const auto& [series, window] : e->series()) {
    Check(!series.empty() && window >= 0 && window <= Expression::kMaxWindowMs);
  }
  HashedInputs inputs;
  (void)e->Evaluate(inputs);
}

void FuzzRuleSet(std::string_view text) {
  auto set = ParseRuleSet(text, "rules.json");
  if (!set.ok()) {
    Check(set.status().code() == keel::StatusCode::kInvalidArgument);
    Check(set.status().message().rfind("rules.json", 0) == 0);
    return;
  }
  RuleEngine engine(std::move(*set));
  for (int64_t t = 1000; t <= 5000; t += 1000) {
    keel::hub::bus::Event batch{keel::hub::bus::EventKind::kTelemetry, "d1", 1, t,
                                "telemetry.batch"};
    nlohmann::json points = nlohmann::json::object();
    for (const auto& [series, window] : engine.watched()) {
      points[series] = {{t, static_cast<double>(t % 7000) / 50.0}};
    }
    batch.data = {{"series", nlohmann::json::array()}, {"points", points}};
    (void)engine.OnEvent(batch, {{"site", "north"}}, t);
    keel::hub::bus::Event detection{keel::hub::bus::EventKind::kDetection, "d1", 1, t,
                                    t % 2000 == 0 ? "anomaly.cleared" : "anomaly.raised"};
    detection.data = {{"score", 0.95}, {"signal", "vibration"}};
    (void)engine.OnEvent(detection, {}, t);
    (void)engine.Tick(t * 1000);
  }
  (void)engine.States();
  (void)engine.Replace({}, 10'000'000);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 3) {
    case 0:
      FuzzExpression(text, InputKind::kSeries);
      break;
    case 1:
      FuzzExpression(text, InputKind::kDetection);
      break;
    default:
      FuzzRuleSet(text);
      break;
  }
  return 0;
}
