// `keelctl incident` and `keelctl silence`: contextual alerting
// (docs/alerts.md, docs/api.md "Incidents").
//
//   incident list [--state active|open|acknowledged|resolved] [--limit N]
//   incident show ID                 members, label and history
//   incident ack ID [--note TEXT]    incident resolve ID [--note TEXT]
//   incident label ID --verdict true_positive|false_positive [--cause TEXT]
//   incident notifications [--after ID] [--limit N]   the notification outbox
//   silence add --match KEY=VALUE... (--for DURATION | --until MS) [--starts-in DURATION]
//               [--maintenance] [--comment TEXT]     ("alertname=NAME" matches the alert name)
//   silence list                     silence end ID
// The operator recorded as "by" is $USER.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <vector>

#include "cli/api_client.h"
#include "common/status.h"

namespace keel::cli {

void AddIncidentCommands(CLI::App& app, std::function<Status(const ApiClient&)>* action,
                         std::ostream& out, const bool* as_json);

struct SilenceOptions {
  std::vector<std::string> match;  // KEY=VALUE
  std::string duration;            // "2h" (ParseDuration)
  int64_t until_ms = 0;            // instead of duration
  std::string starts_in;           // "" = now
  bool maintenance = false;
  std::string comment, by;
};

// The POST /api/v1/silences body; InvalidArgument naming the bad flag.
Result<nlohmann::json> SilenceRequest(const SilenceOptions& options, int64_t now_ms);

// ID, PRIORITY, STATE, OPENED (UTC), EVENTS, TITLE; `incidents` is the
// API's "incidents" array.
void PrintIncidentTable(const nlohmann::json& incidents, std::ostream& out);
// One incident: its header, members (firing/clear, explained by, silenced),
// label and history.
void PrintIncident(const nlohmann::json& incident, std::ostream& out);
void PrintSilences(const nlohmann::json& silences, int64_t now_ms, std::ostream& out);
// One line per notification: id, time, incident, reason, priority, title.
void PrintNotifications(const nlohmann::json& notifications, std::ostream& out);

}  // namespace keel::cli
