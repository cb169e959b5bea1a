#include "edge/rules/rule_engine.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>

namespace keel::edge::rules {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

bool ModeActive(const RuleConfig& rule, const std::string& mode) {
  return rule.when_mode.empty() ||
         std::find(rule.when_mode.begin(), rule.when_mode.end(), mode) != rule.when_mode.end();
}

double LookUp(const WindowInputs& window, const std::string& input) {
  auto it = window.values.find(input);
  return it == window.values.end() ? kNaN : it->second;
}

bool PastLevel(const RuleConfig& rule, double v) {
  return rule.direction == Direction::kAbove ? v > rule.level : v < rule.level;
}

}  // namespace

Result<RuleEngine> RuleEngine::Create(std::vector<RuleConfig> rules) {
  std::set<std::string, std::less<>> names;
  for (const RuleConfig& rule : rules) {
    KEEL_RETURN_IF_ERROR(ValidateRule(rule));
    if (!names.insert(rule.name).second) {
      return Status::InvalidArgument(
          fmt::format("rule \"{}\": name is used by another rule", rule.name));
    }
  }
  return RuleEngine(std::move(rules));
}

RuleEngine::RuleEngine(std::vector<RuleConfig> rules)
    : rules_(std::move(rules)), states_(rules_.size()) {}

std::vector<RuleEvent> RuleEngine::Evaluate(const WindowInputs& window) {
  std::vector<RuleEvent> events;
  if (has_last_end_ && window.end_ms < last_end_ms_) {
    ++out_of_order_windows_;
    return events;
  }
  has_last_end_ = true;
  last_end_ms_ = window.end_ms;
  for (size_t i = 0; i < rules_.size(); ++i) {
    RuleEvent event;
    if (Step(rules_[i], states_[i], window, &event)) events.push_back(std::move(event));
  }
  return events;
}

bool RuleEngine::Step(const RuleConfig& rule, State& state, const WindowInputs& window,
                      RuleEvent* event) {
  const double v = LookUp(window, rule.input);
  auto transition = [&](RuleEvent::Transition t, double value) {
    state.raised = t == RuleEvent::Transition::kRaised;
    *event = RuleEvent{rule.name, t, window.end_ms, value, window.mode, rule.severity};
    return true;
  };

  if (!ModeActive(rule, window.mode)) {
    const bool was_raised = state.raised;
    const uint64_t missing = state.missing_inputs;
    state = State{};
    state.missing_inputs = missing;
    return was_raised && transition(RuleEvent::Transition::kCleared, v);
  }
  if (std::isnan(v)) {
    ++state.missing_inputs;
    state.has_hold_start = false;
    state.has_fail_start = false;
    return false;
  }

  switch (rule.kind) {
    case RuleKind::kThreshold: {
      if (!state.raised && PastLevel(rule, v)) {
        return transition(RuleEvent::Transition::kRaised, v);
      }
      const bool back = rule.direction == Direction::kAbove ? v < rule.clear_at : v > rule.clear_at;
      if (state.raised && back) return transition(RuleEvent::Transition::kCleared, v);
      return false;
    }
    case RuleKind::kForDuration: {
      if (PastLevel(rule, v)) {
        state.has_fail_start = false;
        if (!state.has_hold_start) {
          state.has_hold_start = true;
          state.hold_start_ms = window.end_ms;
        }
        if (!state.raised && window.end_ms - state.hold_start_ms >= rule.for_ms) {
          return transition(RuleEvent::Transition::kRaised, v);
        }
        return false;
      }
      state.has_hold_start = false;
      if (!state.has_fail_start) {
        state.has_fail_start = true;
        state.fail_start_ms = window.end_ms;
      }
      if (state.raised && window.end_ms - state.fail_start_ms >= rule.clear_after_ms) {
        return transition(RuleEvent::Transition::kCleared, v);
      }
      return false;
    }
    case RuleKind::kRate: {
      state.samples.emplace_back(window.end_ms, v);
      while (state.samples.size() > static_cast<size_t>(rule.windows)) state.samples.pop_front();
      if (state.samples.size() < static_cast<size_t>(rule.windows)) return false;
      const auto& [t0, v0] = state.samples.front();
      const auto& [t1, v1] = state.samples.back();
      if (t1 <= t0) return false;
      const double rate = std::fabs((v1 - v0) / (static_cast<double>(t1 - t0) / 1000.0));
      if (!std::isfinite(rate)) return false;
      if (!state.raised && rate > rule.rate_per_s) {
        return transition(RuleEvent::Transition::kRaised, rate);
      }
      if (state.raised && rate <= rule.clear_at) {
        return transition(RuleEvent::Transition::kCleared, rate);
      }
      return false;
    }
  }
  return false;
}

std::vector<RuleStatus> RuleEngine::Statuses() const {
  std::vector<RuleStatus> out;
  out.reserve(rules_.size());
  for (size_t i = 0; i < rules_.size(); ++i) {
    out.push_back({rules_[i].name, states_[i].raised, states_[i].missing_inputs});
  }
  return out;
}

}  // namespace keel::edge::rules
