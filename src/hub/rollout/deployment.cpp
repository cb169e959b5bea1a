#include "hub/rollout/deployment.h"

#include <fmt/format.h>

#include <charconv>
#include <cmath>

#include "common/duration.h"
#include "common/semver.h"
#include "hub/rollout/target_query.h"

namespace keel::hub::rollout {
namespace {

using nlohmann::json;

Status Bad(std::string_view where, std::string_view what) {
  return Status::InvalidArgument(fmt::format("deployment: {}: {}", where, what));
}

// A rollout's timers are at most a year.
Result<int64_t> ParseRolloutDuration(std::string_view text) {
  KEEL_ASSIGN_OR_RETURN(const int64_t ms, ParseDuration(text));
  if (ms > 365LL * 86'400'000) {
    return Status::InvalidArgument(fmt::format("duration \"{}\": at most 365d", text));
  }
  return ms;
}

// Reads j[key] as T, or fails naming `where`.
template <typename T>
Result<T> Field(const json& j, const char* key, std::string_view where) {
  auto it = j.find(key);
  if (it == j.end()) return Bad(fmt::format("{}.{}", where, key), "missing");
  try {
    return it->get<T>();
  } catch (const json::exception&) {
    return Bad(fmt::format("{}.{}", where, key), "wrong type");
  }
}

// A fraction (0.05) or a percentage string ("5%") at `where`.
Result<double> Fraction(const json& value, std::string_view where) {
  if (value.is_number()) return value.get<double>();
  if (value.is_string() && !value.get<std::string>().empty() &&
      value.get<std::string>().back() == '%') {
    const std::string pct = value.get<std::string>();
    double number = 0;
    auto [ptr, ec] = std::from_chars(pct.data(), pct.data() + pct.size() - 1, number);
    if (ec != std::errc() || ptr != pct.data() + pct.size() - 1) {
      return Bad(where, fmt::format("\"{}\" is not a percentage", pct));
    }
    return number / 100;
  }
  return Bad(where, "must be a fraction or a percentage like \"5%\"");
}

// The "gate" member of a deployment request, strict.
Status ParseGate(const json& j, HealthGate& g) {
  if (!j.is_object()) return Bad("gate", "must be an object");
  for (const auto& [key, value] : j.items()) {
    const std::string where = "gate." + key;
    if (key == "max_error_rate" || key == "anomaly_margin") {
      KEEL_ASSIGN_OR_RETURN(const double f, Fraction(value, where));
      (key == "max_error_rate" ? g.max_error_rate : g.anomaly_margin) = f;
    } else if (key == "anomaly_factor" || key == "latency_factor") {
      if (!value.is_number()) return Bad(where, "must be a number");
      (key == "anomaly_factor" ? g.anomaly_factor : g.latency_factor) = value.get<double>();
    } else if (key == "latency_margin") {
      if (!value.is_string()) return Bad(where, "must be a duration like \"2ms\"");
      std::string text = value.get<std::string>();
      const bool micros = text.ends_with("us");
      if (micros) text.replace(text.size() - 2, 2, "ms");  // parsed as ms, scaled below
      auto parsed = ParseRolloutDuration(text);
      if (!parsed.ok()) return Bad(where, parsed.status().message());
      g.latency_margin_us = micros ? *parsed : *parsed * 1000;
    } else if (key == "min_windows") {
      if (!value.is_number_integer()) return Bad(where, "must be an integer");
      g.min_windows = value.get<int64_t>();
    } else {
      return Bad(where, "unknown member");
    }
  }
  return Status::Ok();
}

Status CheckGate(const HealthGate& g) {
  if (!(g.max_error_rate >= 0 && g.max_error_rate <= 1)) {
    return Bad("gate.max_error_rate", "must be 0..100%");
  }
  if (!(g.anomaly_factor >= 1 && g.anomaly_factor <= 1000)) {
    return Bad("gate.anomaly_factor", "must be 1..1000");
  }
  if (!(g.anomaly_margin >= 0 && g.anomaly_margin <= 1)) {
    return Bad("gate.anomaly_margin", "must be 0..100%");
  }
  if (!(g.latency_factor >= 1 && g.latency_factor <= 1000)) {
    return Bad("gate.latency_factor", "must be 1..1000");
  }
  if (g.latency_margin_us < 0) return Bad("gate.latency_margin", "must be >= 0");
  if (g.min_windows < 1 || g.min_windows > 1'000'000'000) {
    return Bad("gate.min_windows", "must be 1..1000000000");
  }
  return Status::Ok();
}

Status CheckSpec(const DeploymentSpec& s) {
  if (s.canary < 0 || s.canary > 10000) return Bad("canary", "must be 0..10000");
  if (s.waves.empty() || s.waves.size() > 20) return Bad("waves", "must list 1..20 percentages");
  int previous = 0;
  for (int w : s.waves) {
    if (w <= previous || w > 100) {
      return Bad("waves", "percentages must increase, each in 1..100");
    }
    previous = w;
  }
  if (s.waves.back() != 100) return Bad("waves", "the last wave must be 100 (every device)");
  if (!(s.max_failures >= 0 && s.max_failures <= 1)) {
    return Bad("max_failures", "must be 0..100% (or 0..1)");
  }
  if (s.wave_soak_ms < 0) return Bad("wave_soak", "must be >= 0");
  if (s.device_timeout_ms < 1000) return Bad("device_timeout", "must be at least 1s");
  return CheckGate(s.gate);
}

json GateJson(const HealthGate& g) {
  return {{"max_error_rate", g.max_error_rate},       {"anomaly_factor", g.anomaly_factor},
          {"anomaly_margin", g.anomaly_margin},       {"latency_factor", g.latency_factor},
          {"latency_margin_us", g.latency_margin_us}, {"min_windows", g.min_windows}};
}

// Deployments stored before gates were per deployment have none: defaults.
Result<HealthGate> StoredGate(const json& j) {
  HealthGate g;
  auto it = j.find("gate");
  if (it == j.end()) return g;
  constexpr std::string_view w = "stored deployment.gate";
  KEEL_ASSIGN_OR_RETURN(g.max_error_rate, Field<double>(*it, "max_error_rate", w));
  KEEL_ASSIGN_OR_RETURN(g.anomaly_factor, Field<double>(*it, "anomaly_factor", w));
  KEEL_ASSIGN_OR_RETURN(g.anomaly_margin, Field<double>(*it, "anomaly_margin", w));
  KEEL_ASSIGN_OR_RETURN(g.latency_factor, Field<double>(*it, "latency_factor", w));
  KEEL_ASSIGN_OR_RETURN(g.latency_margin_us, Field<int64_t>(*it, "latency_margin_us", w));
  KEEL_ASSIGN_OR_RETURN(g.min_windows, Field<int64_t>(*it, "min_windows", w));
  return g;
}

}  // namespace

json ToJson(const Deployment& d) {
  return {{"id", d.id},
          {"artifact", d.spec.artifact},
          {"version", d.spec.version},
          {"kind", std::string(ArtifactKindName(d.spec.kind))},
          {"target", d.spec.target},
          {"canary", d.spec.canary},
          {"waves", d.spec.waves},
          {"max_failures", d.spec.max_failures},
          {"wave_soak_ms", d.spec.wave_soak_ms},
          {"device_timeout_ms", d.spec.device_timeout_ms},
          {"gate", GateJson(d.spec.gate)},
          {"state", d.state},
          {"wave", d.wave},
          {"wave_started_ms", d.wave_started_ms},
          {"created_ms", d.created_ms},
          {"updated_ms", d.updated_ms},
          {"reason", d.reason},
          {"created_by", d.created_by}};
}

Result<Deployment> DeploymentFromJson(const json& j) {
  constexpr std::string_view w = "stored deployment";
  Deployment d;
  KEEL_ASSIGN_OR_RETURN(d.id, Field<int64_t>(j, "id", w));
  KEEL_ASSIGN_OR_RETURN(d.spec.artifact, Field<std::string>(j, "artifact", w));
  KEEL_ASSIGN_OR_RETURN(d.spec.version, Field<std::string>(j, "version", w));
  KEEL_ASSIGN_OR_RETURN(const std::string kind, Field<std::string>(j, "kind", w));
  const auto parsed_kind = ParseArtifactKind(kind);
  if (!parsed_kind) return Bad("stored deployment.kind", kind);
  d.spec.kind = *parsed_kind;
  KEEL_ASSIGN_OR_RETURN(d.spec.target, Field<std::string>(j, "target", w));
  KEEL_ASSIGN_OR_RETURN(d.spec.canary, Field<int>(j, "canary", w));
  KEEL_ASSIGN_OR_RETURN(d.spec.waves, Field<std::vector<int>>(j, "waves", w));
  KEEL_ASSIGN_OR_RETURN(d.spec.max_failures, Field<double>(j, "max_failures", w));
  KEEL_ASSIGN_OR_RETURN(d.spec.wave_soak_ms, Field<int64_t>(j, "wave_soak_ms", w));
  KEEL_ASSIGN_OR_RETURN(d.spec.device_timeout_ms, Field<int64_t>(j, "device_timeout_ms", w));
  KEEL_ASSIGN_OR_RETURN(d.spec.gate, StoredGate(j));
  KEEL_ASSIGN_OR_RETURN(d.state, Field<std::string>(j, "state", w));
  KEEL_ASSIGN_OR_RETURN(d.wave, Field<int>(j, "wave", w));
  KEEL_ASSIGN_OR_RETURN(d.wave_started_ms, Field<int64_t>(j, "wave_started_ms", w));
  KEEL_ASSIGN_OR_RETURN(d.created_ms, Field<int64_t>(j, "created_ms", w));
  KEEL_ASSIGN_OR_RETURN(d.updated_ms, Field<int64_t>(j, "updated_ms", w));
  KEEL_ASSIGN_OR_RETURN(d.reason, Field<std::string>(j, "reason", w));
  KEEL_ASSIGN_OR_RETURN(d.created_by, Field<std::string>(j, "created_by", w));
  return d;
}

json ToJson(const DeviceRollout& r) {
  return {{"wave", r.wave},
          {"state", r.state},
          {"assigned_ms", r.assigned_ms},
          {"updated_ms", r.updated_ms},
          {"detail", r.detail}};
}

Result<DeviceRollout> DeviceRolloutFromJson(const json& j) {
  constexpr std::string_view w = "stored deployment row";
  DeviceRollout r;
  KEEL_ASSIGN_OR_RETURN(r.wave, Field<int>(j, "wave", w));
  KEEL_ASSIGN_OR_RETURN(r.state, Field<std::string>(j, "state", w));
  KEEL_ASSIGN_OR_RETURN(r.assigned_ms, Field<int64_t>(j, "assigned_ms", w));
  KEEL_ASSIGN_OR_RETURN(r.updated_ms, Field<int64_t>(j, "updated_ms", w));
  KEEL_ASSIGN_OR_RETURN(r.detail, Field<std::string>(j, "detail", w));
  return r;
}

Result<DeploymentSpec> ParseDeploymentRequest(std::string_view body, std::string* created_by) {
  const json j = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Bad("body", "not valid JSON");
  if (!j.is_object()) return Bad("body", "must be a JSON object");
  static constexpr std::string_view kKnown[] = {"artifact",       "target",       "canary",
                                                "waves",          "max_failures", "wave_soak",
                                                "device_timeout", "gate",         "created_by"};
  for (const auto& [key, value] : j.items()) {
    if (std::find(std::begin(kKnown), std::end(kKnown), key) == std::end(kKnown)) {
      return Bad(key, "unknown member");
    }
  }
  DeploymentSpec s;
  auto artifact = j.find("artifact");
  if (artifact == j.end() || !artifact->is_string())
    return Bad("artifact", "NAME@VERSION required");
  const std::string text = artifact->get<std::string>();
  const size_t at = text.find('@');
  if (at == std::string::npos || at == 0 || !ParseSemVer(text.substr(at + 1))) {
    return Bad("artifact", fmt::format("\"{}\" is not NAME@VERSION", text));
  }
  s.artifact = text.substr(0, at);
  s.version = text.substr(at + 1);
  if (auto it = j.find("target"); it != j.end()) {
    if (!it->is_string()) return Bad("target", "must be a string");
    s.target = it->get<std::string>();
    Status query = ParseTargetQuery(s.target).status();
    if (!query.ok()) return Bad("target", query.message());
  }
  if (auto it = j.find("canary"); it != j.end()) {
    if (!it->is_number_integer()) return Bad("canary", "must be an integer");
    s.canary = it->get<int>();
  }
  if (auto it = j.find("waves"); it != j.end()) {
    if (!it->is_array()) return Bad("waves", "must be an array of percentages");
    s.waves.clear();
    for (const auto& w : *it) {
      if (!w.is_number_integer()) return Bad("waves", "must be integers");
      s.waves.push_back(w.get<int>());
    }
  }
  if (auto it = j.find("max_failures"); it != j.end()) {
    KEEL_ASSIGN_OR_RETURN(s.max_failures, Fraction(*it, "max_failures"));
  }
  if (auto it = j.find("gate"); it != j.end()) KEEL_RETURN_IF_ERROR(ParseGate(*it, s.gate));
  for (auto [key, field] : {std::pair{"wave_soak", &s.wave_soak_ms},
                            std::pair{"device_timeout", &s.device_timeout_ms}}) {
    auto it = j.find(key);
    if (it == j.end()) continue;
    if (!it->is_string()) return Bad(key, "must be a duration like \"60s\"");
    auto ms = ParseRolloutDuration(it->get<std::string>());
    if (!ms.ok()) return Bad(key, ms.status().message());
    *field = *ms;
  }
  if (auto it = j.find("created_by"); it != j.end()) {
    if (!it->is_string() || it->get<std::string>().size() > 128) {
      return Bad("created_by", "must be a string of at most 128 characters");
    }
    *created_by = it->get<std::string>();
  }
  KEEL_RETURN_IF_ERROR(CheckSpec(s));
  return s;
}

}  // namespace keel::hub::rollout
