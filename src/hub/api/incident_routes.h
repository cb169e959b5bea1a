// Incident, silence and notification endpoints (docs/api.md, "Incidents").
// Operators (bearer token; the caller checks):
//   GET  /api/v1/incidents?state=open|acknowledged|resolved|active&since=MS&limit=N
//        {"incidents": [...]}, newest first (limit 1..1000, default 100)
//   GET  /api/v1/incidents/{id}
//   POST /api/v1/incidents/{id}/ack       {"by"?, "note"?}
//   POST /api/v1/incidents/{id}/resolve   {"by"?, "note"?}
//   POST /api/v1/incidents/{id}/label     {"verdict", "cause"?, "by"?}
//   GET  /api/v1/silences                 {"silences": [...]}
//   POST /api/v1/silences                 {"matchers", "ends_ms", "starts_ms"?, "kind"?,
//                                          "comment"?, "by"?} -> 201 the silence
//   DELETE /api/v1/silences/{id}          ends it now
//   GET  /api/v1/notifications?after=ID&limit=N   the notification outbox
// Bodies are strict: unknown members and wrong types are 400 naming them.
// "by" defaults to "operator". Stateless helpers.
#pragma once

#include <httplib.h>

#include <string>

#include "hub/alerts/alert_service.h"
#include "hub/store/incident_store.h"

namespace keel::hub {

void ServeIncidentList(const httplib::Request& req, httplib::Response& res,
                       alerts::AlertService& alerts);
void ServeIncident(httplib::Response& res, alerts::AlertService& alerts, const std::string& id);
// `action` is ack, resolve or label.
void ServeIncidentAction(const httplib::Request& req, httplib::Response& res,
                         alerts::AlertService& alerts, const std::string& id,
                         const std::string& action);

void ServeSilenceList(httplib::Response& res, alerts::AlertService& alerts);
void ServeCreateSilence(const httplib::Request& req, httplib::Response& res,
                        alerts::AlertService& alerts);
void ServeExpireSilence(const httplib::Request& req, httplib::Response& res,
                        alerts::AlertService& alerts, const std::string& id);

void ServeNotifications(const httplib::Request& req, httplib::Response& res, IncidentStore& store);

}  // namespace keel::hub
