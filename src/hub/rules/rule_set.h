// RuleSet: the hub's declarative rules (issue 5 point 3; docs/hub-rules.md),
// read from a JSON document (`keel-hub --rules FILE` or PUT /api/v1/rules):
//
//   {"rules": [
//     {"name": "pump-overheat",                      # [A-Za-z0-9._-]{1,64}, unique
//      "on": "series",                               # series (default) | detection | absence
//      "when": "avg(\"motor.temperature\", 1m) > 85",  # expression.h
//      "clear": "avg(\"motor.temperature\", 1m) < 80", # optional: hysteresis
//      "for": "2m",                                  # optional: must hold that long
//      "severity": "critical",                       # info | warning (default) | critical
//      "scope": {"sites": ["north"], "gateways": [], "assets": [], "devices": [],
//                "tags": {"line": "A"}},             # optional: every given part must match
//      "summary": "Motor running hot"},              # optional text for operators
//     {"name": "score-high", "on": "detection",
//      "when": "type == \"anomaly.raised\" and score >= 0.9", "severity": "critical"},
//     {"name": "heartbeat", "on": "absence", "timeout": "2m",
//      "series": "motor.current"}                    # optional: that series, else anything
//   ]}
//
// Everything is checked at load time: unknown members, wrong types,
// duplicate names, bad durations, and every expression (syntax, names,
// types, a function in the wrong kind of rule). Errors are InvalidArgument
// "<source>: rules[<i>].<member>: <what>".
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "hub/alerts/alert.h"
#include "hub/rules/expression.h"

namespace keel::hub::rules {

enum class RuleOn { kSeries, kDetection, kAbsence };
std::string_view RuleOnName(RuleOn on);  // "series", "detection", "absence"

// Which devices a rule applies to, by their topology context (hub/topology
// ContextOf labels: site, gateway, asset, tags). An empty list or map does
// not restrict; every non-empty part must match.
struct RuleScope {
  std::vector<std::string> sites, gateways, assets, devices;
  std::map<std::string, std::string> tags;

  bool Matches(const std::string& device, const alerts::Labels& context) const;
};

struct HubRule {
  std::string name;
  RuleOn on = RuleOn::kSeries;
  std::optional<Expression> when;   // series and detection rules
  std::optional<Expression> clear;  // optional; default: `when` is false
  int64_t for_ms = 0;               // series rules: the condition must hold this long
  int64_t timeout_ms = 0;           // absence rules: silence longer than this is offline
  std::string heartbeat_series;     // absence rules: "" = any report of the device
  alerts::Severity severity = alerts::Severity::kWarning;
  RuleScope scope;
  std::string summary;
  nlohmann::json definition;  // the rule as given, for the API and events
};

struct RuleSet {
  std::vector<HubRule> rules;
  nlohmann::json document = {{"rules", nlohmann::json::array()}};  // as given
};

inline constexpr size_t kMaxRules = 1000;
inline constexpr size_t kMaxRulesBytes = 1 << 20;

// `source` names the document in errors ("rules.json", "request body").
Result<RuleSet> ParseRuleSet(std::string_view text, std::string_view source);

}  // namespace keel::hub::rules
