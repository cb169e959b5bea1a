#include "hub/alerts/incident.h"

#include <fmt/format.h>

#include <algorithm>

#include "common/strict_json.h"

namespace keel::hub::alerts {

std::string_view IncidentStateName(IncidentState state) {
  switch (state) {
    case IncidentState::kOpen:
      return "open";
    case IncidentState::kAcknowledged:
      return "acknowledged";
    case IncidentState::kResolved:
      return "resolved";
  }
  return "open";
}

std::optional<IncidentState> ParseIncidentState(std::string_view text) {
  if (text == "open") return IncidentState::kOpen;
  if (text == "acknowledged") return IncidentState::kAcknowledged;
  if (text == "resolved") return IncidentState::kResolved;
  return std::nullopt;
}

std::string PriorityName(int score) {
  if (score >= 60) return "P1";
  if (score >= 35) return "P2";
  if (score >= 15) return "P3";
  return "P4";
}

std::string Incident::priority() const { return PriorityName(priority_score); }

size_t Incident::NotifiableFiring() const {
  size_t n = 0;
  for (const auto& m : members) {
    if (m.firing && m.inhibited_by.empty() && m.silenced_by == 0) ++n;
  }
  return n;
}

std::string Incident::Title() const {
  // Named after its most severe own alert that fires (else of all its own
  // alerts), the first of those on a tie.
  const IncidentMember* lead = nullptr;
  auto rank = [](const IncidentMember& m) { return 10 * m.firing + static_cast<int>(m.severity); };
  for (const auto& m : members) {
    if (m.inhibited_by.empty() && (lead == nullptr || rank(m) > rank(*lead))) lead = &m;
  }
  std::string cause = lead != nullptr ? lead->name : std::string("incident");
  size_t explained = 0;
  for (const auto& m : members) {
    if (!m.inhibited_by.empty()) ++explained;
  }
  std::string title = fmt::format("{} on {}", cause, group_key.empty() ? "(all)" : group_key);
  const size_t own = members.size() - explained;
  if (own > 1) title += fmt::format(" (+{} related)", own - 1);
  if (explained > 0) title += fmt::format(" (+{} explained)", explained);
  return title;
}

Status LabelIncident(Incident& incident, OperatorLabel label, int64_t now_ms) {
  if (label.verdict != "true_positive" && label.verdict != "false_positive") {
    return Status::InvalidArgument("label: verdict \"" + label.verdict +
                                   "\" is not true_positive or false_positive");
  }
  label.at_ms = now_ms;
  label.window_from_ms = incident.first_event_ms - kLabelMarginMs;
  label.window_to_ms = incident.last_event_ms + kLabelMarginMs;
  label.devices.clear();
  for (const auto& m : incident.members) {
    const std::string_view device = LabelOr(m.labels, "device");
    if (!device.empty() &&
        std::find(label.devices.begin(), label.devices.end(), device) == label.devices.end()) {
      label.devices.emplace_back(device);
    }
  }
  incident.history.push_back({now_ms, label.by, "labelled",
                              label.verdict + (label.cause.empty() ? "" : ": " + label.cause)});
  incident.updated_ms = now_ms;
  incident.label = std::move(label);
  return Status::Ok();
}

namespace {

Result<Severity> ReadSeverity(JsonMembers& f, std::string_view key) {
  KEEL_ASSIGN_OR_RETURN(std::string text, f.String(key));
  auto severity = ParseSeverity(text);
  if (!severity) return f.Error(key, "\"" + text + "\" is not info, warning or critical");
  return *severity;
}

nlohmann::json MemberToJson(const IncidentMember& m) {
  return {{"fingerprint", m.fingerprint},
          {"name", m.name},
          {"labels", m.labels},
          {"severity", SeverityName(m.severity)},
          {"confidence", m.confidence},
          {"firing", m.firing},
          {"first_ms", m.first_ms},
          {"last_ms", m.last_ms},
          {"changed_ms", m.changed_ms},
          {"events", m.events},
          {"transitions", m.transitions},
          {"flapping", m.flapping},
          {"inhibited_by", m.inhibited_by},
          {"silenced_by", m.silenced_by},
          {"context", m.context}};
}

Result<IncidentMember> MemberFromJson(JsonMembers& f) {
  IncidentMember m;
  KEEL_ASSIGN_OR_RETURN(m.fingerprint, f.String("fingerprint"));
  KEEL_ASSIGN_OR_RETURN(m.name, f.String("name"));
  KEEL_ASSIGN_OR_RETURN(m.labels, f.StringMap("labels"));
  KEEL_ASSIGN_OR_RETURN(m.severity, ReadSeverity(f, "severity"));
  KEEL_ASSIGN_OR_RETURN(m.confidence, f.Number("confidence"));
  KEEL_ASSIGN_OR_RETURN(m.firing, f.Bool("firing"));
  KEEL_ASSIGN_OR_RETURN(m.first_ms, f.Int("first_ms"));
  KEEL_ASSIGN_OR_RETURN(m.last_ms, f.Int("last_ms"));
  KEEL_ASSIGN_OR_RETURN(m.changed_ms, f.Int("changed_ms"));
  KEEL_ASSIGN_OR_RETURN(int64_t events, f.Int("events"));
  m.events = static_cast<uint64_t>(events);
  KEEL_ASSIGN_OR_RETURN(m.transitions, f.IntArray("transitions"));
  KEEL_ASSIGN_OR_RETURN(m.flapping, f.Bool("flapping"));
  KEEL_ASSIGN_OR_RETURN(m.inhibited_by, f.String("inhibited_by"));
  KEEL_ASSIGN_OR_RETURN(m.silenced_by, f.Int("silenced_by"));
  KEEL_ASSIGN_OR_RETURN(const nlohmann::json* context, f.Object("context"));
  m.context = *context;
  return m;
}

}  // namespace

nlohmann::json IncidentToJson(const Incident& incident) {
  nlohmann::json members = nlohmann::json::array();
  for (const auto& m : incident.members) members.push_back(MemberToJson(m));
  nlohmann::json history = nlohmann::json::array();
  for (const auto& h : incident.history) {
    history.push_back(
        {{"at_ms", h.at_ms}, {"actor", h.actor}, {"action", h.action}, {"note", h.note}});
  }
  nlohmann::json label = nullptr;
  if (incident.label) {
    label = {{"verdict", incident.label->verdict},
             {"cause", incident.label->cause},
             {"by", incident.label->by},
             {"at_ms", incident.label->at_ms},
             {"window_from_ms", incident.label->window_from_ms},
             {"window_to_ms", incident.label->window_to_ms},
             {"devices", incident.label->devices}};
  }
  return {{"id", incident.id},
          {"title", incident.Title()},
          {"group_key", incident.group_key},
          {"state", IncidentStateName(incident.state)},
          {"priority", incident.priority()},
          {"priority_score", incident.priority_score},
          {"severity", SeverityName(incident.severity)},
          {"opened_ms", incident.opened_ms},
          {"updated_ms", incident.updated_ms},
          {"acknowledged_ms", incident.acknowledged_ms},
          {"resolved_ms", incident.resolved_ms},
          {"resolved_by", incident.resolved_by},
          {"merged_into", incident.merged_into},
          {"first_event_ms", incident.first_event_ms},
          {"last_event_ms", incident.last_event_ms},
          {"raw_events", incident.raw_events},
          {"notified_ms", incident.notified_ms},
          {"notified_priority", incident.notified_priority},
          {"notified_as", incident.notified_as},
          {"reopened", incident.reopened},
          {"members", std::move(members)},
          {"label", std::move(label)},
          {"history", std::move(history)}};
}

Result<Incident> IncidentFromJson(const nlohmann::json& json) {
  JsonMembers f(json, "incident");
  KEEL_RETURN_IF_ERROR(f.RequireObject());
  Incident in;
  KEEL_ASSIGN_OR_RETURN(in.id, f.Int("id"));
  KEEL_ASSIGN_OR_RETURN(in.group_key, f.String("group_key"));
  KEEL_ASSIGN_OR_RETURN(std::string state, f.String("state"));
  auto parsed_state = ParseIncidentState(state);
  if (!parsed_state)
    return f.Error("state", "\"" + state + "\" is not open, acknowledged or resolved");
  in.state = *parsed_state;
  KEEL_ASSIGN_OR_RETURN(in.priority_score, f.Int("priority_score"));
  KEEL_ASSIGN_OR_RETURN(in.severity, ReadSeverity(f, "severity"));
  KEEL_ASSIGN_OR_RETURN(in.opened_ms, f.Int("opened_ms"));
  KEEL_ASSIGN_OR_RETURN(in.updated_ms, f.Int("updated_ms"));
  KEEL_ASSIGN_OR_RETURN(in.acknowledged_ms, f.Int("acknowledged_ms"));
  KEEL_ASSIGN_OR_RETURN(in.resolved_ms, f.Int("resolved_ms"));
  KEEL_ASSIGN_OR_RETURN(in.resolved_by, f.String("resolved_by"));
  KEEL_ASSIGN_OR_RETURN(in.merged_into, f.Int("merged_into"));
  KEEL_ASSIGN_OR_RETURN(in.first_event_ms, f.Int("first_event_ms"));
  KEEL_ASSIGN_OR_RETURN(in.last_event_ms, f.Int("last_event_ms"));
  KEEL_ASSIGN_OR_RETURN(int64_t raw, f.Int("raw_events"));
  in.raw_events = static_cast<uint64_t>(raw);
  KEEL_ASSIGN_OR_RETURN(in.notified_ms, f.Int("notified_ms"));
  KEEL_ASSIGN_OR_RETURN(in.notified_priority, f.Int("notified_priority"));
  KEEL_ASSIGN_OR_RETURN(in.notified_as, f.String("notified_as"));
  KEEL_ASSIGN_OR_RETURN(int64_t reopened, f.Int("reopened"));
  in.reopened = static_cast<uint32_t>(reopened);
  KEEL_ASSIGN_OR_RETURN(auto members, f.ObjectArray("members"));
  for (auto& member : members) {
    KEEL_ASSIGN_OR_RETURN(auto m, MemberFromJson(member));
    in.members.push_back(std::move(m));
  }
  if (json.contains("label") && !json["label"].is_null()) {
    KEEL_ASSIGN_OR_RETURN(auto label, f.Child("label"));
    OperatorLabel l;
    KEEL_ASSIGN_OR_RETURN(l.verdict, label.String("verdict"));
    KEEL_ASSIGN_OR_RETURN(l.cause, label.String("cause"));
    KEEL_ASSIGN_OR_RETURN(l.by, label.String("by"));
    KEEL_ASSIGN_OR_RETURN(l.at_ms, label.Int("at_ms"));
    KEEL_ASSIGN_OR_RETURN(l.window_from_ms, label.Int("window_from_ms"));
    KEEL_ASSIGN_OR_RETURN(l.window_to_ms, label.Int("window_to_ms"));
    KEEL_ASSIGN_OR_RETURN(l.devices, label.StringArray("devices"));
    in.label = std::move(l);
  }
  KEEL_ASSIGN_OR_RETURN(auto history, f.ObjectArray("history"));
  for (auto& entry : history) {
    IncidentActivity a;
    KEEL_ASSIGN_OR_RETURN(a.at_ms, entry.Int("at_ms"));
    KEEL_ASSIGN_OR_RETURN(a.actor, entry.String("actor"));
    KEEL_ASSIGN_OR_RETURN(a.action, entry.String("action"));
    KEEL_ASSIGN_OR_RETURN(a.note, entry.String("note"));
    in.history.push_back(std::move(a));
  }
  return in;
}

}  // namespace keel::hub::alerts
