// Deployments end to end through the API: keelctl tags devices and creates,
// watches and steers a deployment; a device polls over mTLS, gets its
// directive and reports.
#include <httplib.h>

#include "unit/hub/api/update_api_fixture.h"
#include "wire/ota_messages.h"

namespace keel::hub {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

class RolloutsApiTest : public testing::UpdateApiFixture {
 protected:
  // One update poll as `device` over HTTPS with its client certificate.
  httplib::Result PollAs(const std::string& device, const std::string& body) {
    client_ = std::make_unique<httplib::SSLClient>(
        "localhost", server_->port(), pki_->cert(device).string(), pki_->key(device).string());
    client_->set_ca_cert_path(pki_->ca_cert().c_str());
    client_->enable_server_certificate_verification(true);
    return client_->Post("/api/v1/updates/poll", body, "application/json");
  }

  wire::PollReply Poll(const std::string& device, const wire::PollRequest& request) {
    auto res = PollAs(device, wire::EncodePollRequest(request));
    EXPECT_TRUE(res);
    if (!res) return {};
    EXPECT_EQ(res->status, 200) << res->body;
    auto reply = wire::DecodePollReply(res->body);
    EXPECT_TRUE(reply.ok()) << reply.status().ToString();
    return reply.ok() ? *reply : wire::PollReply{};
  }

  std::unique_ptr<httplib::SSLClient> client_;
};

TEST_F(RolloutsApiTest, ADeploymentFromCreateToCompleted) {
  ASSERT_TRUE(store_->RecordCertificate("pump-1", "01", 1LL << 50, 1).ok());
  ASSERT_EQ(Keelctl({"model", "push", Bundle("1.3.0", "model").string()}).first, 0);
  auto [tag_rc, tagged] = Keelctl({"device", "tag", "pump-1", "site=north", "line=2"});
  ASSERT_EQ(tag_rc, 0) << tagged;
  auto [show_rc, shown] = Keelctl({"--json", "device", "show", "pump-1"});
  EXPECT_EQ(json::parse(shown)["tags"]["site"], "north");

  auto [rc, created] =
      Keelctl({"deploy", "create", "--artifact", "pump-ae@1.3.0", "--target", "tag:site=north",
               "--canary", "1", "--waves", "100", "--wave-soak", "0s", "--device-timeout", "5m"});
  ASSERT_EQ(rc, 0) << created;
  EXPECT_THAT(created, HasSubstr("deployment 1 pump-ae@1.3.0 running wave 0/1"));

  wire::PollRequest request;
  request.installed = {{"model", "pump-ae", "1.2.0"}};
  wire::PollReply reply = Poll("pump-1", request);
  ASSERT_EQ(reply.directives.size(), 1u);
  EXPECT_EQ(reply.directives[0], (wire::Directive{1, "model", "pump-ae", "1.3.0", "install"}));

  request.reports = {{1, 1, "model", "pump-ae", "1.3.0", "installing", "", 1},
                     {2, 1, "model", "pump-ae", "1.3.0", "committed", "", 2}};
  reply = Poll("pump-1", request);
  EXPECT_EQ(reply.acked, 2);
  EXPECT_TRUE(reply.directives.empty());
  ASSERT_TRUE(rollouts_->Tick().ok());

  auto [status_rc, status] = Keelctl({"deploy", "status", "1"});
  ASSERT_EQ(status_rc, 0) << status;
  auto [json_rc, status_json] = Keelctl({"--json", "deploy", "status", "1"});
  EXPECT_EQ(json::parse(status_json)["gate"]["min_windows"], 20);  // the default
  EXPECT_THAT(status, HasSubstr("completed"));
  EXPECT_THAT(status, HasSubstr("[##############################] 1/1"));
  EXPECT_THAT(status, HasSubstr("committed 1"));
  auto [list_rc, list] = Keelctl({"deploy", "list"});
  EXPECT_THAT(list, HasSubstr("pump-ae@1.3.0"));
  auto [pause_rc, pause] = Keelctl({"deploy", "pause", "1"});
  EXPECT_EQ(pause_rc, 1);
  EXPECT_THAT(pause, HasSubstr("deployment 1 is completed: cannot pause"));
}

TEST_F(RolloutsApiTest, HealthGateThresholdsAreSetPerDeployment) {
  ASSERT_TRUE(store_->RecordCertificate("pump-1", "01", 1LL << 50, 1).ok());
  ASSERT_EQ(Keelctl({"model", "push", Bundle("1.3.0", "model").string()}).first, 0);
  auto [rc, created] =
      Keelctl({"--json", "deploy", "create", "--artifact", "pump-ae@1.3.0", "--max-error-rate",
               "0.5%", "--anomaly-factor", "1.2", "--anomaly-margin", "1%", "--latency-factor",
               "1.1", "--latency-margin", "250us", "--min-windows", "50"});
  ASSERT_EQ(rc, 0) << created;
  const json gate = json::parse(created)["gate"];
  EXPECT_DOUBLE_EQ(gate["max_error_rate"].get<double>(), 0.005);
  EXPECT_DOUBLE_EQ(gate["anomaly_factor"].get<double>(), 1.2);
  EXPECT_DOUBLE_EQ(gate["anomaly_margin"].get<double>(), 0.01);
  EXPECT_DOUBLE_EQ(gate["latency_factor"].get<double>(), 1.1);
  EXPECT_EQ(gate["latency_margin_us"], 250);
  EXPECT_EQ(gate["min_windows"], 50);
}

TEST_F(RolloutsApiTest, PollsNeedADeviceCertificateAndAValidBody) {
  httplib::SSLClient anonymous("localhost", server_->port());
  anonymous.set_ca_cert_path(pki_->ca_cert().c_str());
  auto res = anonymous.Post("/api/v1/updates/poll", "{}", "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 401);
  auto stranger = PollAs("pump-9", "{}");
  ASSERT_TRUE(stranger);
  EXPECT_EQ(stranger->status, 403);
  auto garbage = PollAs("pump-1", R"({"installed": 1})");
  ASSERT_TRUE(garbage);
  EXPECT_EQ(garbage->status, 400);
  EXPECT_THAT(garbage->body, HasSubstr("poll:"));
}

TEST_F(RolloutsApiTest, BadRequestsNameWhatIsWrong) {
  auto [rc, out] = Keelctl({"deploy", "create", "--artifact", "pump-ae@7.0.0"});
  EXPECT_EQ(rc, 1);
  EXPECT_THAT(out, HasSubstr("not published"));
  auto [waves_rc, waves] = Keelctl({"deploy", "create", "--artifact", "x@1.0.0", "--waves", "50"});
  EXPECT_THAT(waves, HasSubstr("last wave must be 100"));
  auto [tag_rc, tag] = Keelctl({"device", "tag", "pump-1", "bad tag=x"});
  EXPECT_EQ(tag_rc, 1);
  EXPECT_THAT(tag, HasSubstr("tags.bad tag"));
  auto [gate_rc, gate] =
      Keelctl({"deploy", "create", "--artifact", "x@1.0.0", "--latency-margin", "2 weeks"});
  EXPECT_EQ(gate_rc, 1);
  EXPECT_THAT(gate, HasSubstr("gate.latency_margin"));
  auto [id_rc, id] = Keelctl({"deploy", "status", "0"});
  EXPECT_EQ(id_rc, 1);
  auto [missing_rc, missing] = Keelctl({"deploy", "status", "42"});
  EXPECT_THAT(missing, HasSubstr("no deployment 42"));
}

}  // namespace
}  // namespace keel::hub
