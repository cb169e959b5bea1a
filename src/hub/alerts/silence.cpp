#include "hub/alerts/silence.h"

#include "common/strict_json.h"

namespace keel::hub::alerts {

bool Silence::Matches(std::string_view name, const Labels& labels) const {
  if (matchers.empty()) return false;
  for (const auto& [key, value] : matchers) {
    if (key == "alertname") {
      if (name != value) return false;
    } else if (LabelOr(labels, key) != value) {
      return false;
    }
  }
  return true;
}

nlohmann::json SilenceToJson(const Silence& s) {
  return {{"id", s.id},
          {"kind", s.kind},
          {"matchers", s.matchers},
          {"starts_ms", s.starts_ms},
          {"ends_ms", s.ends_ms},
          {"created_by", s.created_by},
          {"comment", s.comment},
          {"created_ms", s.created_ms}};
}

Result<Silence> SilenceFromJson(const nlohmann::json& json, bool stored, int64_t now_ms) {
  JsonMembers f(json, "silence");
  KEEL_RETURN_IF_ERROR(f.RequireObject());
  Silence s;
  if (stored) {
    KEEL_ASSIGN_OR_RETURN(s.id, f.Int("id"));
    KEEL_ASSIGN_OR_RETURN(s.created_by, f.String("created_by"));
    KEEL_ASSIGN_OR_RETURN(s.created_ms, f.Int("created_ms"));
  }
  if (f.Has("kind")) {
    KEEL_ASSIGN_OR_RETURN(s.kind, f.String("kind"));
    if (s.kind != "silence" && s.kind != "maintenance") {
      return f.Error("kind", "\"" + s.kind + "\" is not silence or maintenance");
    }
  }
  KEEL_ASSIGN_OR_RETURN(s.matchers, f.StringMap("matchers"));
  if (s.matchers.empty()) {
    return f.Error("matchers", "must name at least one label (a silence of everything is refused)");
  }
  for (const auto& [key, value] : s.matchers) {
    if (key.empty() || value.empty())
      return f.Error("matchers", "names and values must not be empty");
  }
  s.starts_ms = now_ms;
  if (f.Has("starts_ms")) {
    KEEL_ASSIGN_OR_RETURN(s.starts_ms, f.Int("starts_ms"));
  }
  KEEL_ASSIGN_OR_RETURN(s.ends_ms, f.Int("ends_ms"));
  if (s.ends_ms <= s.starts_ms) return f.Error("ends_ms", "must be after starts_ms");
  if (f.Has("comment")) {
    KEEL_ASSIGN_OR_RETURN(s.comment, f.String("comment"));
  }
  KEEL_RETURN_IF_ERROR(f.Finish());
  return s;
}

}  // namespace keel::hub::alerts
