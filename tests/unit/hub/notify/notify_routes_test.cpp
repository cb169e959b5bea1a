// The routes file (hub/notify/notify_routes.h): what parses, and that every
// mistake is an error naming the file and the JSON path.
#include "hub/notify/notify_routes.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "common/files.h"
#include "test_util/temp_dir.h"

namespace keel::hub::notify {
namespace {

constexpr const char* kFull = R"({
  "hub_url": "https://hub.example:8443/",
  "routes": [
    {"name": "ops-hook", "type": "webhook", "url": "https://hooks.example/keel",
     "tls": {"ca_file": "/etc/keel/ca.pem", "cert_file": "/c.pem", "key_file": "/k.pem"},
     "bearer_token_file": "/etc/keel/hook.token",
     "match": {"min_priority": "P2", "severities": ["critical"], "labels": {"site": "north"},
               "reasons": ["opened", "resolved"]},
     "retry": {"max_attempts": 3, "initial_backoff_ms": 500, "max_backoff_ms": 4000},
     "timeout_ms": 2000, "connect_timeout_ms": 1000},
    {"name": "am", "type": "alertmanager", "url": "https://am.example:9093/",
     "tls": {"ca_file": "/ca.pem"}, "resend_interval_ms": 30000},
    {"name": "mail", "type": "smtp", "url": "smtp://mail.example",
     "tls": {"ca_file": "/ca.pem"}, "from": "keel@example.org", "to": ["ops@example.org"],
     "username": "keel", "password_file": "/etc/keel/smtp.password"}
  ]})";

Status ParseError(const std::string& text) {
  auto parsed = ParseNotifyRoutes(text, "routes.json");
  return parsed.ok() ? Status::Ok() : parsed.status();
}

// A one-route document whose route has `members` after name/type/url/tls.
std::string OneRoute(const std::string& members, const std::string& type = "webhook",
                     const std::string& url = "https://h.example/x") {
  return R"({"routes": [{"name": "r", "type": ")" + type + R"(", "url": ")" + url +
         R"(", "tls": {"ca_file": "/ca.pem"})" + (members.empty() ? "" : ", " + members) + "}]}";
}

void ExpectError(const std::string& text, const std::string& message) {
  Status s = ParseError(text);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << text;
  EXPECT_NE(s.message().find(message), std::string::npos) << s.message();
  EXPECT_EQ(s.message().rfind("routes.json: ", 0), 0u) << s.message();
}

TEST(NotifyRoutesTest, ParsesEveryRouteType) {
  auto config = ParseNotifyRoutes(kFull, "routes.json");
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->hub_url, "https://hub.example:8443");
  ASSERT_EQ(config->routes.size(), 3u);
  const Route& hook = config->routes[0];
  EXPECT_EQ(hook.type, RouteType::kWebhook);
  EXPECT_EQ(hook.host, "hooks.example");
  EXPECT_EQ(hook.port, 443);
  EXPECT_EQ(hook.path, "/keel");
  EXPECT_EQ(hook.tls.cert_file, "/c.pem");
  EXPECT_EQ(hook.match.max_priority_bucket, 2);
  EXPECT_EQ(hook.match.labels.at("site"), "north");
  EXPECT_EQ(hook.retry.max_attempts, 3);
  EXPECT_EQ(hook.retry.max_backoff_ms, 4000);
  EXPECT_EQ(hook.timeout_ms, 2000);
  EXPECT_EQ(hook.bearer_token_file, "/etc/keel/hook.token");
  const Route& am = config->routes[1];
  EXPECT_EQ(am.port, 9093);
  EXPECT_EQ(am.path, "");
  EXPECT_EQ(am.resend_interval_ms, 30000);
  EXPECT_EQ(am.retry.max_attempts, 5);  // default
  const Route& mail = config->routes[2];
  EXPECT_EQ(mail.scheme, "smtp");
  EXPECT_EQ(mail.port, 587);
  EXPECT_EQ(mail.to, std::vector<std::string>{"ops@example.org"});
}

TEST(NotifyRoutesTest, RejectsUnknownAndRepeatedMembersAndWrongTypes) {
  ExpectError(OneRoute(R"("colour": "red")"), "routes[0].colour: unknown member");
  ExpectError(R"({"routes": [], "extra": 1})", "extra: unknown member");
  ExpectError(OneRoute(R"("retry": {"max_attempt": 3})"),
              "routes[0].retry.max_attempt: unknown member");
  ExpectError(OneRoute(R"("timeout_ms": 5, "timeout_ms": 6)"), "routes[0].timeout_ms: given twice");
  ExpectError(OneRoute(R"("timeout_ms": "5s")"),
              "routes[0].timeout_ms: expected an integer, got string");
  ExpectError(R"({"routes": [{"name": "r", "type": "webhook", "url": "https://h/",
                 "tls": {"ca_file": 7}}]})",
              "routes[0].tls.ca_file: expected a string, got integer");
  ExpectError(R"({"routes": {}})", "routes: expected an array, got object");
  ExpectError(R"({"routes": [}})", "routes.json");
  ExpectError(R"({})", "routes: missing");
}

TEST(NotifyRoutesTest, RejectsPlaintextAndIncompleteTls) {
  ExpectError(OneRoute("", "webhook", "http://h.example/x"), "routes[0].url: must be https://");
  ExpectError(OneRoute("", "alertmanager", "smtp://h.example"), "routes[0].url: must be https://");
  ExpectError(OneRoute(R"("from": "a@b", "to": ["c@d"])", "smtp", "https://mail.example"),
              "routes[0].url: must be smtps://");
  ExpectError(OneRoute("", "webhook", "https://user:pw@h.example/"),
              "routes[0].url: must not carry credentials");
  ExpectError(OneRoute("", "webhook", "https://h.example:99999/"), "routes[0].url: port");
  ExpectError(R"({"routes": [{"name": "r", "type": "webhook", "url": "https://h/"}]})",
              "routes[0].tls: missing");
  ExpectError(R"({"routes": [{"name": "r", "type": "webhook", "url": "https://h/",
                 "tls": {"ca_file": "/ca", "cert_file": "/c"}}]})",
              "routes[0].tls.key_file: cert_file and key_file go together");
  ExpectError(R"({"hub_url": "http://hub", "routes": []})", "hub_url: must be an https:// URL");
}

TEST(NotifyRoutesTest, RejectsBadRouteSettings) {
  ExpectError(R"({"routes": [{"name": "bad name", "type": "webhook"}]})", "routes[0].name");
  ExpectError(OneRoute("", "pager"), "routes[0].type: \"pager\" is not webhook");
  ExpectError(OneRoute(R"("match": {"min_priority": "P5"})"), "routes[0].match.min_priority");
  ExpectError(OneRoute(R"("match": {"severities": ["fatal"]})"), "routes[0].match.severities");
  ExpectError(OneRoute(R"("match": {"reasons": ["acked"]})"), "routes[0].match.reasons");
  ExpectError(OneRoute(R"("retry": {"max_attempts": 0})"), "routes[0].retry.max_attempts");
  ExpectError(OneRoute(R"("retry": {"initial_backoff_ms": 5000, "max_backoff_ms": 10})"),
              "routes[0].retry.max_backoff_ms: must not be less than initial_backoff_ms");
  ExpectError(OneRoute(R"("resend_interval_ms": 5)", "alertmanager", "https://am/"),
              "routes[0].resend_interval_ms: must be at least 1000");
  ExpectError(OneRoute(R"("resend_interval_ms": 5000)"), "routes[0].resend_interval_ms: unknown");
  ExpectError(OneRoute(R"("from": "a@b", "to": [])", "smtp", "smtps://m"),
              "routes[0].to: needs at least one address");
  ExpectError(OneRoute(R"("from": "a@b", "to": ["c@d"], "username": "u")", "smtp", "smtps://m"),
              "routes[0].password_file: username and password_file go together");
  ExpectError(
      OneRoute(R"("from": "a@b", "to": ["c@d"], "bearer_token_file": "/t")", "smtp", "smtps://m"),
      "routes[0].bearer_token_file: unknown member");
  ExpectError(R"({"routes": [)" + OneRoute("").substr(12, OneRoute("").size() - 14) + ", " +
                  OneRoute("").substr(12, OneRoute("").size() - 14) + "]}",
              "routes[1].name: \"r\" is used by an earlier route");
}

TEST(NotifyRoutesTest, LoadsSecretsFromFiles) {
  TempDir dir;
  std::ofstream(dir.path() / "token") << "s3cret\n";
  auto config = ParseNotifyRoutes(
      OneRoute(R"("bearer_token_file": ")" + (dir.path() / "token").string() + "\""),
      "routes.json");
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  ASSERT_TRUE(LoadRouteSecrets(*config).ok());
  EXPECT_EQ(config->routes[0].bearer_token, "s3cret");

  config->routes[0].bearer_token_file = dir.path() / "missing";
  Status missing = LoadRouteSecrets(*config);
  EXPECT_FALSE(missing.ok());
  EXPECT_NE(missing.message().find("route r: bearer_token_file"), std::string::npos)
      << missing.message();
  std::ofstream(dir.path() / "empty") << "\n";
  config->routes[0].bearer_token_file = dir.path() / "empty";
  EXPECT_EQ(LoadRouteSecrets(*config).code(), StatusCode::kInvalidArgument);
}

TEST(NotifyRoutesTest, MatchesPriorityOrBetterSeveritiesReasonsAndLabels) {
  RouteMatch match;
  match.max_priority_bucket = 2;
  MatchInput input{"P2", "warning", "opened", {{"site", "north"}, {"device", "d1"}}};
  EXPECT_TRUE(RouteMatches(match, input));
  input.priority = "P3";
  EXPECT_FALSE(RouteMatches(match, input));
  input.priority = "P1";
  match.severities = {"critical"};
  EXPECT_FALSE(RouteMatches(match, input));
  input.severity = "critical";
  match.labels = {{"site", "north"}};
  EXPECT_TRUE(RouteMatches(match, input));
  match.labels = {{"site", "south"}};
  EXPECT_FALSE(RouteMatches(match, input));
  match.labels = {{"asset", "p1"}};
  EXPECT_FALSE(RouteMatches(match, input));
  match.labels.clear();
  match.reasons = {"resolved"};
  EXPECT_FALSE(RouteMatches(match, input));
}

TEST(NotifyRoutesTest, BackoffDoublesUpToTheMaximumWithJitter) {
  RetryPolicy retry{6, 1000, 5000};
  EXPECT_EQ(BackoffMs(retry, 1, 0.0), 500);
  EXPECT_EQ(BackoffMs(retry, 2, 0.0), 1000);
  EXPECT_EQ(BackoffMs(retry, 3, 0.0), 2000);
  EXPECT_EQ(BackoffMs(retry, 4, 0.0), 2500);  // 8000 capped at 5000, halved
  EXPECT_EQ(BackoffMs(retry, 60, 0.0), 2500);
  EXPECT_EQ(BackoffMs(retry, 1, 0.5), 750);
  EXPECT_LT(BackoffMs(retry, 4, 0.999), 5000);
}

}  // namespace
}  // namespace keel::hub::notify

namespace keel::hub::notify {
namespace {

TEST(NotifyRoutesTest, TheExampleRoutesFileParses) {
  auto text =
      ReadFile(std::filesystem::path(KEEL_SOURCE_DIR) / "examples/plant/notify-routes.json");
  ASSERT_TRUE(text.ok()) << text.status().ToString();
  auto config = ParseNotifyRoutes(*text, "notify-routes.json");
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  ASSERT_EQ(config->routes.size(), 3u);
  EXPECT_EQ(config->routes[1].type, RouteType::kAlertmanager);
  EXPECT_EQ(config->routes[2].type, RouteType::kSmtp);
}

}  // namespace
}  // namespace keel::hub::notify
