// VerdictBook: what operators said of past incidents, so the correlator
// learns from it (docs/alerts.md, "Learning from verdicts"). Each labelled
// incident counts once, as a true or a false positive, for every kind of
// alert it held on each device ("sensor_fault/vibration@pump-07",
// "rule/hot@pump-07", "anomaly@pump-07"). The precision of a kind,
// (tp + 2) / (tp + fp + 2), scales the confidence of its new alerts: 1
// until an operator called one a false positive, 0.4 after three false
// positives, back up as true positives come in. It lowers priority; it
// never hides an alert.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <utility>

#include "hub/alerts/alert.h"
#include "hub/alerts/incident.h"

namespace keel::hub::alerts {

class VerdictBook {
 public:
  // The kind an alert counts under: its name, its rule or signal label if
  // any, and its device.
  static std::string KindOf(const std::string& name, const Labels& labels);

  // Records `incident`'s label (replacing an earlier verdict on the same
  // incident); an incident without a label is ignored.
  void Record(const Incident& incident);
  // In (0, 1]; 1 for a kind without verdicts.
  double Precision(const std::string& kind) const;
  // Precision(KindOf(name, labels)), without building the kind while no
  // verdict was recorded (the correlator asks for every alert).
  double PrecisionOf(const std::string& name, const Labels& labels) const {
    return counts_.empty() ? 1.0 : Precision(KindOf(name, labels));
  }
  size_t labelled_incidents() const { return by_incident_.size(); }

 private:
  struct Counts {
    int true_positives = 0, false_positives = 0;
  };
  void Count(bool true_positive, const std::set<std::string>& kinds, int delta);

  std::map<int64_t, std::pair<bool, std::set<std::string>>> by_incident_;
  std::map<std::string, Counts> counts_;
};

}  // namespace keel::hub::alerts
