// Incident: what operators see instead of raw detections (docs/alerts.md).
// One incident gathers the alerts that share a group key (the policy's
// group_by labels) plus the alerts a cause explains (inhibition), and keeps
// its lifecycle open -> acknowledged -> resolved, its priority, its
// operator label and its history. IncidentCorrelator owns the rules that
// change it; this header is the data and its JSON form (stored by
// IncidentStore and served by the API).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "hub/alerts/alert.h"

namespace keel::hub::alerts {

enum class IncidentState { kOpen = 0, kAcknowledged = 1, kResolved = 2 };
std::string_view IncidentStateName(IncidentState state);
std::optional<IncidentState> ParseIncidentState(std::string_view text);

// One alert (by fingerprint) inside an incident.
struct IncidentMember {
  std::string fingerprint;
  std::string name;
  Labels labels;
  Severity severity = Severity::kWarning;
  double confidence = 1.0;
  bool firing = true;
  int64_t first_ms = 0;              // alert time of the first raise
  int64_t last_ms = 0;               // alert time of the last raise or clear
  int64_t changed_ms = 0;            // correlator time of the last firing <-> cleared change
  uint64_t events = 0;               // alerts folded into this member (raises, clears, duplicates)
  std::vector<int64_t> transitions;  // correlator times of recent changes (flap window)
  bool flapping = false;
  std::string inhibited_by;  // fingerprint of the cause that explains it; "" = its own
  int64_t silenced_by = 0;   // id of the silence that matched it when it last fired; 0 = none
  nlohmann::json context = nlohmann::json::object();  // data of the last raise
};

// An operator's verdict, fed back into the training data (issue 5 point 4)
// with the data window it applies to: the devices of the incident from
// kLabelMarginMs before its first event to kLabelMarginMs after its last.
struct OperatorLabel {
  std::string verdict;  // "true_positive" or "false_positive"
  std::string cause;    // free text, e.g. "bearing wear"
  std::string by;
  int64_t at_ms = 0;
  int64_t window_from_ms = 0, window_to_ms = 0;
  std::vector<std::string> devices;
};
inline constexpr int64_t kLabelMarginMs = 5 * 60 * 1000;

struct IncidentActivity {
  int64_t at_ms = 0;
  std::string actor;   // "keel" for the correlator, else the operator
  std::string action;  // opened, notified, escalated, merged, reopened, acknowledged, ...
  std::string note;
};

struct Incident {
  int64_t id = 0;
  std::string group_key;  // the group_by label values, e.g. "site=north,device=pump-03"
  IncidentState state = IncidentState::kOpen;
  int64_t opened_ms = 0, updated_ms = 0, acknowledged_ms = 0, resolved_ms = 0;
  std::string resolved_by;  // "keel" (the cause cleared), "merged" or an operator
  int64_t merged_into = 0;  // when its alerts turned out to be explained by another incident
  int64_t first_event_ms = 0, last_event_ms = 0;  // alert times
  int priority_score = 0;                         // 0..100 (docs/alerts.md, "Priority")
  Severity severity = Severity::kInfo;            // highest of its own members
  uint64_t raw_events = 0;                        // alerts folded in, all members
  int64_t notified_ms = 0;                        // last notification; 0 = never notified
  int notified_priority = 0;                      // priority_score last notified
  std::string notified_as;  // what the last notification said: "", "firing" or "resolved"
  uint32_t reopened = 0;
  std::vector<IncidentMember> members;
  std::optional<OperatorLabel> label;
  std::vector<IncidentActivity> history;

  bool active() const { return state != IncidentState::kResolved; }
  // "P1" (>= 60) .. "P4" (< 15).
  std::string priority() const;
  // Firing members that are neither inhibited nor silenced: what makes the
  // incident worth a notification.
  size_t NotifiableFiring() const;
  // A short human title, e.g. "device.offline on device=gw-1 (+12 explained)",
  // named after its most severe own alert that fires.
  std::string Title() const;
};

// Sets the incident's label (verdict "true_positive" or "false_positive",
// InvalidArgument otherwise), its data window and devices, and records it
// in the history.
Status LabelIncident(Incident& incident, OperatorLabel label, int64_t now_ms);

nlohmann::json IncidentToJson(const Incident& incident);
// Strict: every field present with its type; errors say which field.
Result<Incident> IncidentFromJson(const nlohmann::json& json);

// Priority bucket of a score: "P1" .. "P4".
std::string PriorityName(int score);

}  // namespace keel::hub::alerts
