#include "edge/rules/rule.h"

#include <fmt/format.h>

#include <cmath>

namespace keel::edge::rules {
namespace {

constexpr int64_t kMaxDurationMs = int64_t{7} * 24 * 3600 * 1000;

Status Invalid(const RuleConfig& rule, std::string_view problem) {
  return Status::InvalidArgument(fmt::format("rule \"{}\": {}", rule.name, problem));
}

}  // namespace

Status ValidateRule(const RuleConfig& rule) {
  if (rule.name.empty()) return Status::InvalidArgument("rule: name must not be empty");
  if (rule.input.empty()) return Invalid(rule, "input must not be empty");
  if (!std::isfinite(rule.level) || !std::isfinite(rule.clear_at) ||
      !std::isfinite(rule.rate_per_s)) {
    return Invalid(rule, "levels and rates must be finite numbers");
  }
  switch (rule.kind) {
    case RuleKind::kThreshold:
      if (rule.direction == Direction::kAbove && rule.clear_at > rule.level) {
        return Invalid(
            rule, fmt::format("clear_at ({}) must be <= above ({})", rule.clear_at, rule.level));
      }
      if (rule.direction == Direction::kBelow && rule.clear_at < rule.level) {
        return Invalid(
            rule, fmt::format("clear_at ({}) must be >= below ({})", rule.clear_at, rule.level));
      }
      break;
    case RuleKind::kForDuration:
      if (rule.for_ms < 0 || rule.for_ms > kMaxDurationMs || rule.clear_after_ms < 0 ||
          rule.clear_after_ms > kMaxDurationMs) {
        return Invalid(rule, fmt::format("for_ms and clear_after_ms must be between 0 and {}",
                                         kMaxDurationMs));
      }
      break;
    case RuleKind::kRate:
      if (!(rule.rate_per_s > 0)) return Invalid(rule, "rate_per_s must be > 0");
      if (rule.clear_at < 0 || rule.clear_at > rule.rate_per_s) {
        return Invalid(rule, fmt::format("clear_at ({}) must be between 0 and rate_per_s ({})",
                                         rule.clear_at, rule.rate_per_s));
      }
      if (rule.windows < 2 || rule.windows > 1000) {
        return Invalid(rule,
                       fmt::format("windows must be between 2 and 1000, got {}", rule.windows));
      }
      break;
  }
  for (const RuleAction& action : rule.actions) {
    if (action.kind != RuleAction::Kind::kPublish && action.name.empty()) {
      return Invalid(rule, fmt::format("action \"{}\" needs a name", action.Reference()));
    }
  }
  return Status::Ok();
}

std::string RuleAction::Reference() const {
  switch (kind) {
    case Kind::kPublish:
      return "publish";
    case Kind::kCommand:
      return "command:" + name;
    case Kind::kModbus:
      return "modbus:" + name;
    case Kind::kGpio:
      return "gpio:" + name;
  }
  return "publish";
}

std::string_view RuleKindName(RuleKind kind) {
  switch (kind) {
    case RuleKind::kThreshold:
      return "threshold";
    case RuleKind::kForDuration:
      return "for_duration";
    case RuleKind::kRate:
      return "rate";
  }
  return "unknown";
}

std::string_view SeverityName(Severity s) {
  switch (s) {
    case Severity::kInfo:
      return "info";
    case Severity::kWarning:
      return "warning";
    case Severity::kCritical:
      return "critical";
  }
  return "unknown";
}

std::string_view TransitionName(RuleEvent::Transition t) {
  return t == RuleEvent::Transition::kRaised ? "raised" : "cleared";
}

}  // namespace keel::edge::rules
