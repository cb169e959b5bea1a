// What each route type sends for one outbox notification (docs/alerts.md,
// "Notification routes"): the webhook's JSON body, Alertmanager v2 alerts
// and a plain-text mail. Pure functions; the dispatcher does the I/O.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"
#include "hub/alerts/incident.h"
#include "hub/notify/notify_routes.h"

namespace keel::hub::notify {

// One outbox notification: its id plus the fields of
// alerts::NotificationToJson.
struct NotificationView {
  int64_t id = 0;
  int64_t incident = 0;
  std::string reason;  // opened, reopened, escalated, repeated, resolved
  int64_t at_ms = 0;
  std::string title, group_key, priority, severity;
  int64_t priority_score = 0;
  int64_t firing = 0;
  nlohmann::json body;  // as stored
};

// InvalidArgument naming the notification when a field is missing or has
// the wrong type.
Result<NotificationView> ParseNotification(int64_t id, std::string_view body);

// The labels every own (not explained) member of the incident shares; the
// labels a route's match compares against.
std::map<std::string, std::string> SharedLabels(const alerts::Incident& incident);

// "/api/v1/incidents/<id>", prefixed with hub_url when it is not empty.
std::string IncidentLink(const std::string& hub_url, int64_t incident);

// The webhook body: {"notification": {id, incident, reason, ...},
// "incident": {id, state, title, priority, priority_score, severity,
// group_key, labels, members, firing, opened_ms, link}}; "incident" is
// null when the incident is unknown.
nlohmann::json WebhookBody(const NotificationView& n, const alerts::Incident* incident,
                           const std::string& hub_url);

// One Alertmanager v2 postable alert for an incident: labels alertname
// "keel_incident", incident, priority, severity and the shared labels;
// annotations title, reason, priority_score, group_key, link; startsAt its
// opening; endsAt `ends_ms`; generatorURL when hub_url is set.
nlohmann::json AlertmanagerAlert(const alerts::Incident& incident, const std::string& reason,
                                 int64_t ends_ms, const std::string& hub_url);
// The same for a notification whose incident is unknown (from the
// notification alone).
nlohmann::json AlertmanagerAlert(const NotificationView& n, int64_t ends_ms,
                                 const std::string& hub_url);

// RFC 3339 in UTC with milliseconds, e.g. "2026-11-26T10:00:00.123Z".
std::string Rfc3339(int64_t ms);

// The whole message (headers and text body, CRLF line ends) with the
// subject "[Keel P1] opened: <title>".
std::string MailContent(const Route& route, const NotificationView& n,
                        const alerts::Incident* incident, const std::string& hub_url);

}  // namespace keel::hub::notify
