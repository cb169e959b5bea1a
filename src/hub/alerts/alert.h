// Alert: one raw detection as the incident correlator sees it (issue 5;
// docs/alerts.md). Every source — a detection a device raised, a hub rule, a
// device going offline, a failed attestation — becomes an Alert before it
// reaches IncidentCorrelator, so the same correlation code serves the hub
// and `keel-eval alerts`.
//
// An alert is identified by its name and labels (Fingerprint): the same
// sensor fault on the same signal of the same device is one alert that
// fires, clears and fires again, never N alerts.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace keel::hub::alerts {

enum class Severity { kInfo = 0, kWarning = 1, kCritical = 2 };

std::string_view SeverityName(Severity severity);
// "info", "warning", "critical"; nullopt for anything else.
std::optional<Severity> ParseSeverity(std::string_view text);

// Label name -> value. Well-known names (enriched from the topology):
// device, site, gateway, asset, criticality ("1".."5"), signal, rule.
using Labels = std::map<std::string, std::string>;

struct Alert {
  std::string name;  // what kind of alarm: "anomaly", "sensor_fault", "device.offline", ...
  Labels labels;
  Severity severity = Severity::kWarning;
  double confidence = 1.0;  // in [0, 1]: how sure the source is
  bool firing = true;       // false: the source says the condition cleared
  int64_t t_ms = 0;         // when it happened, ms since the Unix epoch
  nlohmann::json context = nlohmann::json::object();  // the source's data, kept with the incident
};

// A stable identity of (name, labels): the name followed by the labels as a
// JSON object in key order, e.g. anomaly{"device":"pump-03","site":"north"}.
std::string Fingerprint(const Alert& alert);

// The value of `label` in `labels`, or "" when absent.
std::string_view LabelOr(const Labels& labels, const std::string& label);

}  // namespace keel::hub::alerts
