#include "hub/alerts/alert_replay.h"

#include <fmt/format.h>

#include <map>
#include <vector>

#include "common/strict_json.h"
#include "hub/alerts/alert_from_event.h"
#include "hub/alerts/incident_correlator.h"

namespace keel::hub::alerts {
namespace {

constexpr size_t kMaxLineBytes = 1 << 20;
constexpr int kMaxLineDepth = 32;
constexpr int64_t kTickMs = 1000;
// Event times must lie in [2000-01-01, 2100-01-01), as on the wire.
constexpr int64_t kMinTimeMs = 946'684'800'000;
constexpr int64_t kMaxTimeMs = 4'102'444'800'000;
constexpr int64_t kFineTicksMs = 15 * 60 * 1000;

// The correlator ticks every second for 15 minutes after an event; in a
// longer quiet spell the step grows to 1% of the quiet time, so a gap of
// days costs a few hundred ticks (timers fire at most 1% late).
int64_t NextTick(int64_t tick, int64_t last_event_ms) {
  const int64_t quiet = tick - last_event_ms;
  const int64_t step = quiet <= kFineTicksMs ? kTickMs : std::max(kTickMs, quiet / 100);
  return tick + step;
}

bus::EventKind KindOfType(std::string_view type) {
  using bus::EventKind;
  if (type == "device.online") return EventKind::kDeviceOnline;
  if (type == "device.offline") return EventKind::kDeviceOffline;
  if (type.starts_with("attestation.")) return EventKind::kAttestation;
  if (type.starts_with("deployment.")) return EventKind::kOtaState;
  if (type == "telemetry.batch") return EventKind::kTelemetry;
  return bus::KindOfDeviceEvent(type);
}

}  // namespace

Result<bus::Event> ParseRecordedEvent(const std::string& line, const std::string& where) {
  KEEL_ASSIGN_OR_RETURN(nlohmann::json json,
                        ParseStrictJson(line, where, kMaxLineBytes, kMaxLineDepth));
  JsonMembers f(json, where);
  KEEL_RETURN_IF_ERROR(f.RequireObject());
  bus::Event event;
  KEEL_ASSIGN_OR_RETURN(event.t_ms, f.Int("t"));
  if (event.t_ms < kMinTimeMs || event.t_ms >= kMaxTimeMs) {
    return f.Error("t", fmt::format("{} is not between 2000-01-01 and 2100-01-01", event.t_ms));
  }
  KEEL_ASSIGN_OR_RETURN(event.type, f.String("type"));
  if (event.type.empty()) return f.Error("type", "must not be empty");
  if (f.Has("device")) {
    KEEL_ASSIGN_OR_RETURN(event.device, f.String("device"));
  }
  if (f.Has("data")) {
    KEEL_ASSIGN_OR_RETURN(const nlohmann::json* data, f.Object("data"));
    event.data = *data;
  }
  KEEL_RETURN_IF_ERROR(f.Finish());
  event.kind = KindOfType(event.type);
  return event;
}

namespace {

// Collects what the correlator reported while the stream plays.
struct Recorder {
  std::map<int64_t, Incident> incidents;
  std::map<int64_t, std::vector<int64_t>> lines;  // incident -> member event lines
  std::map<std::string, uint64_t> by_reason;
  uint64_t notifications = 0;

  void Absorb(CorrelationChanges changes) {
    for (auto& incident : changes.incidents) incidents[incident.id] = std::move(incident);
    for (const auto& n : changes.notifications) {
      ++notifications;
      ++by_reason[n.reason];
    }
  }

  // Follows merged_into to the incident that finally holds `id`'s alerts.
  int64_t Host(int64_t id) const {
    for (int hops = 0; hops < 1000; ++hops) {
      auto it = incidents.find(id);
      if (it == incidents.end() || it->second.merged_into == 0) return id;
      id = it->second.merged_into;
    }
    return id;
  }
};

nlohmann::json Report(const Recorder& r, uint64_t events, uint64_t derived, uint64_t raw,
                      const CorrelatorStats& stats) {
  std::map<int64_t, std::vector<int64_t>> member_lines;
  for (const auto& [id, lines] : r.lines) {
    auto& host = member_lines[r.Host(id)];
    host.insert(host.end(), lines.begin(), lines.end());
  }
  nlohmann::json incidents = nlohmann::json::array();
  for (const auto& [id, incident] : r.incidents) {
    if (incident.merged_into != 0) continue;
    auto lines = member_lines[id];
    std::sort(lines.begin(), lines.end());
    incidents.push_back({{"id", id},
                         {"title", incident.Title()},
                         {"state", IncidentStateName(incident.state)},
                         {"priority", incident.priority()},
                         {"priority_score", incident.priority_score},
                         {"first_event_ms", incident.first_event_ms},
                         {"last_event_ms", incident.last_event_ms},
                         {"notified", !incident.notified_as.empty()},
                         {"members", incident.members.size()},
                         {"member_events", lines}});
  }
  return {{"events", events},
          {"derived_events", derived},
          {"raw_detections", raw},
          {"notifications", r.notifications},
          {"notifications_by_reason", r.by_reason},
          {"incidents", std::move(incidents)},
          {"correlator",
           {{"repeats", stats.repeats},
            {"unmatched_clears", stats.unmatched_clears},
            {"inhibited", stats.inhibited},
            {"silenced", stats.silenced},
            {"incidents_opened", stats.incidents_opened},
            {"incidents_merged", stats.incidents_merged}}}};
}

}  // namespace

Result<nlohmann::json> ReplayAlerts(std::istream& events, std::string_view source,
                                    const ReplayOptions& options) {
  IncidentCorrelator correlator(options.policy);
  Recorder recorder;
  const int64_t drain =
      options.drain_ms >= 0 ? options.drain_ms : options.policy.group_wait_ms + kTickMs;
  int64_t now = 0, next_tick = 0;
  uint64_t count = 0, derived = 0, raw = 0;
  // Correlates one event at the replay clock; `number`: its input line (0
  // for what a tick derived).
  auto observe = [&](const bus::Event& event, int64_t number) {
    const Labels context = options.context ? options.context(event.device) : Labels();
    auto alert = AlertFromEvent(event, context);
    if (!alert) return;
    ++raw;
    recorder.Absorb(correlator.Observe(*alert, now));
    if (const int64_t id = correlator.IncidentOf(Fingerprint(*alert)); id != 0 && number > 0) {
      recorder.lines[id].push_back(number);
    }
  };
  auto tick = [&](int64_t at) {
    if (options.derive) {
      for (const auto& e : options.derive(nullptr, at)) {
        ++derived;
        observe(e, 0);
      }
    }
    recorder.Absorb(correlator.Tick(at));
  };
  std::string line;
  for (int64_t number = 1; std::getline(events, line); ++number) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    const std::string where = fmt::format("{}:{}", source, number);
    KEEL_ASSIGN_OR_RETURN(bus::Event event, ParseRecordedEvent(line, where));
    ++count;
    if (now != 0 && event.t_ms < now - options.max_disorder_ms) {
      return Status::InvalidArgument(
          fmt::format("{}: t {} is more than {} ms before an earlier event ({})", where, event.t_ms,
                      options.max_disorder_ms, now));
    }
    if (now == 0) next_tick = event.t_ms + kTickMs;
    for (; next_tick <= event.t_ms; next_tick = NextTick(next_tick, now)) tick(next_tick);
    now = std::max(now, event.t_ms);
    next_tick = std::min(next_tick, now + kTickMs);  // fine steps again after an event
    observe(event, number);
    if (options.derive) {
      for (const auto& e : options.derive(&event, now)) {
        ++derived;
        observe(e, number);
      }
    }
  }
  if (events.bad()) return Status::IoError(std::string(source) + ": read failed");
  for (const int64_t end = now + drain; now != 0 && next_tick <= end;
       next_tick = NextTick(next_tick, now)) {
    tick(next_tick);
  }
  return Report(recorder, count, derived, raw, correlator.stats());
}

}  // namespace keel::hub::alerts
