#include "hub/alerts/alert.h"

namespace keel::hub::alerts {

std::string_view SeverityName(Severity severity) {
  switch (severity) {
    case Severity::kInfo:
      return "info";
    case Severity::kWarning:
      return "warning";
    case Severity::kCritical:
      return "critical";
  }
  return "warning";
}

std::optional<Severity> ParseSeverity(std::string_view text) {
  if (text == "info") return Severity::kInfo;
  if (text == "warning") return Severity::kWarning;
  if (text == "critical") return Severity::kCritical;
  return std::nullopt;
}

std::string Fingerprint(const Alert& alert) {
  // JSON quoting keeps names and values with ',' '=' or '"' unambiguous;
  // std::map iterates in key order.
  return alert.name + nlohmann::json(alert.labels).dump();
}

std::string_view LabelOr(const Labels& labels, const std::string& label) {
  auto it = labels.find(label);
  return it == labels.end() ? std::string_view() : std::string_view(it->second);
}

}  // namespace keel::hub::alerts
