// AlertFromEvent: which bus events are alerts, and what their name, labels,
// severity and confidence are (docs/alerts.md, "Alerts from events"). The
// hub's AlertService and `keel-eval alerts` both use it, so a recorded
// event stream correlates exactly as it would live.
//
//   detection  anomaly.raised|cleared       -> "anomaly", warning; confidence from
//                                               score / threshold (1x -> 0.5, 2x+ -> 1)
//              sensor_fault.raised|cleared  -> "sensor_fault" + signal, warning
//              rule.raised|cleared          -> "rule" + rule, the rule's severity;
//                                               + source "hub" and signal for a hub rule's
//   device.offline / device.online          -> "device.offline" firing / cleared, warning;
//                                               + rule for a hub absence rule's
//   attestation.quarantined / .restored     -> "attestation" firing / cleared, critical
//   deployment.rolling_back / .rolled_back / .aborted by the controller (ota.state,
//   device ""; an operator's actions arrive as operator.action and are not alerts)
//                                            -> "deployment.failed" + deployment, warning;
//                                               an operator resolves it
//   site.power_loss.raised / .cleared (any device event of that type, e.g. from
//   a power monitor) -> "site.power_loss", critical
// Anything else is not an alert (nullopt). Labels: "device" (when the event
// has one), the kind-specific label above, and the device's topology
// (`context`: site, gateway, asset, criticality, and its other tags), which
// never overrides the event's own labels.
#pragma once

#include <optional>

#include "hub/alerts/alert.h"
#include "hub/bus/event.h"

namespace keel::hub::alerts {

std::optional<Alert> AlertFromEvent(const bus::Event& event, const Labels& context);

}  // namespace keel::hub::alerts
