// AlertmanagerRun: the same scenario through the real Prometheus
// Alertmanager, configured as the equivalent of a Keel CorrelationPolicy,
// to compare notification counts (docs/benchmarks.md, "Alerting").
//
// Translation of the policy (AlertmanagerConfig):
//   group_by, group_wait, group_interval, repeat_interval -> the route's,
//     every duration divided by the speedup; resolve_timeout (unused: every
//     alert carries endsAt) is Keel's resolve_after scaled the same way;
//   the webhook receiver with send_resolved (Keel notifies "resolved" too);
//   each inhibit rule -> an inhibit_rule: source_matchers alertname =
//     source_name plus source_match, target_matchers alertname =
//     target_name (none when empty), equal = the label pairs. Alertmanager's
//     `equal` needs the same label on both sides, so Keel's (gateway ==
//     source device) becomes: the source must carry role="gateway" (only a
//     gateway has devices behind it), and the feeder gives such a source
//     alert the label gateway=<its own device id>. Other pairs with two
//     different names cannot be expressed (InvalidArgument).
//   Keel's flapping, resolve_after and reopen_window have no Alertmanager
//   equivalent and are not translated.
//
// The feed (what Prometheus would send): every event runs through
// AlertFromEvent with the topology labels, exactly as Keel sees it; an
// alert that starts firing is posted at once with startsAt = its event
// time and endsAt = now + 4 resend intervals, and every firing alert is
// re-posted each resend interval (Prometheus' resend_delay, 1 min); a clear
// of a firing alert is posted with endsAt = now; a repeat raise of a firing
// alert and a clear of an alert that is not firing send nothing. Simulated
// time runs `speedup` times faster than the wall clock; after the last
// event the feed goes on for `drain_ms` (simulated).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "alerts/scenario_check.h"
#include "common/status.h"
#include "hub/alerts/correlation_policy.h"

namespace keel::bench {

struct AlertmanagerRunOptions {
  std::string executable = "/usr/bin/prometheus-alertmanager";
  double speedup = 300;        // simulated ms per real ms
  int64_t resend_ms = 60'000;  // simulated; Prometheus' default resend_delay
  int64_t drain_ms = 0;        // simulated, after the last event
};

// The alertmanager.yml equivalent to `policy` at `speedup`, notifying
// `webhook_url`.
Result<std::string> AlertmanagerConfig(const hub::alerts::CorrelationPolicy& policy, double speedup,
                                       const std::string& webhook_url);

// Starts Alertmanager (loopback, free port, temporary storage, clustering
// off) with AlertmanagerConfig, feeds it the scenario, counts what its
// webhook receiver gets and stops it. JSON: notifications (webhook POSTs),
// alerts_in_notifications (firing, resolved), groups_notified, faults and
// faults_covered (a notification carried a firing alert of the fault: one
// of its devices and alerts, raised inside its window), per fault the
// groups and notifications that carried its firing alerts, posts, how
// late the feed ran and the real seconds it took. Unavailable when Alertmanager does not start.
Result<nlohmann::json> RunAlertmanager(const LoadedScenario& scenario,
                                       const hub::alerts::CorrelationPolicy& policy,
                                       const AlertmanagerRunOptions& options);

}  // namespace keel::bench
