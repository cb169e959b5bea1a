#include "hub/alerts/verdict_book.h"

namespace keel::hub::alerts {

std::string VerdictBook::KindOf(const std::string& name, const Labels& labels) {
  std::string kind = name;
  for (const char* detail : {"rule", "signal"}) {
    const std::string_view value = LabelOr(labels, detail);
    if (!value.empty()) {
      kind += "/";
      kind += value;
    }
  }
  kind += "@";
  kind += LabelOr(labels, "device");
  return kind;
}

void VerdictBook::Record(const Incident& incident) {
  if (!incident.label) return;
  std::set<std::string> kinds;
  for (const auto& m : incident.members) kinds.insert(KindOf(m.name, m.labels));
  const bool true_positive = incident.label->verdict == "true_positive";
  if (auto old = by_incident_.find(incident.id); old != by_incident_.end()) {
    Count(old->second.first, old->second.second, -1);
  }
  Count(true_positive, kinds, +1);
  by_incident_[incident.id] = {true_positive, std::move(kinds)};
}

void VerdictBook::Count(bool true_positive, const std::set<std::string>& kinds, int delta) {
  for (const auto& kind : kinds) {
    Counts& c = counts_[kind];
    (true_positive ? c.true_positives : c.false_positives) += delta;
  }
}

double VerdictBook::Precision(const std::string& kind) const {
  auto it = counts_.find(kind);
  if (it == counts_.end()) return 1.0;
  const double tp = it->second.true_positives, fp = it->second.false_positives;
  return (tp + 2.0) / (tp + fp + 2.0);
}

}  // namespace keel::hub::alerts
