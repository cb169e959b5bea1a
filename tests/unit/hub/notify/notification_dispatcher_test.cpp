// NotificationDispatcher with a scripted transport, a fake clock and a real
// store: retries with backoff, giving up, 4xx without retry, resuming from
// the persisted cursor, route matching, Alertmanager re-posts, e-mail.
#include "hub/notify/notification_dispatcher.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "notify_test_util.h"
#include "test_util/temp_dir.h"

namespace keel::hub::notify {
namespace {

using nlohmann::json;

Route WebhookRoute(const std::string& name) {
  Route r;
  r.name = name;
  r.type = RouteType::kWebhook;
  r.url = "https://hooks.example/keel";
  r.scheme = "https";
  r.host = "hooks.example";
  r.port = 443;
  r.path = "/keel";
  r.tls.ca_file = "/ca.pem";
  r.retry = {4, 1000, 60'000};
  r.bearer_token = "tok";
  return r;
}

class DispatcherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = OpenSqliteStore(dir_.path() / "hub.db");
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
  }

  std::unique_ptr<NotificationDispatcher> Open(std::vector<Route> routes) {
    RoutesConfig config;
    config.routes = std::move(routes);
    auto d = NotificationDispatcher::Open(std::move(config), *store_, transport_, clock_, random_,
                                          metrics_);
    EXPECT_TRUE(d.ok()) << d.status().ToString();
    return d.ok() ? std::move(d).value() : nullptr;
  }

  void Notify(int64_t id, const std::string& site, int score,
              const std::string& reason = "opened") {
    SaveWithNotification(
        *store_, MakeIncident(id, site, "pump-" + std::to_string(id), score, clock_.NowMs()),
        reason, clock_.NowMs());
  }

  uint64_t CounterValue(const std::string& name, const std::string& route) {
    return metrics_.GetCounter(name, "", {{"route", route}}).value();
  }

  std::vector<int64_t> PostedNotificationIds() const {
    std::vector<int64_t> ids;
    for (const auto& p : transport_.posts) ids.push_back(json::parse(p.body)["notification"]["id"]);
    return ids;
  }

  NotifyRouteRecord RouteRecord(const std::string& name) {
    auto routes = store_->ListNotifyRoutes();
    for (auto& r : *routes) {
      if (r.route == name) return r;
    }
    ADD_FAILURE() << "no route " << name;
    return {};
  }

  TempDir dir_;
  FakeClock clock_;
  FixedRandom random_{0.0};  // jitter factor 0.5
  MetricsRegistry metrics_;
  FakeTransport transport_;
  std::unique_ptr<SqliteStore> store_;
};

TEST_F(DispatcherTest, PostsTheNotificationWithItsIncidentAndMarksTheOutbox) {
  auto d = Open({WebhookRoute("ops")});
  Notify(1, "north", 100);
  d->Poll();
  ASSERT_EQ(transport_.posts.size(), 1u);
  const HttpsPost& post = transport_.posts[0];
  EXPECT_EQ(post.host, "hooks.example");
  EXPECT_EQ(post.path, "/keel");
  EXPECT_EQ(post.tls.ca_file, "/ca.pem");
  bool bearer = false, id_header = false;
  for (const auto& [name, value] : post.headers) {
    bearer |= name == "Authorization" && value == "Bearer tok";
    id_header |= name == "X-Keel-Notification" && value == "1";
  }
  EXPECT_TRUE(bearer && id_header);
  json body = json::parse(post.body);
  EXPECT_EQ(body["notification"]["reason"], "opened");
  EXPECT_EQ(body["notification"]["priority"], "P1");
  EXPECT_EQ(body["incident"]["id"], 1);
  EXPECT_EQ(body["incident"]["state"], "open");
  EXPECT_EQ(body["incident"]["members"], 1);
  EXPECT_EQ(body["incident"]["labels"]["site"], "north");
  EXPECT_EQ(body["incident"]["link"], "/api/v1/incidents/1");
  EXPECT_EQ(store_->ListNotifications(0, 10)->at(0).delivered_ms, clock_.NowMs());
  EXPECT_EQ(CounterValue("keel_notify_sent_total", "ops"), 1u);
  EXPECT_EQ(RouteRecord("ops").cursor, 1);
  d->Poll();
  EXPECT_EQ(transport_.posts.size(), 1u);
}

TEST_F(DispatcherTest, RetriesConnectionErrors5xxAnd429WithExponentialBackoff) {
  auto d = Open({WebhookRoute("ops")});
  Notify(1, "north", 100);
  Notify(2, "north", 100);
  transport_.post_replies = {Status::Unavailable("connection refused"), 503, 429};
  d->Poll();
  ASSERT_EQ(transport_.posts.size(), 1u);
  // Backoffs 1 s, 2 s, 4 s with the jitter factor 0.5.
  for (int64_t wait : {500, 1000, 2000}) {
    clock_.AdvanceMs(wait - 1);
    const size_t before = transport_.posts.size();
    d->Poll();
    EXPECT_EQ(transport_.posts.size(), before) << "retried before its backoff of " << wait;
    clock_.AdvanceMs(1);
    d->Poll();
    EXPECT_GT(transport_.posts.size(), before);
  }
  // Notification 1 made it on its 4th attempt, and 2 followed in order.
  EXPECT_EQ(PostedNotificationIds(), (std::vector<int64_t>{1, 1, 1, 1, 2}));
  EXPECT_EQ(CounterValue("keel_notify_retries_total", "ops"), 3u);
  EXPECT_EQ(CounterValue("keel_notify_sent_total", "ops"), 2u);
  EXPECT_EQ(CounterValue("keel_notify_failed_total", "ops"), 0u);
}

TEST_F(DispatcherTest, GivesUpAfterMaxAttemptsRecordsTheErrorAndMovesOn) {
  auto d = Open({WebhookRoute("ops")});
  Notify(1, "north", 100);
  Notify(2, "north", 100);
  transport_.post_replies = {502, 502, 502, 502};
  for (int i = 0; i < 10; ++i) {
    d->Poll();
    clock_.AdvanceMs(60'000);
  }
  EXPECT_EQ(PostedNotificationIds(), (std::vector<int64_t>{1, 1, 1, 1, 2}));
  EXPECT_EQ(CounterValue("keel_notify_failed_total", "ops"), 1u);
  EXPECT_EQ(CounterValue("keel_notify_retries_total", "ops"), 3u);
  const NotifyRouteRecord record = RouteRecord("ops");
  EXPECT_EQ(record.cursor, 2);
  EXPECT_EQ(record.failed, 1);
  EXPECT_NE(record.last_error.find("gave up after 4 attempts"), std::string::npos)
      << record.last_error;
  EXPECT_NE(record.last_error.find("HTTP 502"), std::string::npos);
  // Given up is finished for the outbox too.
  EXPECT_NE(store_->ListNotifications(0, 10)->at(0).delivered_ms, 0);
}

TEST_F(DispatcherTest, ClientErrorsAreNotRetried) {
  auto d = Open({WebhookRoute("ops")});
  Notify(1, "north", 100);
  Notify(2, "north", 100);
  transport_.post_replies = {400};
  d->Poll();
  EXPECT_EQ(PostedNotificationIds(), (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(CounterValue("keel_notify_retries_total", "ops"), 0u);
  EXPECT_EQ(CounterValue("keel_notify_failed_total", "ops"), 1u);
  EXPECT_NE(RouteRecord("ops").last_error.find("HTTP 400"), std::string::npos);
}

TEST_F(DispatcherTest, ARestartResumesFromTheCursorWithoutResending) {
  auto d = Open({WebhookRoute("ops")});
  Notify(1, "north", 100);
  Notify(2, "north", 100);
  d->Poll();
  Notify(3, "north", 100);
  transport_.post_replies = {Status::Unavailable("down")};
  d->Poll();  // 3 fails once and waits for its retry
  EXPECT_EQ(PostedNotificationIds(), (std::vector<int64_t>{1, 2, 3}));
  d.reset();
  store_.reset();
  auto reopened = OpenSqliteStore(dir_.path() / "hub.db");
  ASSERT_TRUE(reopened.ok());
  store_ = std::move(reopened).value();

  transport_.posts.clear();
  d = Open({WebhookRoute("ops")});
  Notify(4, "north", 100);
  d->Poll();
  // 1 and 2 were delivered before the restart; 3 was not finished.
  EXPECT_EQ(PostedNotificationIds(), (std::vector<int64_t>{3, 4}));
}

TEST_F(DispatcherTest, ANewRouteStartsAfterTheNotificationsAlreadyInTheOutbox) {
  Notify(1, "north", 100);
  auto d = Open({WebhookRoute("ops")});
  Notify(2, "north", 100);
  d->Poll();
  EXPECT_EQ(PostedNotificationIds(), (std::vector<int64_t>{2}));
}

TEST_F(DispatcherTest, RoutesTakeOnlyTheNotificationsTheyMatch) {
  Route urgent = WebhookRoute("north-p1");
  urgent.match.max_priority_bucket = 1;
  urgent.match.labels = {{"site", "north"}};
  urgent.path = "/urgent";
  Route resolved = WebhookRoute("resolved-only");
  resolved.match.reasons = {"resolved"};
  resolved.path = "/resolved";
  auto d = Open({urgent, WebhookRoute("all"), resolved});
  Notify(1, "north", 42);   // P2
  Notify(2, "north", 100);  // P1
  Notify(3, "south", 100);  // P1 elsewhere
  Notify(4, "north", 100, "resolved");
  d->Poll();
  std::map<std::string, std::vector<int64_t>> by_path;
  for (const auto& p : transport_.posts) {
    by_path[p.path].push_back(json::parse(p.body)["notification"]["id"]);
  }
  EXPECT_EQ(by_path["/urgent"], (std::vector<int64_t>{2, 4}));
  EXPECT_EQ(by_path["/keel"], (std::vector<int64_t>{1, 2, 3, 4}));
  EXPECT_EQ(by_path["/resolved"], (std::vector<int64_t>{4}));
  auto outbox = store_->ListNotifications(0, 10);
  for (const auto& n : *outbox) EXPECT_NE(n.delivered_ms, 0) << n.id;
}

TEST_F(DispatcherTest, AFailingRouteDoesNotHoldBackTheOutboxOfAnother) {
  Route flaky = WebhookRoute("flaky");
  flaky.host = "flaky.example";
  auto d = Open({WebhookRoute("ok"), flaky});
  Notify(1, "north", 100);
  transport_.post_replies = {200, Status::Unavailable("down")};
  d->Poll();
  EXPECT_EQ(CounterValue("keel_notify_sent_total", "ok"), 1u);
  // Not every route finished it yet.
  EXPECT_EQ(store_->ListNotifications(0, 10)->at(0).delivered_ms, 0);
  EXPECT_EQ(metrics_.GetGauge("keel_notify_queue", "", {{"route", "flaky"}}).value(), 1.0);
  clock_.AdvanceMs(500);
  d->Poll();
  EXPECT_EQ(store_->ListNotifications(0, 10)->at(0).delivered_ms, clock_.NowMs());
  EXPECT_EQ(metrics_.GetGauge("keel_notify_queue", "", {{"route", "flaky"}}).value(), 0.0);
}

TEST_F(DispatcherTest, AlertmanagerGetsFiringAndResolvedAlertsAndPeriodicReposts) {
  Route am = WebhookRoute("am");
  am.type = RouteType::kAlertmanager;
  am.path = "";
  am.resend_interval_ms = 60'000;
  auto d = Open({am});
  alerts::Incident incident = MakeIncident(7, "north", "pump-7", 100, clock_.NowMs());
  SaveWithNotification(*store_, incident, "opened", clock_.NowMs());
  d->Poll();
  // The opened notification, then the first re-post in the same poll.
  ASSERT_EQ(transport_.posts.size(), 2u);
  EXPECT_EQ(transport_.posts[0].path, "/api/v2/alerts");
  json alert = json::parse(transport_.posts[0].body)[0];
  EXPECT_EQ(alert["labels"]["alertname"], "keel_incident");
  EXPECT_EQ(alert["labels"]["incident"], "7");
  EXPECT_EQ(alert["labels"]["priority"], "P1");
  EXPECT_EQ(alert["labels"]["severity"], "critical");
  EXPECT_EQ(alert["labels"]["site"], "north");
  EXPECT_EQ(alert["annotations"]["reason"], "opened");
  EXPECT_EQ(alert["startsAt"], Rfc3339(clock_.NowMs()));
  EXPECT_EQ(alert["endsAt"], Rfc3339(clock_.NowMs() + 4 * 60'000));
  EXPECT_FALSE(alert.contains("generatorURL"));

  clock_.AdvanceMs(59'999);
  d->Poll();
  EXPECT_EQ(transport_.posts.size(), 2u);
  clock_.AdvanceMs(1);
  d->Poll();
  ASSERT_EQ(transport_.posts.size(), 3u);
  EXPECT_EQ(json::parse(transport_.posts[2].body)[0]["endsAt"],
            Rfc3339(clock_.NowMs() + 4 * 60'000));

  incident.state = alerts::IncidentState::kResolved;
  incident.resolved_ms = clock_.NowMs();
  incident.notified_as = "resolved";
  SaveWithNotification(*store_, incident, "resolved", clock_.NowMs());
  d->Poll();
  ASSERT_EQ(transport_.posts.size(), 4u);
  EXPECT_EQ(json::parse(transport_.posts[3].body)[0]["endsAt"], Rfc3339(clock_.NowMs()));
  clock_.AdvanceMs(60'000);
  d->Poll();
  EXPECT_EQ(transport_.posts.size(), 4u) << "a resolved incident is not re-posted";
}

TEST_F(DispatcherTest, MailGoesOutWithAPrioritySubjectAndRetriesTransientErrors) {
  Route mail;
  mail.name = "mail";
  mail.type = RouteType::kSmtp;
  mail.scheme = "smtps";
  mail.host = "mail.example";
  mail.port = 465;
  mail.tls.ca_file = "/ca.pem";
  mail.from = "keel@example.org";
  mail.to = {"ops@example.org", "oncall@example.org"};
  mail.username = "keel";
  mail.password = "pw";
  auto d = Open({mail});
  Notify(1, "north", 100);
  Notify(2, "north", 100);
  transport_.mail_replies = {Status::Unavailable("451 try later"), Status::Ok(),
                             Status::InvalidArgument("550 no such user")};
  d->Poll();
  clock_.AdvanceMs(1000);
  d->Poll();
  ASSERT_EQ(transport_.mails.size(), 3u);
  const MailMessage& m = transport_.mails[1];
  EXPECT_EQ(m.url, "smtps://mail.example:465");
  EXPECT_EQ(m.to.size(), 2u);
  EXPECT_EQ(m.password, "pw");
  EXPECT_NE(m.content.find("Subject: [Keel P1] opened: sensor_fault"), std::string::npos)
      << m.content;
  EXPECT_NE(m.content.find("To: ops@example.org, oncall@example.org\r\n"), std::string::npos);
  EXPECT_NE(m.content.find("Link: /api/v1/incidents/1\r\n"), std::string::npos);
  EXPECT_EQ(CounterValue("keel_notify_sent_total", "mail"), 1u);
  EXPECT_EQ(CounterValue("keel_notify_failed_total", "mail"), 1u);  // 550: final
  EXPECT_EQ(CounterValue("keel_notify_retries_total", "mail"), 1u);
}

}  // namespace
}  // namespace keel::hub::notify
