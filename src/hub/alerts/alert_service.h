// AlertService: the hub's contextual alerting (issue 5; docs/alerts.md).
// Consumes bus events (OnEvent, the "alerts" stage), turns the ones that are
// alerts into Alerts enriched with the device's topology context (site,
// gateway, asset, criticality, tags: hub/topology TopologyService::ContextOf),
// runs them through IncidentCorrelator,
// and stores every changed incident together with the notifications it
// caused (IncidentStore, one transaction). Operators act through it
// (acknowledge, resolve, label, silences); the API and keelctl sit on top.
//
// Durability: on Open it restores the active incidents (and those the
// correlator resolved inside the reopen window), so a hub restart keeps
// open incidents open and their alerts' clears still match. If a store
// write fails the service logs it, counts keel_alerts_store_errors_total
// and goes on: the next change of the incident rewrites it whole.
//
// Thread-safe: one mutex serializes the correlator; Tick() is driven by
// the owner (about every second).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/metrics.h"
#include "common/status.h"
#include "hub/alerts/correlation_policy.h"
#include "hub/alerts/incident_correlator.h"
#include "hub/bus/event.h"
#include "hub/store/incident_store.h"

namespace keel::hub::alerts {

class AlertService {
 public:
  // The correlation labels of a device; called on the bus thread, must be
  // thread-safe and fast (cached).
  using ContextProvider = std::function<Labels(const std::string& device)>;

  // `store`, `clock` and `metrics` must outlive the service; a null
  // `context` adds no labels.
  static Result<std::unique_ptr<AlertService>> Open(IncidentStore& store, ContextProvider context,
                                                    const Clock& clock, MetricsRegistry& metrics,
                                                    CorrelationPolicy policy = {});

  // The bus handler. Never throws.
  void OnEvent(const bus::Event& event);
  // Timers: notifications after group_wait, repeats, auto-resolve, silences.
  void Tick();

  Result<Incident> Get(int64_t id);
  // Newest first.
  Result<std::vector<Incident>> List(const IncidentQuery& query);
  Result<Incident> Acknowledge(int64_t id, const std::string& by, const std::string& note);
  Result<Incident> Resolve(int64_t id, const std::string& by, const std::string& note);
  // Any incident, active or resolved.
  Result<Incident> Label(int64_t id, OperatorLabel label);

  // `request` as SilenceFromJson(stored = false); returns it with its id.
  Result<Silence> AddSilence(const nlohmann::json& request, const std::string& by);
  // Ends an active silence now (FailedPrecondition if it already ended).
  Result<Silence> ExpireSilence(int64_t id, const std::string& by);
  std::vector<Silence> Silences();

  CorrelatorStats stats();

 private:
  AlertService(IncidentStore& store, ContextProvider context, const Clock& clock,
               MetricsRegistry& metrics, CorrelationPolicy policy);
  void Persist(const CorrelationChanges& changes);  // requires mu_
  Result<Incident> Decode(const StoredIncident& stored) const;

  IncidentStore& store_;
  ContextProvider context_;
  const Clock& clock_;
  MetricsRegistry& metrics_;
  Counter& alerts_total_;
  Counter& store_errors_;
  Gauge& active_;  // keel_incidents_active
  std::mutex mu_;
  IncidentCorrelator correlator_;  // guarded by mu_
  std::vector<Silence> silences_;  // guarded by mu_
};

}  // namespace keel::hub::alerts
