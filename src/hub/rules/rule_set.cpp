#include "hub/rules/rule_set.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "common/duration.h"
#include "common/strict_json.h"

namespace keel::hub::rules {
namespace {

constexpr int kMaxDepth = 8;
constexpr int64_t kMaxForMs = 7LL * 86'400'000;
constexpr int64_t kMinTimeoutMs = 1000;

bool ValidName(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
  });
}

Result<int64_t> ReadDuration(JsonMembers& f, std::string_view key, int64_t min_ms, int64_t max_ms) {
  KEEL_ASSIGN_OR_RETURN(std::string text, f.String(key));
  auto ms = ParseDuration(text);
  if (!ms.ok()) return f.Error(key, ms.status().message());
  if (*ms < min_ms || *ms > max_ms) {
    return f.Error(key, fmt::format("must be {}ms to {}ms", min_ms, max_ms));
  }
  return *ms;
}

Result<Expression> ReadExpression(JsonMembers& f, std::string_view key, InputKind kind) {
  KEEL_ASSIGN_OR_RETURN(std::string text, f.String(key));
  auto e = Expression::Parse(text, kind);
  if (!e.ok()) return f.Error(key, e.status().message());
  return e;
}

Result<RuleScope> ReadScope(JsonMembers& f) {
  RuleScope scope;
  KEEL_RETURN_IF_ERROR(f.RequireObject());
  for (auto [key, list] :
       {std::pair{"sites", &scope.sites}, std::pair{"gateways", &scope.gateways},
        std::pair{"assets", &scope.assets}, std::pair{"devices", &scope.devices}}) {
    if (f.Has(key)) {
      KEEL_ASSIGN_OR_RETURN(*list, f.StringArray(key));
    }
  }
  if (f.Has("tags")) {
    KEEL_ASSIGN_OR_RETURN(scope.tags, f.StringMap("tags"));
  }
  KEEL_RETURN_IF_ERROR(f.Finish());
  return scope;
}

Result<HubRule> ReadRule(JsonMembers& f, const nlohmann::json& definition) {
  HubRule rule;
  rule.definition = definition;
  KEEL_RETURN_IF_ERROR(f.RequireObject());
  KEEL_ASSIGN_OR_RETURN(rule.name, f.String("name"));
  if (!ValidName(rule.name)) {
    return f.Error("name", "must be 1 to 64 of A-Z a-z 0-9 . _ -");
  }
  if (f.Has("on")) {
    KEEL_ASSIGN_OR_RETURN(std::string on, f.String("on"));
    if (on == "series") {
      rule.on = RuleOn::kSeries;
    } else if (on == "detection") {
      rule.on = RuleOn::kDetection;
    } else if (on == "absence") {
      rule.on = RuleOn::kAbsence;
    } else {
      return f.Error("on", fmt::format("\"{}\": expected series, detection or absence", on));
    }
  }
  if (rule.on == RuleOn::kAbsence) {
    for (const char* key : {"when", "clear", "for"}) {
      if (f.Has(key)) return f.Error(key, "an absence rule has only \"timeout\" and \"series\"");
    }
    if (!f.Has("timeout")) return f.Error("timeout", "required for an absence rule");
    KEEL_ASSIGN_OR_RETURN(rule.timeout_ms, ReadDuration(f, "timeout", kMinTimeoutMs, kMaxForMs));
    KEEL_ASSIGN_OR_RETURN(rule.heartbeat_series, f.OptionalString("series"));
    if (rule.heartbeat_series.size() > 128) return f.Error("series", "at most 128 characters");
  } else {
    for (const char* key : {"timeout", "series"}) {
      if (f.Has(key)) return f.Error(key, "only absence rules have it");
    }
    const InputKind kind = rule.on == RuleOn::kSeries ? InputKind::kSeries : InputKind::kDetection;
    if (!f.Has("when")) return f.Error("when", "required");
    KEEL_ASSIGN_OR_RETURN(rule.when, ReadExpression(f, "when", kind));
    if (f.Has("clear")) {
      KEEL_ASSIGN_OR_RETURN(rule.clear, ReadExpression(f, "clear", kind));
    }
    if (f.Has("for")) {
      if (rule.on != RuleOn::kSeries) return f.Error("for", "only series rules have it");
      KEEL_ASSIGN_OR_RETURN(rule.for_ms, ReadDuration(f, "for", 0, kMaxForMs));
    }
  }
  if (f.Has("severity")) {
    KEEL_ASSIGN_OR_RETURN(std::string text, f.String("severity"));
    auto severity = alerts::ParseSeverity(text);
    if (!severity) {
      return f.Error("severity", fmt::format("\"{}\": expected info, warning or critical", text));
    }
    rule.severity = *severity;
  }
  if (f.Has("scope")) {
    KEEL_ASSIGN_OR_RETURN(JsonMembers scope, f.Child("scope"));
    KEEL_ASSIGN_OR_RETURN(rule.scope, ReadScope(scope));
  }
  KEEL_ASSIGN_OR_RETURN(rule.summary, f.OptionalString("summary"));
  if (rule.summary.size() > 1024) return f.Error("summary", "at most 1024 characters");
  KEEL_RETURN_IF_ERROR(f.Finish());
  return rule;
}

Result<RuleSet> ReadRuleSet(const nlohmann::json& json) {
  JsonMembers top(json, "");
  KEEL_RETURN_IF_ERROR(top.RequireObject());
  KEEL_ASSIGN_OR_RETURN(const nlohmann::json* list, top.Array("rules"));
  if (list->size() > kMaxRules) {
    return top.Error("rules", fmt::format("at most {} rules", kMaxRules));
  }
  KEEL_RETURN_IF_ERROR(top.Finish());
  RuleSet set;
  set.document = json;
  std::set<std::string, std::less<>> names;
  for (size_t i = 0; i < list->size(); ++i) {
    JsonMembers f((*list)[i], fmt::format("rules[{}]", i));
    KEEL_ASSIGN_OR_RETURN(HubRule rule, ReadRule(f, (*list)[i]));
    if (!names.insert(rule.name).second) {
      return f.Error("name", fmt::format("\"{}\" is already the name of another rule", rule.name));
    }
    set.rules.push_back(std::move(rule));
  }
  return set;
}

bool OneOf(const std::vector<std::string>& allowed, std::string_view value) {
  return allowed.empty() || std::find(allowed.begin(), allowed.end(), value) != allowed.end();
}

}  // namespace

std::string_view RuleOnName(RuleOn on) {
  switch (on) {
    case RuleOn::kSeries:
      return "series";
    case RuleOn::kDetection:
      return "detection";
    case RuleOn::kAbsence:
      return "absence";
  }
  return "?";
}

bool RuleScope::Matches(const std::string& device, const alerts::Labels& context) const {
  if (!OneOf(devices, device)) return false;
  if (!OneOf(sites, alerts::LabelOr(context, "site"))) return false;
  if (!OneOf(gateways, alerts::LabelOr(context, "gateway"))) return false;
  if (!OneOf(assets, alerts::LabelOr(context, "asset"))) return false;
  for (const auto& [key, value] : tags) {
    if (alerts::LabelOr(context, key) != value) return false;
  }
  return true;
}

Result<RuleSet> ParseRuleSet(std::string_view text, std::string_view source) {
  KEEL_ASSIGN_OR_RETURN(nlohmann::json json,
                        ParseStrictJson(text, source, kMaxRulesBytes, kMaxDepth));
  auto set = ReadRuleSet(json);
  if (!set.ok()) return set.status().WithContext(source);
  return set;
}

}  // namespace keel::hub::rules
