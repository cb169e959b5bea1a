#include "hub/notify/notification_dispatcher.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>

namespace keel::hub::notify {
namespace {

constexpr size_t kOutboxBatch = 100;
constexpr size_t kMaxResendIncidents = 1000;
// Firing alerts posted to Alertmanager end this many resend intervals
// after the post unless posted again (Prometheus uses 4 evaluation
// intervals the same way).
constexpr int64_t kAlertmanagerLifetimeIntervals = 4;

}  // namespace

Result<std::unique_ptr<NotificationDispatcher>> NotificationDispatcher::Open(
    RoutesConfig config, IncidentStore& store, Transport& transport, const Clock& clock,
    Random& random, MetricsRegistry& metrics) {
  KEEL_ASSIGN_OR_RETURN(auto records, store.ListNotifyRoutes());
  KEEL_ASSIGN_OR_RETURN(const int64_t newest, store.MaxNotificationId());
  std::unique_ptr<NotificationDispatcher> d(
      new NotificationDispatcher(std::move(config), store, transport, clock, random, metrics));
  std::map<std::string, NotifyRouteRecord> known;
  for (auto& r : records) known[r.route] = std::move(r);
  const int64_t now = clock.NowMs();
  int64_t min_cursor = newest;
  for (auto& rs : d->routes_) {
    if (auto it = known.find(rs.route.name); it != known.end()) {
      rs.record = it->second;
    } else {
      rs.record = {rs.route.name, newest, now, 0, "", 0};
      KEEL_RETURN_IF_ERROR(store.SaveNotifyRoute(rs.record));
      spdlog::info("notify: new route {} ({}) starts after notification {}", rs.route.name,
                   RouteTypeName(rs.route.type), newest);
    }
    min_cursor = std::min(min_cursor, rs.record.cursor);
  }
  d->marked_up_to_ = min_cursor;
  return d;
}

NotificationDispatcher::NotificationDispatcher(RoutesConfig config, IncidentStore& store,
                                               Transport& transport, const Clock& clock,
                                               Random& random, MetricsRegistry& metrics)
    : hub_url_(std::move(config.hub_url)),
      store_(store),
      transport_(transport),
      clock_(clock),
      random_(random) {
  for (auto& route : config.routes) {
    RouteState rs;
    const MetricLabels labels = {{"route", route.name}};
    rs.sent =
        &metrics.GetCounter("keel_notify_sent_total", "Notifications a route delivered", labels);
    rs.failed =
        &metrics.GetCounter("keel_notify_failed_total", "Notifications a route gave up on", labels);
    rs.retries = &metrics.GetCounter("keel_notify_retries_total",
                                     "Failed attempts a route will retry", labels);
    rs.resend_errors =
        &metrics.GetCounter("keel_notify_resend_errors_total",
                            "Failed re-posts of firing incidents to Alertmanager", labels);
    rs.queue = &metrics.GetGauge("keel_notify_queue",
                                 "Outbox notifications a route has not finished yet", labels);
    rs.lag = &metrics.GetGauge("keel_notify_lag_seconds",
                               "Age of the oldest notification a route has not finished", labels);
    rs.route = std::move(route);
    routes_.push_back(std::move(rs));
  }
}

void NotificationDispatcher::Poll() {
  const int64_t now = clock_.NowMs();
  for (auto& rs : routes_) {
    Drain(rs, now);
    if (rs.route.type == RouteType::kAlertmanager && now >= rs.next_resend_ms) Resend(rs, now);
  }
  MarkDelivered(now);
  UpdateGauges(now);
}

void NotificationDispatcher::Drain(RouteState& rs, int64_t now) {
  for (int sends = 0; sends < kMaxSendsPerPoll && rs.next_attempt_ms <= now;) {
    if (rs.pending.empty()) {
      auto batch = store_.ListNotifications(rs.record.cursor, kOutboxBatch);
      if (!batch.ok()) {
        spdlog::error("notify: route {}: {}", rs.route.name, batch.status().ToString());
        return;
      }
      if (batch->empty()) return;
      rs.pending.assign(batch->begin(), batch->end());
    }
    const StoredNotification& stored = rs.pending.front();
    auto view = ParseNotification(stored.id, stored.body);
    if (!view.ok()) {
      Finish(rs, now, view.status().message());
      continue;
    }
    const std::optional<alerts::Incident> incident = LoadIncident(view->incident);
    const MatchInput input{
        view->priority, view->severity, view->reason,
        incident ? SharedLabels(*incident) : std::map<std::string, std::string>{}};
    if (!RouteMatches(rs.route.match, input)) {
      Finish(rs, now, "");
      continue;
    }
    ++sends;
    Attempt attempt = Send(rs, *view, incident ? &*incident : nullptr, now);
    if (attempt.outcome == Outcome::kDelivered) {
      rs.sent->Increment();
      Finish(rs, now, "");
      continue;
    }
    ++rs.attempts;
    if (attempt.outcome == Outcome::kRetry && rs.attempts < rs.route.retry.max_attempts) {
      rs.retries->Increment();
      const int64_t delay = BackoffMs(rs.route.retry, rs.attempts, random_.Uniform());
      rs.next_attempt_ms = now + delay;
      spdlog::warn("notify: route {}: notification {} attempt {} failed, retry in {} ms: {}",
                   rs.route.name, stored.id, rs.attempts, delay, attempt.error);
      return;
    }
    const std::string error =
        attempt.outcome == Outcome::kRetry
            ? fmt::format("gave up after {} attempts: {}", rs.attempts, attempt.error)
            : attempt.error;
    spdlog::error("notify: route {}: notification {} not delivered: {}", rs.route.name, stored.id,
                  error);
    rs.failed->Increment();
    Finish(rs, now, error);
  }
}

NotificationDispatcher::Attempt NotificationDispatcher::Send(RouteState& rs,
                                                             const NotificationView& n,
                                                             const alerts::Incident* incident,
                                                             int64_t now) {
  const Route& route = rs.route;
  switch (route.type) {
    case RouteType::kWebhook:
      return PostJson(rs, route.path, WebhookBody(n, incident, hub_url_),
                      {{"X-Keel-Notification", std::to_string(n.id)}});
    case RouteType::kAlertmanager: {
      const int64_t ends_ms = n.reason == "resolved"
                                  ? n.at_ms
                                  : now + kAlertmanagerLifetimeIntervals * route.resend_interval_ms;
      nlohmann::json alert = incident ? AlertmanagerAlert(*incident, n.reason, ends_ms, hub_url_)
                                      : AlertmanagerAlert(n, ends_ms, hub_url_);
      return PostJson(rs, route.path + "/api/v2/alerts", nlohmann::json::array({alert}), {});
    }
    case RouteType::kSmtp: {
      MailMessage mail;
      mail.url = fmt::format(
          "{}://{}:{}", route.scheme,
          route.host.find(':') != std::string::npos ? "[" + route.host + "]" : route.host,
          route.port);
      mail.from = route.from;
      mail.to = route.to;
      mail.username = route.username;
      mail.password = route.password;
      mail.content = MailContent(route, n, incident, hub_url_);
      mail.tls = route.tls;
      mail.timeout_ms = route.timeout_ms;
      mail.connect_timeout_ms = route.connect_timeout_ms;
      Status sent = transport_.SendMail(mail);
      if (sent.ok()) return {Outcome::kDelivered, ""};
      return {sent.code() == StatusCode::kUnavailable ? Outcome::kRetry : Outcome::kGiveUp,
              sent.ToString()};
    }
  }
  return {Outcome::kGiveUp, "unknown route type"};
}

NotificationDispatcher::Attempt NotificationDispatcher::PostJson(
    const RouteState& rs, const std::string& path, const nlohmann::json& body,
    const std::vector<std::pair<std::string, std::string>>& extra_headers) {
  const Route& route = rs.route;
  HttpsPost post;
  post.host = route.host;
  post.port = route.port;
  post.path = path;
  post.headers = extra_headers;
  if (!route.bearer_token.empty())
    post.headers.emplace_back("Authorization", "Bearer " + route.bearer_token);
  post.body = body.dump();
  post.tls = route.tls;
  post.timeout_ms = route.timeout_ms;
  post.connect_timeout_ms = route.connect_timeout_ms;
  auto status = transport_.Post(post);
  if (!status.ok()) return {Outcome::kRetry, status.status().ToString()};
  if (*status >= 200 && *status < 300) return {Outcome::kDelivered, ""};
  const std::string error = fmt::format("POST {}: HTTP {}", path, *status);
  if (*status == 429 || *status >= 500) return {Outcome::kRetry, error};
  return {Outcome::kGiveUp, error};
}

void NotificationDispatcher::Finish(RouteState& rs, int64_t now, const std::string& error) {
  rs.record.cursor = rs.pending.front().id;
  rs.record.updated_ms = now;
  if (!error.empty()) {
    ++rs.record.failed;
    rs.record.last_error = error;
    rs.record.last_error_ms = now;
  }
  Status saved = store_.SaveNotifyRoute(rs.record);
  if (!saved.ok()) {
    spdlog::error("notify: route {}: cannot save its cursor {} (a restart may resend): {}",
                  rs.route.name, rs.record.cursor, saved.ToString());
  }
  rs.pending.pop_front();
  rs.attempts = 0;
  rs.next_attempt_ms = 0;
}

void NotificationDispatcher::Resend(RouteState& rs, int64_t now) {
  rs.next_resend_ms = now + rs.route.resend_interval_ms;
  IncidentQuery query;
  query.active_only = true;
  query.limit = kMaxResendIncidents;
  auto stored = store_.ListIncidents(query);
  if (!stored.ok()) {
    spdlog::error("notify: route {}: {}", rs.route.name, stored.status().ToString());
    return;
  }
  RouteMatch match = rs.route.match;
  match.reasons.clear();  // a re-post keeps what the route was sent alive, whatever the reason
  const int64_t ends_ms = now + kAlertmanagerLifetimeIntervals * rs.route.resend_interval_ms;
  nlohmann::json alerts = nlohmann::json::array();
  for (const auto& s : *stored) {
    auto body = nlohmann::json::parse(s.body, nullptr, /*allow_exceptions=*/false);
    if (body.is_discarded()) continue;
    auto incident = alerts::IncidentFromJson(body);
    if (!incident.ok() || incident->notified_as != "firing") continue;
    const MatchInput input{incident->priority(),
                           std::string(alerts::SeverityName(incident->severity)), "repeated",
                           SharedLabels(*incident)};
    if (!RouteMatches(match, input)) continue;
    alerts.push_back(AlertmanagerAlert(*incident, "repeated", ends_ms, hub_url_));
  }
  if (alerts.empty()) return;
  Attempt attempt = PostJson(rs, rs.route.path + "/api/v2/alerts", alerts, {});
  if (attempt.outcome != Outcome::kDelivered) {
    rs.resend_errors->Increment();
    spdlog::warn("notify: route {}: re-posting {} firing incidents failed: {}", rs.route.name,
                 alerts.size(), attempt.error);
  }
}

void NotificationDispatcher::MarkDelivered(int64_t now) {
  int64_t min_cursor = INT64_MAX;
  for (const auto& rs : routes_) min_cursor = std::min(min_cursor, rs.record.cursor);
  while (!routes_.empty() && marked_up_to_ < min_cursor) {
    auto batch = store_.ListNotifications(marked_up_to_, kOutboxBatch);
    if (!batch.ok()) {
      spdlog::error("notify: outbox: {}", batch.status().ToString());
      return;
    }
    if (batch->empty()) return;
    for (const auto& n : *batch) {
      if (n.id > min_cursor) return;
      if (n.delivered_ms == 0) {
        Status marked = store_.MarkNotificationDelivered(n.id, now);
        if (!marked.ok()) {
          spdlog::error("notify: outbox: {}", marked.ToString());
          return;
        }
      }
      marked_up_to_ = n.id;
    }
  }
}

void NotificationDispatcher::UpdateGauges(int64_t now) {
  auto newest = store_.MaxNotificationId();
  for (auto& rs : routes_) {
    if (newest.ok())
      rs.queue->Set(static_cast<double>(std::max<int64_t>(0, *newest - rs.record.cursor)));
    double lag = 0;
    if (!rs.pending.empty()) {
      auto view = ParseNotification(rs.pending.front().id, rs.pending.front().body);
      if (view.ok()) lag = static_cast<double>(std::max<int64_t>(0, now - view->at_ms)) / 1000.0;
    }
    rs.lag->Set(lag);
  }
}

std::optional<alerts::Incident> NotificationDispatcher::LoadIncident(int64_t id) {
  auto stored = store_.GetIncident(id);
  if (!stored.ok()) return std::nullopt;
  auto body = nlohmann::json::parse(stored->body, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded()) return std::nullopt;
  auto incident = alerts::IncidentFromJson(body);
  if (!incident.ok()) return std::nullopt;
  return std::move(incident).value();
}

}  // namespace keel::hub::notify
