// Alertmanager routes against the real prometheus-alertmanager (Debian
// package, scripts/install-deps), started on a free loopback port with TLS
// that requires and verifies the hub's client certificate: a Keel incident
// arrives as an active alert and resolves.
#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "hub/notify/notification_dispatcher.h"
#include "notify_test_util.h"
#include "test_util/net.h"
#include "test_util/process.h"
#include "test_util/temp_dir.h"
#include "test_util/test_pki.h"

namespace keel::hub::notify {
namespace {

using nlohmann::json;

constexpr const char* kAlertmanager = "/usr/bin/prometheus-alertmanager";

class AlertmanagerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(std::filesystem::exists(kAlertmanager))
        << kAlertmanager << " is missing: run scripts/install-deps";
    pki_.Issue("am", "localhost", /*server=*/true);
    pki_.Issue("hub", "keel-hub");
    std::ofstream(dir_.path() / "alertmanager.yml")
        << "global:\n  resolve_timeout: 5m\n"
           "route:\n  receiver: blackhole\n  group_by: [incident]\n"
           "receivers:\n  - name: blackhole\n";
    std::ofstream(dir_.path() / "web.yml")
        << "tls_server_config:\n  cert_file: " << pki_.cert("am").string()
        << "\n  key_file: " << pki_.key("am").string()
        << "\n  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: "
        << pki_.ca_cert().string() << "\n";
    port_ = FreeLoopbackPort();
    am_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{kAlertmanager,
                                 "--config.file=" + (dir_.path() / "alertmanager.yml").string(),
                                 "--web.config.file=" + (dir_.path() / "web.yml").string(),
                                 "--storage.path=" + (dir_.path() / "data").string(),
                                 "--web.listen-address=127.0.0.1:" + std::to_string(port_),
                                 "--cluster.listen-address=", "--log.level=warn"},
        dir_.path() / "am.out", dir_.path() / "am.err");
    bool ready = false;
    for (int i = 0; i < 300 && !ready; ++i) {
      auto client = Client(true);
      auto res = client->Get("/-/ready");
      ready = res && res->status == 200;
      if (!ready) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ASSERT_TRUE(ready) << "alertmanager did not become ready: " << am_->Stderr();
    auto store = OpenSqliteStore(dir_.path() / "hub.db");
    ASSERT_TRUE(store.ok());
    store_ = std::move(store).value();
  }

  std::unique_ptr<httplib::SSLClient> Client(bool with_cert) {
    auto client = with_cert
                      ? std::make_unique<httplib::SSLClient>(
                            "127.0.0.1", port_, pki_.cert("hub").string(), pki_.key("hub").string())
                      : std::make_unique<httplib::SSLClient>("127.0.0.1", port_);
    client->set_ca_cert_path(pki_.ca_cert().c_str());
    client->enable_server_certificate_verification(true);
    client->set_connection_timeout(2, 0);
    client->set_read_timeout(5, 0);
    return client;
  }

  // The alerts Alertmanager reports as not resolved (GET /api/v2/alerts).
  json ActiveAlerts() {
    auto res = Client(true)->Get("/api/v2/alerts");
    if (!res || res->status != 200) {
      ADD_FAILURE() << "GET /api/v2/alerts failed";
      return json::array();
    }
    return json::parse(res->body);
  }

  const json* IncidentAlert(const json& alerts, const std::string& id) {
    for (const auto& a : alerts) {
      if (a["labels"].value("incident", "") == id) return &a;
    }
    return nullptr;
  }

  RoutesConfig Config(bool client_cert) {
    std::string doc = R"({"hub_url": "https://hub.example:8443", "routes": [{"name": "am",)"
                      R"( "type": "alertmanager", "url": "https://127.0.0.1:)" +
                      std::to_string(port_) + R"(", "tls": {"ca_file": ")" +
                      pki_.ca_cert().string() + "\"";
    if (client_cert) {
      doc += R"(, "cert_file": ")" + pki_.cert("hub").string() + R"(", "key_file": ")" +
             pki_.key("hub").string() + "\"";
    }
    doc += R"(}, "resend_interval_ms": 60000}]})";
    auto config = ParseNotifyRoutes(doc, "routes.json");
    EXPECT_TRUE(config.ok()) << config.status().ToString();
    return std::move(config).value();
  }

  TempDir dir_;
  TestPki pki_{dir_.path() / "pki"};
  int port_ = 0;
  std::unique_ptr<ChildProcess> am_;
  // Alertmanager compares startsAt/endsAt with its own clock: start at now.
  FakeClock clock_{SystemClock().NowMs()};
  FixedRandom random_{0.0};
  MetricsRegistry metrics_;
  std::unique_ptr<SqliteStore> store_;
  std::unique_ptr<Transport> transport_ = NewTlsTransport();
};

TEST_F(AlertmanagerTest, AKeelIncidentArrivesAsAnAlertAndResolves) {
  auto d =
      NotificationDispatcher::Open(Config(true), *store_, *transport_, clock_, random_, metrics_);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  alerts::Incident incident = MakeIncident(12, "north", "pump-12", 100, clock_.NowMs());
  SaveWithNotification(*store_, incident, "opened", clock_.NowMs());
  (*d)->Poll();
  EXPECT_EQ(metrics_.GetCounter("keel_notify_sent_total", "", {{"route", "am"}}).value(), 1u);

  const json active = ActiveAlerts();
  const json* alert = IncidentAlert(active, "12");
  ASSERT_NE(alert, nullptr) << active.dump();
  EXPECT_EQ((*alert)["labels"]["alertname"], "keel_incident");
  EXPECT_EQ((*alert)["labels"]["priority"], "P1");
  EXPECT_EQ((*alert)["labels"]["severity"], "critical");
  EXPECT_EQ((*alert)["labels"]["site"], "north");
  EXPECT_EQ((*alert)["labels"]["device"], "pump-12");
  EXPECT_EQ((*alert)["annotations"]["title"], incident.Title());
  EXPECT_EQ((*alert)["status"]["state"], "active");
  EXPECT_EQ((*alert)["generatorURL"], "https://hub.example:8443/api/v1/incidents/12");

  clock_.SetMs(SystemClock().NowMs());
  incident.state = alerts::IncidentState::kResolved;
  incident.resolved_ms = clock_.NowMs();
  incident.notified_as = "resolved";
  SaveWithNotification(*store_, incident, "resolved", clock_.NowMs());
  (*d)->Poll();
  EXPECT_EQ(metrics_.GetCounter("keel_notify_sent_total", "", {{"route", "am"}}).value(), 2u);
  // Resolved alerts (endsAt passed) are no longer listed; endsAt is now,
  // so wait for Alertmanager's clock to pass it.
  bool resolved = false;
  for (int i = 0; i < 50 && !resolved; ++i) {
    resolved = IncidentAlert(ActiveAlerts(), "12") == nullptr;
    if (!resolved) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_TRUE(resolved) << ActiveAlerts().dump();
}

TEST_F(AlertmanagerTest, WithoutAClientCertificateTheHubIsRefusedAndRetries) {
  auto d =
      NotificationDispatcher::Open(Config(false), *store_, *transport_, clock_, random_, metrics_);
  ASSERT_TRUE(d.ok());
  SaveWithNotification(*store_, MakeIncident(3, "north", "pump-3", 100, clock_.NowMs()), "opened",
                       clock_.NowMs());
  (*d)->Poll();
  EXPECT_EQ(metrics_.GetCounter("keel_notify_sent_total", "", {{"route", "am"}}).value(), 0u);
  EXPECT_EQ(metrics_.GetCounter("keel_notify_retries_total", "", {{"route", "am"}}).value(), 1u);
  EXPECT_EQ(IncidentAlert(ActiveAlerts(), "3"), nullptr);
}

}  // namespace
}  // namespace keel::hub::notify
