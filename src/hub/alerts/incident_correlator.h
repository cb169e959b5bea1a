// IncidentCorrelator: turns a stream of alerts into a few incidents and
// notifications (issue 5 point 4; docs/alerts.md). Pure and deterministic:
// no threads, no I/O, time passed in. keel-hub drives it through
// AlertService (persisting what changed); `keel-eval alerts` drives it
// with the recorded events' own times — the same code either way.
//
// For each alert, Observe():
//   - the alert's fingerprint is already a member of an active incident:
//     its state is updated there (dedup: a raise of a firing alert is a
//     repeat, not a change; firing <-> clear changes count toward
//     flapping);
//   - a clear of an alert no active incident holds is ignored (counted);
//   - a new firing alert that a firing cause explains (an inhibit rule) is
//     attached to the cause's incident, marked inhibited_by;
//   - otherwise it joins the active incident of its group key, or reopens
//     that key's incident auto-resolved less than reopen_window_ms ago, or
//     opens a new incident;
//   - a new cause adopts every incident not yet notified whose alerts it
//     explains: those are merged into its incident (resolved_by "merged")
//     and are never notified.
// Tick() (call it about every second) notifies incidents with an own alert
// that fires unsilenced and has fired for group_wait or is flapping
// ("opened"), whose priority bucket rose ("escalated", at most
// once per group_interval), still firing after repeat_interval
// ("repeated"), or reopened ("reopened"); settles flapping; lifts expired
// silences; and resolves incidents whose own alerts have been clear for
// resolve_after_ms ("resolved"), splitting out explained alerts that still
// fire into incidents of their own. An incident only counts as notifiable
// while one of its own alerts fires unsilenced.
//
// Not thread-safe; one owner serializes calls.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "common/status.h"
#include "hub/alerts/alert.h"
#include "hub/alerts/correlation_policy.h"
#include "hub/alerts/incident.h"
#include "hub/alerts/silence.h"
#include "hub/alerts/verdict_book.h"

namespace keel::hub::alerts {

struct Notification {
  int64_t incident_id = 0;
  std::string reason;  // opened, reopened, escalated, repeated, resolved
  int64_t at_ms = 0;
  std::string title, group_key, priority;
  int priority_score = 0;
  Severity severity = Severity::kInfo;
  size_t firing = 0;  // notifiable firing alerts at that moment
};

nlohmann::json NotificationToJson(const Notification& notification);
// The notification saying `reason` about `incident` as it is now.
Notification NotificationOf(const Incident& incident, const std::string& reason, int64_t at_ms);

struct CorrelationChanges {
  std::vector<Incident> incidents;  // each incident changed by the call, as it is now
  std::vector<Notification> notifications;
  bool empty() const { return incidents.empty() && notifications.empty(); }
};

struct CorrelatorStats {
  uint64_t alerts = 0;            // every alert observed
  uint64_t repeats = 0;           // raises of a firing alert, clears of a clear one
  uint64_t unmatched_clears = 0;  // clears of alerts no active incident holds
  uint64_t inhibited = 0;         // new alerts attached to a cause
  uint64_t silenced = 0;          // raises that matched an active silence
  uint64_t incidents_opened = 0;
  uint64_t incidents_merged = 0;
  uint64_t notifications = 0;
};

class IncidentCorrelator {
 public:
  explicit IncidentCorrelator(CorrelationPolicy policy);

  // Loads incidents after a restart: active ones, and auto-resolved ones
  // still inside the reopen window. `next_id` exceeds every id used.
  void Restore(std::vector<Incident> incidents, int64_t next_id);
  // Replaces the silences consulted from now on (expired ones may be kept;
  // only ActiveAt(now) ones apply).
  void SetSilences(std::vector<Silence> silences);

  CorrelationChanges Observe(const Alert& alert, int64_t now_ms);
  CorrelationChanges Tick(int64_t now_ms);

  // Operator actions on an active incident (NotFound otherwise).
  // Acknowledge stops repeats; it is FailedPrecondition on an acknowledged
  // one. Resolve closes it now; alerts that still fire open a new incident
  // when they fire again.
  Result<CorrelationChanges> Acknowledge(int64_t id, const std::string& by, const std::string& note,
                                         int64_t now_ms);
  Result<CorrelationChanges> Resolve(int64_t id, const std::string& by, const std::string& note,
                                     int64_t now_ms);

  // Labels an active incident (LabelIncident); a resolved one is labelled
  // in the store by its owner.
  Result<CorrelationChanges> Label(int64_t id, OperatorLabel label, int64_t now_ms);
  // Learns a labelled incident's verdict (any incident, e.g. a resolved one
  // labelled through the store, or labelled ones at a restart): new alerts
  // of its kinds get their confidence scaled by VerdictBook::Precision.
  void RecordVerdict(const Incident& incident) { verdicts_.Record(incident); }
  const VerdictBook& verdicts() const { return verdicts_; }

  // The active incident holding the alert `fingerprint`; 0 when none.
  int64_t IncidentOf(const std::string& fingerprint) const;

  // The active incident `id`, or null.
  const Incident* FindActive(int64_t id) const;
  std::vector<const Incident*> Active() const;
  const CorrelatorStats& stats() const { return stats_; }
  int64_t next_id() const { return next_id_; }
  const CorrelationPolicy& policy() const { return policy_; }

 private:
  struct Cause {
    int64_t incident = 0;
    std::string fingerprint;
  };

  std::string GroupKey(const Labels& labels) const;
  int MemberPriority(const IncidentMember& m) const;
  int64_t ActiveSilenceFor(const std::string& name, const Labels& labels, int64_t now) const;
  // A firing member (of any active incident) that explains a new alert.
  std::optional<Cause> FindCause(const std::string& name, const Labels& labels) const;
  // Whether `cause` explains an alert by one of the inhibit rules.
  bool Explains(const IncidentMember& cause, const std::string& name, const Labels& labels) const;

  // Puts a firing member into the incident that should hold it.
  void Place(IncidentMember member, int64_t now);
  void AdoptExplained(int64_t cause_incident, const IncidentMember& cause, int64_t now);
  void UpdateMember(Incident& incident, IncidentMember& member, const Alert& alert,
                    const std::string& fp, int64_t now);
  void Recompute(Incident& incident) const;
  void ResolveIncident(Incident& incident, const std::string& by, const std::string& note,
                       int64_t now);
  void Notify(Incident& incident, const std::string& reason, int64_t now);
  void Log(Incident& incident, int64_t now, std::string actor, std::string action,
           std::string note) const;
  void Touch(int64_t id) { touched_.insert(id); }
  CorrelationChanges Collect();

  CorrelationPolicy policy_;
  std::map<int64_t, Incident> active_;
  std::map<int64_t, Incident> resolved_;           // auto-resolved, inside the reopen window
  std::map<std::string, int64_t> by_fingerprint_;  // active members -> incident
  std::map<std::string, int64_t> by_key_;          // group key -> active incident
  std::vector<Silence> silences_;
  std::set<int64_t> touched_;
  std::vector<Notification> pending_notifications_;
  int64_t next_id_ = 1;
  CorrelatorStats stats_;
  VerdictBook verdicts_;
};

}  // namespace keel::hub::alerts
