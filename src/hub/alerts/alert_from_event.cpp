#include "hub/alerts/alert_from_event.h"

#include <algorithm>
#include <cmath>
#include <string_view>

namespace keel::hub::alerts {
namespace {

std::string StringOr(const nlohmann::json& data, const char* key) {
  auto it = data.find(key);
  return it != data.end() && it->is_string() ? it->get<std::string>() : std::string();
}

double AnomalyConfidence(const nlohmann::json& data) {
  auto score = data.find("score");
  auto threshold = data.find("threshold");
  if (score == data.end() || threshold == data.end() || !score->is_number() ||
      !threshold->is_number()) {
    return 1.0;
  }
  const double s = score->get<double>(), t = threshold->get<double>();
  if (!std::isfinite(s) || !std::isfinite(t) || t <= 0) return 1.0;
  return std::clamp(0.5 + 0.5 * (s / t - 1.0), 0.5, 1.0);
}

// "<x>.raised" / "<x>.cleared" -> (x, firing).
std::optional<std::pair<std::string, bool>> SplitTransition(std::string_view type) {
  for (auto [suffix, firing] : {std::pair<std::string_view, bool>{".raised", true},
                                std::pair<std::string_view, bool>{".cleared", false}}) {
    if (type.size() > suffix.size() && type.ends_with(suffix)) {
      return std::make_pair(std::string(type.substr(0, type.size() - suffix.size())), firing);
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<Alert> AlertFromEvent(const bus::Event& event, const Labels& context) {
  Alert alert;
  alert.t_ms = event.t_ms;
  alert.context = event.data.is_object() ? event.data : nlohmann::json::object();
  if (!event.device.empty()) alert.labels["device"] = event.device;
  using bus::EventKind;
  switch (event.kind) {
    case EventKind::kDetection:
    case EventKind::kDeviceEvent: {
      auto transition = SplitTransition(event.type);
      if (!transition) return std::nullopt;
      alert.name = transition->first;
      alert.firing = transition->second;
      if (alert.name == "anomaly") {
        alert.confidence = AnomalyConfidence(event.data);
      } else if (alert.name == "sensor_fault") {
        alert.labels["signal"] = StringOr(event.data, "signal");
      } else if (alert.name == "rule") {
        alert.labels["rule"] = StringOr(event.data, "rule");
        // A hub rule (hub/rules) is not the device's rule of the same name.
        if (StringOr(event.data, "source") == "hub") alert.labels["source"] = "hub";
        if (auto signal = StringOr(event.data, "signal"); !signal.empty()) {
          alert.labels["signal"] = signal;
        }
        alert.severity =
            ParseSeverity(StringOr(event.data, "severity")).value_or(Severity::kWarning);
      } else if (alert.name == "site.power_loss") {
        alert.severity = Severity::kCritical;
      } else {
        return std::nullopt;
      }
      break;
    }
    case EventKind::kDeviceOffline:
    case EventKind::kDeviceOnline:
      if (event.device.empty()) return std::nullopt;
      alert.name = "device.offline";
      alert.firing = event.kind == EventKind::kDeviceOffline;
      // An absence rule's verdict is its own alert: the broker's online
      // message must not clear it while the device sends nothing.
      if (auto rule = StringOr(event.data, "rule"); !rule.empty()) alert.labels["rule"] = rule;
      break;
    case EventKind::kAttestation:
      if (event.type != "attestation.quarantined" && event.type != "attestation.restored") {
        return std::nullopt;
      }
      alert.name = "attestation";
      alert.severity = Severity::kCritical;
      alert.firing = event.type == "attestation.quarantined";
      break;
    case EventKind::kOtaState:
      // The controller's own verdicts only: an operator's abort or rollback
      // arrives as kOperatorAction and is not an alert.
      if (event.type != "deployment.rolling_back" && event.type != "deployment.rolled_back" &&
          event.type != "deployment.aborted") {
        return std::nullopt;
      }
      alert.name = "deployment.failed";
      if (auto id = event.data.find("deployment"); id != event.data.end()) {
        alert.labels["deployment"] = id->is_string() ? id->get<std::string>() : id->dump();
      }
      break;
    case EventKind::kTelemetry:
    case EventKind::kOperatorAction:
      return std::nullopt;
  }
  for (const auto& [key, value] : context) alert.labels.emplace(key, value);  // never overrides
  return alert;
}

}  // namespace keel::hub::alerts
