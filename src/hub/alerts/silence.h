// Silence: operators mute alerts matching a set of label values for a time
// range (Alertmanager's silences); a maintenance window is a silence of
// kind "maintenance", usually scoped to a site or asset. A silenced alert is
// still correlated and recorded in its incident (member.silenced_by); it
// only never causes a notification while the silence is active.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "common/status.h"
#include "hub/alerts/alert.h"

namespace keel::hub::alerts {

struct Silence {
  int64_t id = 0;                // assigned by the store
  std::string kind = "silence";  // or "maintenance"
  // Every entry must equal the alert's label; the key "alertname" matches
  // the alert's name. Never empty (a silence of everything is refused).
  Labels matchers;
  int64_t starts_ms = 0, ends_ms = 0;  // active for starts_ms <= t < ends_ms
  std::string created_by, comment;
  int64_t created_ms = 0;

  bool ActiveAt(int64_t t_ms) const { return starts_ms <= t_ms && t_ms < ends_ms; }
  // Whether every matcher equals the alert's name ("alertname") or label.
  bool Matches(std::string_view name, const Labels& labels) const;
};

nlohmann::json SilenceToJson(const Silence& silence);

// Parses a silence request or stored silence: {"kind"?, "matchers":
// {...}, "starts_ms"?, "ends_ms", "comment"?, plus "id", "created_by",
// "created_ms" when `stored`}. Missing starts_ms means `now_ms`. Errors:
// empty matchers, ends_ms <= starts_ms, unknown kind or member.
Result<Silence> SilenceFromJson(const nlohmann::json& json, bool stored, int64_t now_ms);

}  // namespace keel::hub::alerts
