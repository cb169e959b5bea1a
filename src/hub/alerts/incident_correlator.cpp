#include "hub/alerts/incident_correlator.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace keel::hub::alerts {
namespace {

constexpr size_t kMaxMembers = 1000;  // beyond this an incident only counts raw events
constexpr size_t kMaxHistory = 200;

double SeverityWeight(Severity s) {
  switch (s) {
    case Severity::kInfo:
      return 0.3;
    case Severity::kWarning:
      return 0.6;
    case Severity::kCritical:
      return 1.0;
  }
  return 0.6;
}

IncidentMember* FindMember(Incident& incident, const std::string& fingerprint) {
  for (auto& m : incident.members) {
    if (m.fingerprint == fingerprint) return &m;
  }
  return nullptr;
}

IncidentMember MemberFrom(const Alert& alert, std::string fingerprint, int64_t now) {
  IncidentMember m;
  m.fingerprint = std::move(fingerprint);
  m.name = alert.name;
  m.labels = alert.labels;
  m.severity = alert.severity;
  m.confidence = std::isfinite(alert.confidence) ? std::clamp(alert.confidence, 0.0, 1.0) : 1.0;
  m.firing = alert.firing;
  m.first_ms = m.last_ms = alert.t_ms;
  m.changed_ms = now;
  m.events = 1;
  m.context = alert.context;
  return m;
}

}  // namespace

nlohmann::json NotificationToJson(const Notification& n) {
  return {{"incident", n.incident_id},
          {"reason", n.reason},
          {"at_ms", n.at_ms},
          {"title", n.title},
          {"group_key", n.group_key},
          {"priority", n.priority},
          {"priority_score", n.priority_score},
          {"severity", SeverityName(n.severity)},
          {"firing", n.firing}};
}

IncidentCorrelator::IncidentCorrelator(CorrelationPolicy policy) : policy_(std::move(policy)) {}

void IncidentCorrelator::Restore(std::vector<Incident> incidents, int64_t next_id) {
  next_id_ = std::max<int64_t>(next_id, 1);
  for (auto& incident : incidents) {
    next_id_ = std::max(next_id_, incident.id + 1);
    const int64_t id = incident.id;
    if (incident.active()) {
      for (const auto& m : incident.members) by_fingerprint_[m.fingerprint] = id;
      by_key_[incident.group_key] = id;
      active_[id] = std::move(incident);
    } else if (incident.resolved_by == "keel") {
      resolved_[id] = std::move(incident);
    }
  }
}

void IncidentCorrelator::SetSilences(std::vector<Silence> silences) {
  silences_ = std::move(silences);
}

std::string IncidentCorrelator::GroupKey(const Labels& labels) const {
  std::string key;
  auto add = [&key](const std::string& label, std::string_view value) {
    if (!key.empty()) key += ",";
    key += label + "=" + std::string(value);
  };
  for (const auto& label : policy_.group_by) {
    const std::string_view value = LabelOr(labels, label);
    if (!value.empty()) add(label, value);
  }
  // An alert with none of the group_by labels (hub-wide: a failed
  // deployment) is grouped by all its labels, so unrelated ones stay apart.
  if (key.empty()) {
    for (const auto& [label, value] : labels) add(label, value);
  }
  return key;
}

int IncidentCorrelator::MemberPriority(const IncidentMember& m) const {
  int criticality = policy_.default_criticality;
  const std::string_view text = LabelOr(m.labels, "criticality");
  if (text.size() == 1 && text[0] >= '1' && text[0] <= '5') criticality = text[0] - '0';
  const double asset = 0.4 + 0.15 * (criticality - 1);  // 1 -> 0.4, 3 -> 0.7, 5 -> 1.0
  return static_cast<int>(std::lround(100.0 * SeverityWeight(m.severity) * asset * m.confidence));
}

int64_t IncidentCorrelator::ActiveSilenceFor(const std::string& name, const Labels& labels,
                                             int64_t now) const {
  for (const auto& s : silences_) {
    if (s.ActiveAt(now) && s.Matches(name, labels)) return s.id;
  }
  return 0;
}

bool IncidentCorrelator::Explains(const IncidentMember& cause, const std::string& name,
                                  const Labels& labels) const {
  for (const auto& rule : policy_.inhibit) {
    if (cause.name != rule.source_name) continue;
    if (!rule.target_name.empty() && rule.target_name != name) continue;
    bool match = true;
    for (const auto& [label, value] : rule.source_match) {
      match = match && LabelOr(cause.labels, label) == value;
    }
    for (const auto& [target, source] : rule.equal) {
      const std::string_view t = LabelOr(labels, target);
      match = match && !t.empty() && t == LabelOr(cause.labels, source);
    }
    if (match) return true;
  }
  return false;
}

std::optional<IncidentCorrelator::Cause> IncidentCorrelator::FindCause(const std::string& name,
                                                                       const Labels& labels) const {
  for (const auto& [id, incident] : active_) {
    for (const auto& m : incident.members) {
      if (m.firing && Explains(m, name, labels)) return Cause{id, m.fingerprint};
    }
  }
  return std::nullopt;
}

void IncidentCorrelator::Log(Incident& incident, int64_t now, std::string actor, std::string action,
                             std::string note) const {
  incident.history.push_back({now, std::move(actor), std::move(action), std::move(note)});
  if (incident.history.size() > kMaxHistory) incident.history.erase(incident.history.begin());
}

void IncidentCorrelator::Recompute(Incident& incident) const {
  int score = 0;
  Severity severity = Severity::kInfo;
  int64_t first = 0, last = 0;
  for (const auto& m : incident.members) {
    first = first == 0 ? m.first_ms : std::min(first, m.first_ms);
    last = std::max(last, m.last_ms);
    if (!m.inhibited_by.empty()) continue;
    score = std::max(score, MemberPriority(m));
    severity = std::max(severity, m.severity);
  }
  incident.priority_score = score;
  incident.severity = severity;
  incident.first_event_ms = first;
  incident.last_event_ms = last;
}

CorrelationChanges IncidentCorrelator::Observe(const Alert& alert, int64_t now_ms) {
  ++stats_.alerts;
  std::string fp = Fingerprint(alert);
  IncidentMember observed = MemberFrom(alert, fp, now_ms);
  observed.confidence *= verdicts_.PrecisionOf(alert.name, alert.labels);
  if (auto it = by_fingerprint_.find(fp); it != by_fingerprint_.end()) {
    Incident& incident = active_.at(it->second);
    if (IncidentMember* member = FindMember(incident, fp)) {
      UpdateMember(incident, *member, alert, fp, now_ms);
      return Collect();
    }
  }
  if (!alert.firing) {
    ++stats_.unmatched_clears;
    return Collect();
  }
  Place(std::move(observed), now_ms);
  return Collect();
}

void IncidentCorrelator::UpdateMember(Incident& incident, IncidentMember& m, const Alert& alert,
                                      const std::string& fp, int64_t now) {
  ++m.events;
  ++incident.raw_events;
  m.last_ms = std::max(m.last_ms, alert.t_ms);
  incident.updated_ms = now;
  Touch(incident.id);
  if (alert.firing == m.firing) {
    ++stats_.repeats;
    if (alert.firing) m.context = alert.context;
    Recompute(incident);
    return;
  }
  m.firing = alert.firing;
  m.changed_ms = now;
  m.transitions.push_back(now);
  std::erase_if(m.transitions, [&](int64_t t) { return t < now - policy_.flap_window_ms; });
  if (m.transitions.size() > static_cast<size_t>(2 * policy_.flap_transitions)) {
    m.transitions.erase(m.transitions.begin());
  }
  if (!m.flapping && m.transitions.size() >= static_cast<size_t>(policy_.flap_transitions)) {
    m.flapping = true;
    Log(incident, now, "keel", "flapping", fp);
  }
  if (alert.firing) {
    m.context = alert.context;
    m.severity = alert.severity;
    m.confidence = std::isfinite(alert.confidence) ? std::clamp(alert.confidence, 0.0, 1.0) : 1.0;
    m.confidence *= verdicts_.PrecisionOf(m.name, m.labels);
    m.silenced_by = ActiveSilenceFor(m.name, m.labels, now);
    if (m.silenced_by != 0) ++stats_.silenced;
  }
  Recompute(incident);
}

void IncidentCorrelator::Place(IncidentMember member, int64_t now) {
  if (member.silenced_by == 0)
    member.silenced_by = ActiveSilenceFor(member.name, member.labels, now);
  if (member.silenced_by != 0) ++stats_.silenced;
  if (auto cause = FindCause(member.name, member.labels)) {
    Incident& incident = active_.at(cause->incident);
    member.inhibited_by = cause->fingerprint;
    ++stats_.inhibited;
    incident.raw_events += member.events;
    incident.updated_ms = now;
    if (incident.members.size() < kMaxMembers) {
      by_fingerprint_[member.fingerprint] = incident.id;
      incident.members.push_back(std::move(member));
    }
    Recompute(incident);
    Touch(incident.id);
    return;
  }
  const std::string key = GroupKey(member.labels);
  Incident* target = nullptr;
  if (auto found = by_key_.find(key); found != by_key_.end()) {
    target = &active_.at(found->second);
  } else {
    for (auto it = resolved_.rbegin(); it != resolved_.rend(); ++it) {
      const Incident& old = it->second;
      if (old.group_key != key || old.resolved_by != "keel") continue;
      if (now - old.resolved_ms > policy_.reopen_window_ms) continue;
      const int64_t id = it->first;
      Incident reopened = std::move(resolved_.extract(id).mapped());
      reopened.state = IncidentState::kOpen;
      reopened.resolved_ms = 0;
      reopened.resolved_by.clear();
      ++reopened.reopened;
      Log(reopened, now, "keel", "reopened", member.fingerprint);
      for (const auto& m : reopened.members) by_fingerprint_[m.fingerprint] = id;
      target = &(active_[id] = std::move(reopened));
      break;
    }
    if (target == nullptr) {
      Incident fresh;
      fresh.id = next_id_++;
      fresh.group_key = key;
      fresh.opened_ms = now;
      ++stats_.incidents_opened;
      Log(fresh, now, "keel", "opened", member.fingerprint);
      target = &(active_[fresh.id] = std::move(fresh));
    }
    by_key_[key] = target->id;
  }
  target->updated_ms = now;
  Touch(target->id);
  const IncidentMember cause = member;
  if (IncidentMember* existing = FindMember(*target, member.fingerprint)) {
    // A reopened incident's own alert firing again: a change, not a new member.
    Alert again{member.name, member.labels,  member.severity, member.confidence,
                true,        member.last_ms, member.context};
    UpdateMember(*target, *existing, again, member.fingerprint, now);
  } else {
    target->raw_events += member.events;
    if (target->members.size() < kMaxMembers) {
      by_fingerprint_[member.fingerprint] = target->id;
      target->members.push_back(std::move(member));
    }
    Recompute(*target);
  }
  AdoptExplained(target->id, cause, now);
}

void IncidentCorrelator::AdoptExplained(int64_t cause_incident, const IncidentMember& cause,
                                        int64_t now) {
  std::vector<int64_t> adopted;
  for (const auto& [id, incident] : active_) {
    if (id == cause_incident || !incident.notified_as.empty() || incident.members.empty()) continue;
    bool all = true, any = false;
    for (const auto& m : incident.members) {
      const bool explained = Explains(cause, m.name, m.labels);
      any = any || explained;
      all = all && (explained || !m.inhibited_by.empty());
    }
    if (all && any) adopted.push_back(id);
  }
  Incident& host = active_.at(cause_incident);
  for (int64_t id : adopted) {
    Incident merged = std::move(active_.extract(id).mapped());
    for (auto m : merged.members) {
      if (m.inhibited_by.empty()) m.inhibited_by = cause.fingerprint;
      ++stats_.inhibited;
      by_fingerprint_[m.fingerprint] = cause_incident;
      if (host.members.size() < kMaxMembers) host.members.push_back(std::move(m));
    }
    host.raw_events += merged.raw_events;
    if (auto k = by_key_.find(merged.group_key); k != by_key_.end() && k->second == id) {
      by_key_.erase(k);
    }
    merged.state = IncidentState::kResolved;
    merged.resolved_ms = now;
    merged.resolved_by = "merged";
    merged.merged_into = cause_incident;
    merged.updated_ms = now;
    Log(merged, now, "keel", "merged",
        fmt::format("explained by {} in #{}", cause.fingerprint, cause_incident));
    Log(host, now, "keel", "adopted", fmt::format("#{}", id));
    ++stats_.incidents_merged;
    Touch(id);
    resolved_[id] = std::move(merged);
  }
  if (!adopted.empty()) {
    host.updated_ms = now;
    Recompute(host);
    Touch(cause_incident);
  }
}

Notification NotificationOf(const Incident& incident, const std::string& reason, int64_t at_ms) {
  Notification n;
  n.incident_id = incident.id;
  n.reason = reason;
  n.at_ms = at_ms;
  n.title = incident.Title();
  n.group_key = incident.group_key;
  n.priority = incident.priority();
  n.priority_score = incident.priority_score;
  n.severity = incident.severity;
  n.firing = incident.NotifiableFiring();
  return n;
}

void IncidentCorrelator::Notify(Incident& incident, const std::string& reason, int64_t now) {
  Notification n = NotificationOf(incident, reason, now);
  incident.notified_ms = now;
  incident.notified_priority = incident.priority_score;
  incident.notified_as = reason == "resolved" ? "resolved" : "firing";
  Log(incident, now, "keel", "notified", reason);
  pending_notifications_.push_back(std::move(n));
  ++stats_.notifications;
  Touch(incident.id);
}

void IncidentCorrelator::ResolveIncident(Incident& incident, const std::string& by,
                                         const std::string& note, int64_t now) {
  incident.state = IncidentState::kResolved;
  incident.resolved_ms = now;
  incident.resolved_by = by;
  incident.updated_ms = now;
  for (const auto& m : incident.members) {
    if (auto it = by_fingerprint_.find(m.fingerprint);
        it != by_fingerprint_.end() && it->second == incident.id) {
      by_fingerprint_.erase(it);
    }
  }
  if (auto k = by_key_.find(incident.group_key); k != by_key_.end() && k->second == incident.id) {
    by_key_.erase(k);
  }
  Log(incident, now, by, "resolved", note);
  if (incident.notified_as == "firing") Notify(incident, "resolved", now);
  Touch(incident.id);
}

CorrelationChanges IncidentCorrelator::Tick(int64_t now_ms) {
  const int64_t now = now_ms;
  std::erase_if(resolved_, [&](const auto& entry) {
    const Incident& in = entry.second;
    return in.resolved_by != "keel" || now - in.resolved_ms > policy_.reopen_window_ms;
  });
  std::vector<int64_t> quiet;
  for (auto& [id, incident] : active_) {
    bool own = false, own_quiet = true;
    for (auto& m : incident.members) {
      std::erase_if(m.transitions, [&](int64_t t) { return t < now - policy_.flap_window_ms; });
      if (m.flapping && m.transitions.empty()) {
        m.flapping = false;
        Log(incident, now, "keel", "stable", m.fingerprint);
        Touch(id);
      }
      if (m.firing) {
        const int64_t silence = ActiveSilenceFor(m.name, m.labels, now);
        if (silence != m.silenced_by) {
          m.silenced_by = silence;
          Touch(id);
        }
      }
      if (!m.inhibited_by.empty()) continue;
      own = true;
      if (m.firing || m.flapping || now - m.changed_ms < policy_.resolve_after_ms) {
        own_quiet = false;
      }
    }
    if (own && own_quiet) {
      quiet.push_back(id);
      continue;
    }
    if (incident.NotifiableFiring() == 0) continue;
    const int64_t since = now - incident.notified_ms;
    if (incident.notified_as.empty()) {
      // Some alert must have fired for group_wait on its own, or be
      // flapping (a persistent problem whose spells are short): a new blip
      // in an incident that was never notified waits like a first one.
      const bool held = std::any_of(
          incident.members.begin(), incident.members.end(), [&](const IncidentMember& m) {
            return m.firing && m.inhibited_by.empty() && m.silenced_by == 0 &&
                   (m.flapping || now - m.changed_ms >= policy_.group_wait_ms);
          });
      if (held) Notify(incident, "opened", now);
    } else if (incident.notified_as == "resolved") {
      if (since >= policy_.group_interval_ms) Notify(incident, "reopened", now);
    } else if (incident.priority() < PriorityName(incident.notified_priority)) {
      if (since >= policy_.group_interval_ms) Notify(incident, "escalated", now);
    } else if (incident.state == IncidentState::kOpen && since >= policy_.repeat_interval_ms) {
      Notify(incident, "repeated", now);
    }
  }
  for (int64_t id : quiet) {
    Incident incident = std::move(active_.extract(id).mapped());
    std::vector<IncidentMember> still_firing;
    std::erase_if(incident.members, [&](const IncidentMember& m) {
      if (m.inhibited_by.empty() || !m.firing) return false;
      still_firing.push_back(m);
      return true;
    });
    const std::string note =
        still_firing.empty()
            ? std::string("the cause cleared")
            : fmt::format(
                  "the cause cleared; {} explained alerts still fire and get incidents "
                  "of their own",
                  still_firing.size());
    ResolveIncident(incident, "keel", note, now);
    resolved_[id] = std::move(incident);
    for (auto& m : still_firing) {
      m.inhibited_by.clear();
      Place(std::move(m), now);
    }
  }
  return Collect();
}

Result<CorrelationChanges> IncidentCorrelator::Acknowledge(int64_t id, const std::string& by,
                                                           const std::string& note,
                                                           int64_t now_ms) {
  auto it = active_.find(id);
  if (it == active_.end()) return Status::NotFound(fmt::format("incident {} is not active", id));
  Incident& incident = it->second;
  if (incident.state == IncidentState::kAcknowledged) {
    return Status::FailedPrecondition(fmt::format("incident {} is already acknowledged", id));
  }
  incident.state = IncidentState::kAcknowledged;
  incident.acknowledged_ms = now_ms;
  incident.updated_ms = now_ms;
  Log(incident, now_ms, by, "acknowledged", note);
  Touch(id);
  return Collect();
}

Result<CorrelationChanges> IncidentCorrelator::Resolve(int64_t id, const std::string& by,
                                                       const std::string& note, int64_t now_ms) {
  if (!active_.contains(id)) {
    return Status::NotFound(fmt::format("incident {} is not active", id));
  }
  Incident incident = std::move(active_.extract(id).mapped());
  ResolveIncident(incident, by, note, now_ms);
  resolved_[id] = std::move(incident);
  return Collect();
}

Result<CorrelationChanges> IncidentCorrelator::Label(int64_t id, OperatorLabel label,
                                                     int64_t now_ms) {
  auto it = active_.find(id);
  if (it == active_.end()) return Status::NotFound(fmt::format("incident {} is not active", id));
  KEEL_RETURN_IF_ERROR(LabelIncident(it->second, std::move(label), now_ms));
  verdicts_.Record(it->second);
  Touch(id);
  return Collect();
}

int64_t IncidentCorrelator::IncidentOf(const std::string& fingerprint) const {
  auto it = by_fingerprint_.find(fingerprint);
  return it == by_fingerprint_.end() ? 0 : it->second;
}

const Incident* IncidentCorrelator::FindActive(int64_t id) const {
  auto it = active_.find(id);
  return it == active_.end() ? nullptr : &it->second;
}

std::vector<const Incident*> IncidentCorrelator::Active() const {
  std::vector<const Incident*> out;
  for (const auto& [id, incident] : active_) out.push_back(&incident);
  return out;
}

CorrelationChanges IncidentCorrelator::Collect() {
  CorrelationChanges changes;
  for (int64_t id : touched_) {
    if (auto a = active_.find(id); a != active_.end()) {
      changes.incidents.push_back(a->second);
    } else if (auto r = resolved_.find(id); r != resolved_.end()) {
      changes.incidents.push_back(r->second);
    }
  }
  touched_.clear();
  changes.notifications = std::move(pending_notifications_);
  pending_notifications_.clear();
  return changes;
}

}  // namespace keel::hub::alerts
