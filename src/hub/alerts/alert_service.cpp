#include "hub/alerts/alert_service.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "hub/alerts/alert_from_event.h"

namespace keel::hub::alerts {
namespace {

StoredIncident ToStored(const Incident& incident) {
  return {incident.id, std::string(IncidentStateName(incident.state)), incident.updated_ms,
          IncidentToJson(incident).dump()};
}

}  // namespace

AlertService::AlertService(IncidentStore& store, ContextProvider context, const Clock& clock,
                           MetricsRegistry& metrics, CorrelationPolicy policy)
    : store_(store),
      context_(std::move(context)),
      clock_(clock),
      metrics_(metrics),
      alerts_total_(metrics.GetCounter("keel_alerts_total", "Bus events that were alerts")),
      store_errors_(metrics.GetCounter("keel_alerts_store_errors_total",
                                       "Incident changes the store failed to write")),
      active_(metrics.GetGauge("keel_incidents_active", "Incidents open or acknowledged")),
      correlator_(std::move(policy)) {}

Result<std::unique_ptr<AlertService>> AlertService::Open(IncidentStore& store,
                                                         ContextProvider context,
                                                         const Clock& clock,
                                                         MetricsRegistry& metrics,
                                                         CorrelationPolicy policy) {
  const int64_t reopen_window = policy.reopen_window_ms;
  std::unique_ptr<AlertService> service(
      new AlertService(store, std::move(context), clock, metrics, std::move(policy)));
  const int64_t now = clock.NowMs();
  IncidentQuery active;
  active.active_only = true;
  active.limit = 100'000;
  KEEL_ASSIGN_OR_RETURN(auto stored, store.ListIncidents(active));
  IncidentQuery recent;
  recent.state = "resolved";
  recent.updated_since_ms = now - reopen_window;
  recent.limit = 100'000;
  KEEL_ASSIGN_OR_RETURN(auto resolved, store.ListIncidents(recent));
  stored.insert(stored.end(), resolved.begin(), resolved.end());
  std::vector<Incident> incidents;
  for (const auto& row : stored) {
    KEEL_ASSIGN_OR_RETURN(auto incident, service->Decode(row));
    incidents.push_back(std::move(incident));
  }
  KEEL_ASSIGN_OR_RETURN(const int64_t max_id, store.MaxIncidentId());
  KEEL_ASSIGN_OR_RETURN(auto silences, store.ListSilences());
  for (const auto& row : silences) {
    auto body = nlohmann::json::parse(row.body, nullptr, false);
    auto silence = SilenceFromJson(body, /*stored=*/true, now);
    if (!silence.ok()) {
      return silence.status().WithContext(fmt::format("hub store: silence {}", row.id));
    }
    silence->id = row.id;
    service->silences_.push_back(std::move(*silence));
  }
  // The verdicts operators gave, newest incidents first (at most 100,000).
  IncidentQuery all;
  all.limit = 100'000;
  KEEL_ASSIGN_OR_RETURN(auto history, store.ListIncidents(all));
  std::lock_guard lock(service->mu_);
  for (const auto& row : history) {
    // Cheap pre-filter: bodies are compact JSON (IncidentToJson().dump()).
    if (row.body.find("\"label\":null") != std::string::npos) continue;
    auto incident = service->Decode(row);
    if (incident.ok()) service->correlator_.RecordVerdict(*incident);
  }
  service->correlator_.Restore(std::move(incidents), max_id + 1);
  service->correlator_.SetSilences(service->silences_);
  service->active_.Set(static_cast<double>(service->correlator_.Active().size()));
  if (!incidents.empty() || !service->silences_.empty()) {
    spdlog::info("alerts: restored {} active incidents and {} silences",
                 service->correlator_.Active().size(), service->silences_.size());
  }
  return service;
}

Result<Incident> AlertService::Decode(const StoredIncident& stored) const {
  auto json = nlohmann::json::parse(stored.body, nullptr, false);
  auto incident = IncidentFromJson(json);
  if (!incident.ok()) {
    return incident.status().WithContext(fmt::format("hub store: incident {}", stored.id));
  }
  return incident;
}

void AlertService::Persist(const CorrelationChanges& changes) {
  active_.Set(static_cast<double>(correlator_.Active().size()));
  if (changes.empty()) return;
  std::vector<StoredIncident> incidents;
  for (const auto& incident : changes.incidents) incidents.push_back(ToStored(incident));
  std::vector<StoredNotification> notifications;
  for (const auto& n : changes.notifications) {
    notifications.push_back({0, n.incident_id, NotificationToJson(n).dump(), 0});
    metrics_
        .GetCounter("keel_alerts_notifications_total", "Notifications decided, by reason",
                    {{"reason", n.reason}})
        .Increment();
    spdlog::info("alerts: incident #{} {} [{}] {}", n.incident_id, n.reason, n.priority, n.title);
  }
  Status saved = store_.SaveIncidents(incidents, notifications);
  if (!saved.ok()) {
    store_errors_.Increment();
    spdlog::error("alerts: storing {} incident changes: {}", incidents.size(), saved.ToString());
  }
}

void AlertService::OnEvent(const bus::Event& event) {
  // The context is looked up before taking mu_: the provider may read a store.
  const Labels context = context_ && !event.device.empty() ? context_(event.device) : Labels();
  auto alert = AlertFromEvent(event, context);
  if (!alert) return;
  alerts_total_.Increment();
  std::lock_guard lock(mu_);
  Persist(correlator_.Observe(*alert, clock_.NowMs()));
}

void AlertService::Tick() {
  std::lock_guard lock(mu_);
  Persist(correlator_.Tick(clock_.NowMs()));
}

Result<Incident> AlertService::Get(int64_t id) {
  {
    std::lock_guard lock(mu_);
    if (const Incident* active = correlator_.FindActive(id)) return *active;
  }
  KEEL_ASSIGN_OR_RETURN(auto stored, store_.GetIncident(id));
  return Decode(stored);
}

Result<std::vector<Incident>> AlertService::List(const IncidentQuery& query) {
  KEEL_ASSIGN_OR_RETURN(auto rows, store_.ListIncidents(query));
  std::vector<Incident> out;
  for (const auto& row : rows) {
    KEEL_ASSIGN_OR_RETURN(auto incident, Decode(row));
    out.push_back(std::move(incident));
  }
  return out;
}

namespace {

// The one changed incident `id` in `changes`.
Result<Incident> Changed(const CorrelationChanges& changes, int64_t id) {
  for (const auto& incident : changes.incidents) {
    if (incident.id == id) return incident;
  }
  return Status::Internal(fmt::format("incident {} was not reported changed", id));
}

}  // namespace

Result<Incident> AlertService::Acknowledge(int64_t id, const std::string& by,
                                           const std::string& note) {
  std::lock_guard lock(mu_);
  KEEL_ASSIGN_OR_RETURN(auto changes, correlator_.Acknowledge(id, by, note, clock_.NowMs()));
  Persist(changes);
  return Changed(changes, id);
}

Result<Incident> AlertService::Resolve(int64_t id, const std::string& by, const std::string& note) {
  std::lock_guard lock(mu_);
  KEEL_ASSIGN_OR_RETURN(auto changes, correlator_.Resolve(id, by, note, clock_.NowMs()));
  Persist(changes);
  return Changed(changes, id);
}

Result<Incident> AlertService::Label(int64_t id, OperatorLabel label) {
  std::lock_guard lock(mu_);
  const int64_t now = clock_.NowMs();
  if (correlator_.FindActive(id) != nullptr) {
    KEEL_ASSIGN_OR_RETURN(auto changes, correlator_.Label(id, std::move(label), now));
    Persist(changes);
    return Changed(changes, id);
  }
  KEEL_ASSIGN_OR_RETURN(auto stored, store_.GetIncident(id));
  KEEL_ASSIGN_OR_RETURN(auto incident, Decode(stored));
  KEEL_RETURN_IF_ERROR(LabelIncident(incident, std::move(label), now));
  KEEL_RETURN_IF_ERROR(store_.SaveIncidents({ToStored(incident)}, {}));
  correlator_.RecordVerdict(incident);
  return incident;
}

Result<Silence> AlertService::AddSilence(const nlohmann::json& request, const std::string& by) {
  std::lock_guard lock(mu_);
  const int64_t now = clock_.NowMs();
  KEEL_ASSIGN_OR_RETURN(auto silence, SilenceFromJson(request, /*stored=*/false, now));
  silence.created_by = by;
  silence.created_ms = now;
  KEEL_ASSIGN_OR_RETURN(silence.id, store_.AddSilence(SilenceToJson(silence).dump()));
  silences_.push_back(silence);
  correlator_.SetSilences(silences_);
  return silence;
}

Result<Silence> AlertService::ExpireSilence(int64_t id, const std::string& by) {
  std::lock_guard lock(mu_);
  const int64_t now = clock_.NowMs();
  for (auto& silence : silences_) {
    if (silence.id != id) continue;
    if (silence.ends_ms <= now) {
      return Status::FailedPrecondition(fmt::format("silence {} already ended", id));
    }
    Silence ended = silence;
    ended.ends_ms = std::max(now, ended.starts_ms + 1);
    ended.comment += fmt::format(" [ended early by {}]", by);
    KEEL_RETURN_IF_ERROR(store_.UpdateSilence(id, SilenceToJson(ended).dump()));
    silence = ended;
    correlator_.SetSilences(silences_);
    return ended;
  }
  return Status::NotFound(fmt::format("no silence {}", id));
}

std::vector<Silence> AlertService::Silences() {
  std::lock_guard lock(mu_);
  return silences_;
}

CorrelatorStats AlertService::stats() {
  std::lock_guard lock(mu_);
  return correlator_.stats();
}

}  // namespace keel::hub::alerts
