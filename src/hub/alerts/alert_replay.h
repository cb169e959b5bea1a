// AlertReplay: `keel-eval alerts` — a recorded event stream through exactly
// the hub's correlation code (AlertFromEvent -> IncidentCorrelator), with
// the events' own times as the clock (docs/alerts.md, "Offline
// evaluation").
//
// Input: JSON Lines, one event per line (blank lines skipped):
//   {"t": <ms since the Unix epoch>, "device": "<id>" (optional; absent or
//    "" = hub-wide), "type": "<event type>", "data": {...} (optional)}
// The bus kind follows from the type: device.online / device.offline,
// attestation.*, deployment.* (as the controller's), telemetry.batch, and
// any other type as a device event (detections are "*.raised" /
// "*.cleared"). Events may arrive out of order by up to
// `max_disorder_ms`; t must lie in [2000-01-01, 2100-01-01). The
// correlator's clock is the largest t seen, ticked every second in between
// (in quiet spells longer than 15 minutes the step grows to 1% of the quiet
// time), and after the last event it runs on for `drain_ms` so that pending
// notifications are decided.
//
// Output (ReplayReport, as JSON): counts of events, derived events (see
// `derive`), raw detections (events, recorded or derived, that are alerts)
// and notifications (by reason), and every incident that
// was not merged into another: id, title, state, priority, first/last
// event time, notified, and its member events as 1-based input line
// numbers (those of incidents merged into it included).
#pragma once

#include <cstdint>
#include <functional>
#include <istream>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "hub/alerts/alert.h"
#include "hub/alerts/correlation_policy.h"
#include "hub/bus/event.h"

namespace keel::hub::alerts {

struct ReplayOptions {
  CorrelationPolicy policy;
  // The topology labels of a device (site, gateway, criticality...); null:
  // none.
  std::function<Labels(const std::string& device)> context;
  // Derives further events from the stream (`keel-eval alerts --rules`:
  // the hub rules' RuleEngine): called after each recorded event with it,
  // and on each tick with null, at the replay clock. What it returns is
  // correlated at once (members of the line that caused it); null: nothing.
  std::function<std::vector<bus::Event>(const bus::Event* event, int64_t now_ms)> derive;
  int64_t max_disorder_ms = 60'000;
  int64_t drain_ms = -1;  // < 0: the policy's group_wait_ms + 1 s
};

// One line of the event stream as a bus event; `where` names it in errors
// ("events.jsonl:17"). Also for tools that feed the same stream elsewhere
// (keel-bench-alerts feeds it to Alertmanager).
Result<bus::Event> ParseRecordedEvent(const std::string& line, const std::string& where);

// Reads every line of `events` (`source` names it in errors, e.g.
// "events.jsonl:17: \"t\": expected an integer"). InvalidArgument for a
// malformed line or an event more than max_disorder_ms before the latest.
Result<nlohmann::json> ReplayAlerts(std::istream& events, std::string_view source,
                                    const ReplayOptions& options);

}  // namespace keel::hub::alerts
