// Webhook routes through the real transport (cpp-httplib) against a local
// HTTPS server that requires and verifies the hub's client certificate.
#include <gtest/gtest.h>
#include <httplib.h>

#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "common/sigpipe_guard.h"
#include "hub/notify/notification_dispatcher.h"
#include "notify_test_util.h"
#include "test_util/temp_dir.h"
#include "test_util/test_pki.h"

namespace keel::hub::notify {
namespace {

class WebhookHttpsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pki_.Issue("server", "localhost", /*server=*/true);
    pki_.Issue("hub", "keel-hub");
    other_.Issue("stranger", "stranger");
    server_ = std::make_unique<httplib::SSLServer>(
        pki_.cert("server").c_str(), pki_.key("server").c_str(), pki_.ca_cert().c_str());
    ASSERT_TRUE(server_->is_valid());
    server_->Post("/hook", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard lock(mu_);
      bodies_.push_back(req.body);
      authorization_ = req.get_header_value("Authorization");
      res.status = status_;
    });
    port_ = server_->bind_to_any_port("127.0.0.1");
    ASSERT_GT(port_, 0);
    thread_ = std::thread([this] {
      ScopedSigpipeBlock no_sigpipe;  // inherited by the server's workers: clients hang up
      server_->listen_after_bind();
    });
    auto store = OpenSqliteStore(dir_.path() / "hub.db");
    ASSERT_TRUE(store.ok());
    store_ = std::move(store).value();
  }
  void TearDown() override {
    server_->stop();
    if (thread_.joinable()) thread_.join();
  }

  Route HookRoute(bool client_cert) {
    const std::string doc =
        R"({"hub_url": "https://hub.example:8443", "routes": [{"name": "hook", "type": "webhook",)"
        R"( "url": "https://127.0.0.1:)" +
        std::to_string(port_) + R"(/hook", "tls": {"ca_file": ")" + pki_.ca_cert().string() + "\"" +
        (client_cert ? R"(, "cert_file": ")" + pki_.cert("hub").string() + R"(", "key_file": ")" +
                           pki_.key("hub").string() + "\""
                     : "") +
        R"(}, "retry": {"max_attempts": 2, "initial_backoff_ms": 1000}, "timeout_ms": 5000}]})";
    auto config = ParseNotifyRoutes(doc, "routes.json");
    EXPECT_TRUE(config.ok()) << config.status().ToString();
    return config->routes.at(0);
  }

  size_t Received() {
    std::lock_guard lock(mu_);
    return bodies_.size();
  }

  TempDir dir_;
  TestPki pki_{dir_.path() / "pki"};
  TestPki other_{dir_.path() / "other", "other-ca"};
  std::unique_ptr<httplib::SSLServer> server_;
  std::thread thread_;
  int port_ = 0;
  std::mutex mu_;
  std::vector<std::string> bodies_;
  std::string authorization_;
  int status_ = 200;
  FakeClock clock_;
  FixedRandom random_{0.0};
  MetricsRegistry metrics_;
  std::unique_ptr<SqliteStore> store_;
  std::unique_ptr<Transport> transport_ = NewTlsTransport();
};

TEST_F(WebhookHttpsTest, DeliversOverMutualTls) {
  RoutesConfig config;
  config.hub_url = "https://hub.example:8443";
  config.routes.push_back(HookRoute(true));
  config.routes[0].bearer_token = "hook-token";
  auto d = NotificationDispatcher::Open(config, *store_, *transport_, clock_, random_, metrics_);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  SaveWithNotification(*store_, MakeIncident(5, "north", "pump-5", 100, clock_.NowMs()), "opened",
                       clock_.NowMs());
  (*d)->Poll();
  ASSERT_EQ(Received(), 1u);
  auto body = nlohmann::json::parse(bodies_[0]);
  EXPECT_EQ(body["notification"]["incident"], 5);
  EXPECT_EQ(body["incident"]["link"], "https://hub.example:8443/api/v1/incidents/5");
  EXPECT_EQ(authorization_, "Bearer hook-token");
  EXPECT_EQ(metrics_.GetCounter("keel_notify_sent_total", "", {{"route", "hook"}}).value(), 1u);
}

TEST_F(WebhookHttpsTest, TheServerRefusesAHubWithoutAClientCertificate) {
  HttpsPost post;
  const Route route = HookRoute(false);
  post.host = route.host;
  post.port = route.port;
  post.path = route.path;
  post.body = "{}";
  post.tls = route.tls;
  auto result = transport_->Post(post);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(Received(), 0u);

  // A certificate from another CA is refused as well.
  post.tls.cert_file = other_.cert("stranger");
  post.tls.key_file = other_.key("stranger");
  EXPECT_EQ(transport_->Post(post).status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(Received(), 0u);
}

TEST_F(WebhookHttpsTest, TheHubRefusesAServerItsCaDidNotSign) {
  HttpsPost post;
  const Route route = HookRoute(true);
  post.host = route.host;
  post.port = route.port;
  post.path = route.path;
  post.body = "{}";
  post.tls = route.tls;
  post.tls.ca_file = other_.ca_cert();
  auto result = transport_->Post(post);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(Received(), 0u);
}

TEST_F(WebhookHttpsTest, ServerErrorsAreRetriedThenGivenUp) {
  status_ = 503;
  RoutesConfig config;
  config.routes.push_back(HookRoute(true));
  auto d = NotificationDispatcher::Open(config, *store_, *transport_, clock_, random_, metrics_);
  ASSERT_TRUE(d.ok());
  SaveWithNotification(*store_, MakeIncident(5, "north", "pump-5", 100, clock_.NowMs()), "opened",
                       clock_.NowMs());
  (*d)->Poll();
  clock_.AdvanceMs(500);
  (*d)->Poll();
  EXPECT_EQ(Received(), 2u);
  EXPECT_EQ(metrics_.GetCounter("keel_notify_retries_total", "", {{"route", "hook"}}).value(), 1u);
  EXPECT_EQ(metrics_.GetCounter("keel_notify_failed_total", "", {{"route", "hook"}}).value(), 1u);
}

}  // namespace
}  // namespace keel::hub::notify
