// AlertService: the hub's contextual alerting (issue 5; docs/alerts.md).
// Consumes bus events (OnEvent, the "alerts" stage), turns the ones that are
// alerts into Alerts enriched with the device's topology (its tags: site,
// gateway, asset, criticality...), runs them through IncidentCorrelator,
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
#include <map>
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
#include "hub/store/rollout_store.h"

namespace keel::hub::alerts {

class AlertService {
 public:
  // `store`, `tags` (device tags: the topology), `clock` and `metrics` must
  // outlive the service.
  static Result<std::unique_ptr<AlertService>> Open(IncidentStore& store, RolloutStore& tags,
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
  AlertService(IncidentStore& store, RolloutStore& tags, const Clock& clock,
               MetricsRegistry& metrics, CorrelationPolicy policy);
  Labels TopologyOf(const std::string& device);     // requires mu_
  void RefreshTopology(int64_t now);                // requires mu_
  void Persist(const CorrelationChanges& changes);  // requires mu_
  Result<Incident> Decode(const StoredIncident& stored) const;

  IncidentStore& store_;
  RolloutStore& tags_;
  const Clock& clock_;
  MetricsRegistry& metrics_;
  Counter& alerts_total_;
  Counter& store_errors_;
  Gauge& active_;  // keel_incidents_active
  std::mutex mu_;
  IncidentCorrelator correlator_;               // guarded by mu_
  std::vector<Silence> silences_;               // guarded by mu_
  std::map<std::string, DeviceTags> topology_;  // guarded by mu_
  int64_t topology_loaded_ms_ = 0;              // guarded by mu_
};

}  // namespace keel::hub::alerts
