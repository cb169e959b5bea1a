// Notification routes: where the incidents' notifications go (issue 5
// point 4; docs/alerts.md, "Notification routes"). One JSON document given
// to keel-hub as `--notify-routes FILE`:
//
//   {"hub_url": "https://hub.example:8443",            (optional, for links)
//    "routes": [{"name": "ops", "type": "webhook", "url": "https://...",
//                "tls": {"ca_file": "...", "cert_file": "...", "key_file": "..."},
//                "match": {"min_priority": "P2", "severities": ["critical"],
//                          "labels": {"site": "north"}, "reasons": ["opened"]},
//                "retry": {"max_attempts": 5, "initial_backoff_ms": 1000,
//                          "max_backoff_ms": 60000},
//                "timeout_ms": 10000, "connect_timeout_ms": 5000, ...}]}
//
// Types: "webhook" (POST JSON to an https:// URL), "alertmanager" (POST
// /api/v2/alerts under an https:// base URL) and "smtp" (e-mail through an
// smtps:// server, or smtp:// with STARTTLS required). Never plaintext.
// Secrets (bearer token, SMTP password) are named by a file path and read
// by LoadRouteSecrets, never written inline.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace keel::hub::notify {

enum class RouteType { kWebhook, kAlertmanager, kSmtp };
std::string_view RouteTypeName(RouteType type);

// The server is verified against ca_file (and its host name); cert_file and
// key_file (both or neither) are the hub's client certificate for mutual TLS.
struct TlsFiles {
  std::filesystem::path ca_file;
  std::filesystem::path cert_file;
  std::filesystem::path key_file;
};

// Which notifications a route takes; every given criterion must hold.
struct RouteMatch {
  int max_priority_bucket = 4;          // "min_priority": "P2" -> 2 (P1 and P2 pass)
  std::vector<std::string> severities;  // empty: any
  std::vector<std::string> reasons;  // opened, reopened, escalated, repeated, resolved; empty: any
  std::map<std::string, std::string> labels;  // equal to the incident's shared labels
};

// Attempt n (1-based) that fails with a retryable error waits
// min(max_backoff_ms, initial_backoff_ms * 2^(n-1)), scaled by a uniform
// jitter in [0.5, 1), before attempt n+1; after max_attempts the route gives
// the notification up.
struct RetryPolicy {
  int max_attempts = 5;
  int64_t initial_backoff_ms = 1'000;
  int64_t max_backoff_ms = 60'000;
};

struct Route {
  std::string name;  // [A-Za-z0-9_.-]{1,64}, unique; a metric label and the store key
  RouteType type = RouteType::kWebhook;
  // webhook: the full https:// URL; alertmanager: its https:// base URL
  // (alerts go to <url>/api/v2/alerts); smtp: smtps://host[:port] or
  // smtp://host[:port] (STARTTLS required).
  std::string url;
  std::string scheme, host, path;  // split from url; path "" or "/..."
  int port = 0;
  TlsFiles tls;
  RouteMatch match;
  RetryPolicy retry;
  int64_t timeout_ms = 10'000;         // whole request
  int64_t connect_timeout_ms = 5'000;  // TCP + TLS handshake
  // webhook, alertmanager: "Authorization: Bearer <token>" when given.
  std::filesystem::path bearer_token_file;
  // alertmanager: how often firing incidents are posted again.
  int64_t resend_interval_ms = 60'000;
  // smtp
  std::string from;
  std::vector<std::string> to;
  std::string username;  // "" = no AUTH
  std::filesystem::path password_file;

  // Filled by LoadRouteSecrets.
  std::string bearer_token;
  std::string password;
};

struct RoutesConfig {
  // Prefix of the links in notifications (https://host:port of the hub's
  // API); "" = links are paths only and Alertmanager gets no generatorURL.
  std::string hub_url;
  std::vector<Route> routes;
};

// Parses a routes document; `source` names it in errors, with the JSON
// path: "routes.json: routes[1].tls.ca_file: expected a string, got
// integer". Unknown members, members given twice, wrong types, plaintext
// URLs, missing CA files in the config, duplicate names are
// InvalidArgument. Reads no files.
Result<RoutesConfig> ParseNotifyRoutes(std::string_view text, std::string_view source);

// Reads every route's bearer token and password file (trailing newlines
// dropped; an empty secret is an error). Errors name the route and file.
Status LoadRouteSecrets(RoutesConfig& config);

// What RouteMatch looks at in one notification.
struct MatchInput {
  std::string priority;  // "P1".."P4"
  std::string severity;
  std::string reason;
  std::map<std::string, std::string> labels;
};
bool RouteMatches(const RouteMatch& match, const MatchInput& input);

// The delay before the attempt after failed attempt `attempt` (1-based),
// `uniform` in [0, 1) being the jitter draw.
int64_t BackoffMs(const RetryPolicy& retry, int attempt, double uniform);

}  // namespace keel::hub::notify
