// NotificationDispatcher: delivers the incidents' notifications, which the
// correlator writes into an outbox (IncidentStore), through the configured
// routes (docs/alerts.md, "Notification routes").
//
// Each route works through the outbox in id order, one notification at a
// time, from its cursor: the last outbox id it finished (delivered, gave up
// on, or does not match), persisted in the store (notify_routes) after each
// one, so a restart resumes where the route stopped and never re-sends what
// it finished. Delivery is at-least-once: a crash between a send and the
// cursor's write sends that one notification again (receivers can dedupe on
// the X-Keel-Notification header, the Message-ID, or Alertmanager's labels).
// A route seen for the first time starts after the newest notification in
// the outbox (it does not replay history).
//
// A failed attempt that may pass later (no reply, TLS failure, timeout, HTTP
// 5xx or 429, an SMTP 4xx) is retried after an exponential backoff with
// jitter (RetryPolicy); the route's later notifications wait, so a route
// keeps the order of its notifications. Any other failure (HTTP 4xx, SMTP
// 5xx, refused credentials) or the last attempt gives the notification up
// for that route: counted (keel_notify_failed_total{route}), logged and kept
// as the route's last_error. An outbox notification is marked delivered
// (delivered_ms) once every route has finished it.
//
// Alertmanager routes also post every active incident they would match
// whose last notification said firing again every resend_interval_ms, with
// endsAt = now + 4 x resend_interval_ms, so Alertmanager keeps them firing
// while the hub runs and resolves them by itself if the hub goes away.
//
// Metrics: keel_notify_{sent,failed,retries}_total{route},
// keel_notify_resend_errors_total{route}, keel_notify_queue{route}
// (notifications behind the route's cursor) and
// keel_notify_lag_seconds{route} (age of the oldest unfinished one).
//
// Not thread-safe: one thread calls Poll (keel-hub: every second). Sends
// are synchronous and bounded by the routes' timeouts.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <vector>

#include "common/clock.h"
#include "common/metrics.h"
#include "common/random.h"
#include "common/status.h"
#include "hub/alerts/incident.h"
#include "hub/notify/notify_routes.h"
#include "hub/notify/payloads.h"
#include "hub/notify/transport.h"
#include "hub/store/incident_store.h"

namespace keel::hub::notify {

class NotificationDispatcher {
 public:
  // Loads the routes' cursors (creating those of new routes). `config`'s
  // secrets must be loaded (LoadRouteSecrets). The references must outlive
  // the dispatcher. IoError when the store cannot be read.
  static Result<std::unique_ptr<NotificationDispatcher>> Open(RoutesConfig config,
                                                              IncidentStore& store,
                                                              Transport& transport,
                                                              const Clock& clock, Random& random,
                                                              MetricsRegistry& metrics);

  // Does everything due at clock.NowMs(): sends (or retries) each route's
  // next notifications, up to kMaxSendsPerPoll per route; re-posts
  // Alertmanager routes' firing incidents when due; marks finished
  // notifications delivered. Store errors are logged; the work is retried
  // at the next call.
  void Poll();

  static constexpr int kMaxSendsPerPoll = 50;

 private:
  enum class Outcome { kDelivered, kRetry, kGiveUp };
  struct Attempt {
    Outcome outcome;
    std::string error;
  };
  struct RouteState {
    Route route;
    NotifyRouteRecord record;
    std::deque<StoredNotification> pending;  // after record.cursor, oldest first
    int attempts = 0;                        // failed attempts of pending.front()
    int64_t next_attempt_ms = 0;
    int64_t next_resend_ms = 0;
    Counter* sent = nullptr;
    Counter* failed = nullptr;
    Counter* retries = nullptr;
    Counter* resend_errors = nullptr;
    Gauge* queue = nullptr;
    Gauge* lag = nullptr;
  };

  NotificationDispatcher(RoutesConfig config, IncidentStore& store, Transport& transport,
                         const Clock& clock, Random& random, MetricsRegistry& metrics);

  void Drain(RouteState& rs, int64_t now);
  Attempt Send(RouteState& rs, const NotificationView& n, const alerts::Incident* incident,
               int64_t now);
  Attempt PostJson(const RouteState& rs, const std::string& path, const nlohmann::json& body,
                   const std::vector<std::pair<std::string, std::string>>& extra_headers);
  // Advances the route's cursor past pending.front() and persists it;
  // `error` non-empty records a notification given up.
  void Finish(RouteState& rs, int64_t now, const std::string& error);
  void Resend(RouteState& rs, int64_t now);
  void MarkDelivered(int64_t now);
  void UpdateGauges(int64_t now);
  std::optional<alerts::Incident> LoadIncident(int64_t id);

  std::string hub_url_;
  IncidentStore& store_;
  Transport& transport_;
  const Clock& clock_;
  Random& random_;
  std::vector<RouteState> routes_;
  int64_t marked_up_to_ = 0;  // outbox ids <= this are marked delivered
};

}  // namespace keel::hub::notify
