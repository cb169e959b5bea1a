#include "hub/alerts/correlation_policy.h"

#include <fmt/format.h>

#include "common/strict_json.h"

namespace keel::hub::alerts {
namespace {

constexpr size_t kMaxPolicyBytes = 1 << 20;
constexpr int kMaxPolicyDepth = 16;

Status ReadDuration(JsonMembers& f, std::string_view key, int64_t* out) {
  if (!f.Has(key)) return Status::Ok();
  KEEL_ASSIGN_OR_RETURN(*out, f.Int(key));
  if (*out < 0) return f.Error(key, "must not be negative");
  return Status::Ok();
}

Result<InhibitRule> ReadInhibitRule(JsonMembers& f) {
  InhibitRule rule;
  KEEL_ASSIGN_OR_RETURN(rule.source_name, f.String("source_name"));
  if (rule.source_name.empty()) return f.Error("source_name", "must not be empty");
  if (f.Has("source_match")) {
    KEEL_ASSIGN_OR_RETURN(rule.source_match, f.StringMap("source_match"));
  }
  if (f.Has("target_name")) {
    KEEL_ASSIGN_OR_RETURN(rule.target_name, f.String("target_name"));
  }
  KEEL_ASSIGN_OR_RETURN(auto equal, f.ObjectArray("equal"));
  if (equal.empty()) return f.Error("equal", "needs at least one {\"target\", \"source\"} pair");
  for (auto& pair : equal) {
    KEEL_ASSIGN_OR_RETURN(std::string target, pair.String("target"));
    KEEL_ASSIGN_OR_RETURN(std::string source, pair.String("source"));
    KEEL_RETURN_IF_ERROR(pair.Finish());
    rule.equal.emplace_back(std::move(target), std::move(source));
  }
  KEEL_RETURN_IF_ERROR(f.Finish());
  return rule;
}

Result<CorrelationPolicy> ReadPolicy(JsonMembers& f) {
  KEEL_RETURN_IF_ERROR(f.RequireObject());
  CorrelationPolicy p;
  if (f.Has("group_by")) {
    KEEL_ASSIGN_OR_RETURN(p.group_by, f.StringArray("group_by"));
  }
  KEEL_RETURN_IF_ERROR(ReadDuration(f, "group_wait_ms", &p.group_wait_ms));
  KEEL_RETURN_IF_ERROR(ReadDuration(f, "group_interval_ms", &p.group_interval_ms));
  KEEL_RETURN_IF_ERROR(ReadDuration(f, "repeat_interval_ms", &p.repeat_interval_ms));
  KEEL_RETURN_IF_ERROR(ReadDuration(f, "resolve_after_ms", &p.resolve_after_ms));
  KEEL_RETURN_IF_ERROR(ReadDuration(f, "reopen_window_ms", &p.reopen_window_ms));
  KEEL_RETURN_IF_ERROR(ReadDuration(f, "flap_window_ms", &p.flap_window_ms));
  if (f.Has("flap_transitions")) {
    KEEL_ASSIGN_OR_RETURN(int64_t n, f.Int("flap_transitions"));
    if (n < 2 || n > 1000) return f.Error("flap_transitions", "must be in 2..1000");
    p.flap_transitions = static_cast<int>(n);
  }
  if (f.Has("default_criticality")) {
    KEEL_ASSIGN_OR_RETURN(int64_t c, f.Int("default_criticality"));
    if (c < 1 || c > 5) return f.Error("default_criticality", "must be in 1..5");
    p.default_criticality = static_cast<int>(c);
  }
  if (f.Has("inhibit")) {
    KEEL_ASSIGN_OR_RETURN(auto rules, f.ObjectArray("inhibit"));
    p.inhibit.clear();
    for (auto& rule : rules) {
      KEEL_ASSIGN_OR_RETURN(auto parsed, ReadInhibitRule(rule));
      p.inhibit.push_back(std::move(parsed));
    }
  }
  KEEL_RETURN_IF_ERROR(f.Finish());
  return p;
}

}  // namespace

std::vector<InhibitRule> CorrelationPolicy::DefaultInhibitRules() {
  return {
      {"device.offline", {}, "", {{"gateway", "device"}}},
      {"site.power_loss", {}, "", {{"site", "site"}}},
      {"sensor_fault", {}, "anomaly", {{"device", "device"}}},
  };
}

Result<CorrelationPolicy> ParseCorrelationPolicy(std::string_view text, std::string_view source) {
  KEEL_ASSIGN_OR_RETURN(nlohmann::json json,
                        ParseStrictJson(text, source, kMaxPolicyBytes, kMaxPolicyDepth));
  JsonMembers fields(json, "policy");
  auto policy = ReadPolicy(fields);
  if (!policy.ok()) return policy.status().WithContext(source);
  return policy;
}

}  // namespace keel::hub::alerts
