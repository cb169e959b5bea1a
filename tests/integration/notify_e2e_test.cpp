// End-to-end: notification routes in a real keel-hub (--notify-routes). A
// device's detection becomes an incident whose "opened" notification reaches
// a webhook over mutual TLS; a hub kill -9 and restart sends nothing twice;
// the clear's "resolved" notification follows, and the outbox records both
// as delivered.
#include <gtest/gtest.h>
#include <httplib.h>

#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "common/sigpipe_guard.h"
#include "integration/hub_process.h"
#include "test_util/test_pki.h"

namespace keel {
namespace {

using nlohmann::json;

std::string Detection(uint64_t seq, const std::string& type, int64_t t) {
  return json{{"seq", seq},
              {"series", json::object()},
              {"events", json::array({{{"type", type}, {"t", t}, {"data", {{"signal", "temp"}}}}})}}
      .dump();
}

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

class NotifyE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pki_.Issue("receiver", "localhost", /*server=*/true);
    pki_.Issue("hub", "keel-hub");
    receiver_ = std::make_unique<httplib::SSLServer>(
        pki_.cert("receiver").c_str(), pki_.key("receiver").c_str(), pki_.ca_cert().c_str());
    ASSERT_TRUE(receiver_->is_valid());
    receiver_->Post("/incidents", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard lock(mu_);
      received_.push_back(json::parse(req.body, nullptr, false));
      res.status = 204;
    });
    const int port = receiver_->bind_to_any_port("127.0.0.1");
    ASSERT_GT(port, 0);
    serving_ = std::thread([this] {
      ScopedSigpipeBlock no_sigpipe;
      receiver_->listen_after_bind();
    });

    const auto policy = tmp_.path() / "alert-policy.json";
    std::ofstream(policy) << R"({"group_wait_ms": 1000, "resolve_after_ms": 1000})";
    const auto routes = tmp_.path() / "notify-routes.json";
    std::ofstream(routes) << json{
        {"routes",
         {{{"name", "control-room"},
           {"type", "webhook"},
           {"url", "https://127.0.0.1:" + std::to_string(port) + "/incidents"},
           {"tls",
            {{"ca_file", pki_.ca_cert().string()},
             {"cert_file", pki_.cert("hub").string()},
             {"key_file", pki_.key("hub").string()}}}}}}};
    hub_ = std::make_unique<HubProcess>(
        tmp_.path(), std::vector<std::string>{"--alert-policy", policy.string(), "--notify-routes",
                                              routes.string()});
    hub_->Start();
  }
  void TearDown() override {
    hub_.reset();
    receiver_->stop();
    if (serving_.joinable()) serving_.join();
  }

  std::vector<std::string> Reasons() {
    std::lock_guard lock(mu_);
    std::vector<std::string> reasons;
    for (const auto& body : received_) {
      reasons.push_back(body.value("/notification/reason"_json_pointer, std::string("?")));
    }
    return reasons;
  }

  TempDir tmp_;
  TestPki pki_{tmp_.path() / "receiver-pki"};
  std::unique_ptr<httplib::SSLServer> receiver_;
  std::thread serving_;
  std::mutex mu_;
  std::vector<json> received_;
  std::unique_ptr<HubProcess> hub_;
};

TEST_F(NotifyE2eTest, AnIncidentReachesTheWebhookOnceAcrossACrashAndResolves) {
  const auto dir = hub_->EnrollDevice("pump-1");
  ASSERT_EQ(hub_->Publish(dir, "keel/v1/pump-1/telemetry",
                          Detection(1, "sensor_fault.raised", NowMs()), "pump-1-raise"),
            0);
  ASSERT_TRUE(Eventually([&] { return Reasons().size() == 1; }, std::chrono::seconds(20)))
      << hub_->Log();
  {
    std::lock_guard lock(mu_);
    const json& opened = received_[0];
    EXPECT_EQ(opened["notification"]["reason"], "opened");
    EXPECT_EQ(opened["incident"]["labels"]["device"], "pump-1");
    EXPECT_EQ(opened["incident"]["link"],
              "/api/v1/incidents/" + std::to_string(opened["incident"]["id"].get<int64_t>()));
  }

  hub_->Kill9();
  hub_->Start();
  std::this_thread::sleep_for(std::chrono::seconds(3));  // several dispatcher polls
  EXPECT_EQ(Reasons(), std::vector<std::string>{"opened"}) << "nothing is sent twice";

  ASSERT_EQ(hub_->Publish(dir, "keel/v1/pump-1/telemetry",
                          Detection(2, "sensor_fault.cleared", NowMs()), "pump-1-clear"),
            0);
  ASSERT_TRUE(Eventually([&] { return Reasons().size() == 2; }, std::chrono::seconds(20)))
      << hub_->Log();
  EXPECT_EQ(Reasons(), (std::vector<std::string>{"opened", "resolved"}));
  auto [rc, out] = hub_->Keelctl({"--json", "incident", "notifications"});
  ASSERT_EQ(rc, 0) << out;
  const json outbox = json::parse(out)["notifications"];
  ASSERT_EQ(outbox.size(), 2u) << out;
  for (const auto& n : outbox) EXPECT_GT(n["delivered_ms"].get<int64_t>(), 0) << out;
  EXPECT_EQ(hub_->Metric("keel_notify_sent_total{route=\"control-room\"}"), 1.0)
      << "counted since the restart";
}

}  // namespace
}  // namespace keel
