// CorrelationPolicy: how IncidentCorrelator turns alerts into incidents and
// notifications (docs/alerts.md, "Policy"). One JSON document, the same for
// keel-hub (`--alert-policy FILE`) and `keel-eval alerts`; every member is
// optional and defaults as below.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"
#include "hub/alerts/alert.h"

namespace keel::hub::alerts {

// A cause explains a target (Alertmanager's inhibit_rules, plus topology):
// while an alert named `source_name` whose labels include `source_match`
// fires, a new alert (named `target_name`, or any when empty) whose labels
// satisfy every `equal` pair — target label == source label, both
// non-empty — is attached to the cause's incident instead of opening or
// notifying its own.
struct InhibitRule {
  std::string source_name;
  Labels source_match;
  std::string target_name;
  std::vector<std::pair<std::string, std::string>> equal;  // (target label, source label)
};

struct CorrelationPolicy {
  // Alerts whose values of these labels are equal share an incident (an
  // alert with none of them is grouped by all its own labels).
  std::vector<std::string> group_by = {"site", "device"};
  // A new incident waits this long before its first notification, so that
  // related alerts and their causes arrive and are folded in first.
  int64_t group_wait_ms = 30'000;
  // Least time between two notifications about one incident (escalations).
  int64_t group_interval_ms = 300'000;
  // An open (not acknowledged) incident whose alerts still fire is notified
  // again after this long.
  int64_t repeat_interval_ms = 4 * 3600'000;
  // An incident resolves itself once its own alerts have all been clear
  // (and none flapping) for this long.
  int64_t resolve_after_ms = 300'000;
  // An alert whose group key matches an incident the correlator resolved
  // less than this long ago reopens it instead of opening a new one.
  int64_t reopen_window_ms = 900'000;
  // An alert that changes between firing and clear at least this many
  // times within flap_window_ms is flapping: its incident stays open (one
  // incident, not N) until it has been stable for flap_window_ms.
  int flap_transitions = 4;
  int64_t flap_window_ms = 600'000;
  // Criticality of an asset without a "criticality" label (1..5).
  int default_criticality = 3;
  std::vector<InhibitRule> inhibit = DefaultInhibitRules();

  // An offline gateway explains everything behind it (gateway == its
  // device id); a site power loss explains its site; a faulty sensor
  // explains anomalies of its device.
  static std::vector<InhibitRule> DefaultInhibitRules();
};

// Parses a policy document; `source` names it in errors
// ("alert-policy.json: policy.group_wait_ms: expected an integer, got
// string"). Unknown members, negative durations, flap_transitions < 2 and
// criticality outside 1..5 are errors.
Result<CorrelationPolicy> ParseCorrelationPolicy(std::string_view text, std::string_view source);

}  // namespace keel::hub::alerts
