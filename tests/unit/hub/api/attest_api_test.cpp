// Measured-load attestation end to end: the device's Attestor over mTLS
// against the real ApiServer, with models published and deployed through
// keelctl. Trusted, a replayed quote refused, an update in progress not
// quarantined, a model file swapped on disk quarantined (commands refused,
// update directives held back but the remediation, telemetry not acked),
// and remediation lifting it.
#include <httplib.h>

#include "edge/attest/attestor.h"
#include "hub/ingest/ingest_service.h"
#include "unit/hub/api/update_api_fixture.h"
#include "wire/messages.h"
#include "wire/ota_messages.h"
#include "wire/topics.h"

namespace keel::hub {
namespace {

using edge::attest::MeasuredEvent;
using nlohmann::json;
using ::testing::HasSubstr;

// The HTTPS transport, keeping each quote it sent (to replay one).
class RecordingTransport : public edge::attest::AttestTransport {
 public:
  explicit RecordingTransport(edge::ota::HubHttpsOptions options) : https_(std::move(options)) {}
  Result<edge::attest::NonceReply> FetchNonce() override { return https_.FetchNonce(); }
  Result<edge::attest::Verdict> SendQuote(const edge::attest::SignedQuote& quote) override {
    sent.push_back(quote);
    return https_.SendQuote(quote);
  }
  std::vector<edge::attest::SignedQuote> sent;

 private:
  edge::attest::HttpsAttestTransport https_;
};

class AttestApiTest : public testing::UpdateApiFixture {
 protected:
  void SetUp() override {
    UpdateApiFixture::SetUp();
    ASSERT_TRUE(store_->RecordCertificate("pump-1", "01", 1LL << 50, 1).ok());
    identity_ = dir_.path() / "identity";
    ASSERT_TRUE(EnsureDirectory(identity_).ok());
    std::filesystem::copy_file(pki_->cert("pump-1"), identity_ / "device.crt");
    std::filesystem::copy_file(pki_->key("pump-1"), identity_ / "device.key");
    transport_ = std::make_unique<RecordingTransport>(
        edge::ota::HubHttpsOptions{Endpoint{"https", "localhost", server_->port()}, pki_->ca_cert(),
                                   pki_->cert("pump-1"), pki_->key("pump-1")});
  }

  // A new agent start: measures its binary and the bundle in `bundle`, then
  // attests.
  edge::attest::Verdict AttestRunning(
      const std::vector<std::pair<std::string, std::filesystem::path>>& models) {
    edge::attest::MeasurementLog log;
    EXPECT_TRUE(log.Extend({"agent", "keel-edge", "0.1.0", std::string(64, 'a')}).ok());
    for (const auto& [version, dir] : models) {
      auto digest = edge::attest::MeasureBundleDir(dir);
      EXPECT_TRUE(digest.ok()) << digest.status().ToString();
      EXPECT_TRUE(log.Extend({"model", "pump-ae", version, *digest}).ok());
    }
    edge::attest::Attestor attestor(identity_, log, *transport_, keys_.clock);
    auto verdict = attestor.Attest();
    EXPECT_TRUE(verdict.ok()) << verdict.status().ToString();
    return verdict.ok() ? *verdict : edge::attest::Verdict{false, "refused"};
  }

  httplib::Result Operator(const std::string& method, const std::string& path,
                           const std::string& body = "{}") {
    httplib::SSLClient client("localhost", server_->port());
    client.set_ca_cert_path(pki_->ca_cert().c_str());
    client.enable_server_certificate_verification(true);
    const httplib::Headers headers = {{"Authorization", "Bearer operator"}};
    if (method == "GET") return client.Get(path, headers);
    return client.Post(path, headers, body, "application/json");
  }

  wire::PollReply Poll(const wire::PollRequest& request) {
    httplib::SSLClient client("localhost", server_->port(), pki_->cert("pump-1").string(),
                              pki_->key("pump-1").string());
    client.set_ca_cert_path(pki_->ca_cert().c_str());
    client.enable_server_certificate_verification(true);
    auto res =
        client.Post("/api/v1/updates/poll", wire::EncodePollRequest(request), "application/json");
    EXPECT_TRUE(res && res->status == 200);
    auto reply = wire::DecodePollReply(res ? res->body : "");
    EXPECT_TRUE(reply.ok());
    return reply.ok() ? *reply : wire::PollReply{};
  }

  void Deploy(const std::string& artifact) {
    auto [rc, out] =
        Keelctl({"deploy", "create", "--artifact", artifact, "--target", "devices:pump-1",
                 "--canary", "1", "--waves", "100", "--wave-soak", "0s"});
    ASSERT_EQ(rc, 0) << out;
  }

  std::filesystem::path identity_;
  std::unique_ptr<RecordingTransport> transport_;
};

TEST_F(AttestApiTest, TrustedReplayedMidUpdateSwappedAndRemediated) {
  // A device that never had a model deployment: its local bundle is its
  // first-use baseline.
  const auto local = Bundle("1.2.0", "onnx local model");
  EXPECT_TRUE(AttestRunning({{"1.2.0", local}}).trusted);
  // The same quote again (an old nonce) is refused.
  const edge::attest::SignedQuote old = transport_->sent.back();
  auto replayed = transport_->SendQuote(old);
  EXPECT_EQ(replayed.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(replayed.status().message(), HasSubstr("nonce unknown, used or expired"));

  // Mid-update: 1.3.0 is deployed; the device hot-swaps to it before its
  // committed report reaches the hub.
  const auto v13 = Bundle("1.3.0", "onnx model 1.3.0");
  ASSERT_EQ(Keelctl({"model", "push", v13.string()}).first, 0);
  // The device measures what the registry digests.
  EXPECT_EQ(*edge::attest::MeasureBundleDir(v13), store_->GetArtifact("pump-ae", "1.3.0")->digest);
  Deploy("pump-ae@1.3.0");
  wire::PollRequest poll;
  poll.installed = {{"model", "pump-ae", "1.2.0"}};
  ASSERT_EQ(Poll(poll).directives.size(), 1u);
  EXPECT_TRUE(AttestRunning({{"1.2.0", local}, {"1.3.0", v13}}).trusted);
  poll.reports = {{1, 1, "model", "pump-ae", "1.3.0", "installing", "", 1}};
  Poll(poll);
  EXPECT_TRUE(AttestRunning({{"1.3.0", v13}}).trusted);
  EXPECT_FALSE(attestation_->IsQuarantined("pump-1"));
  poll.reports = {{2, 1, "model", "pump-ae", "1.3.0", "committed", "", 2}};
  poll.installed = {{"model", "pump-ae", "1.3.0"}};
  EXPECT_TRUE(Poll(poll).directives.empty());
  EXPECT_TRUE(AttestRunning({{"1.3.0", v13}}).trusted);

  // The model file is swapped on disk: the next attestation quarantines.
  ASSERT_TRUE(WriteFileAtomic(v13 / "model.onnx", "onnx a trojan").ok());
  const auto verdict = AttestRunning({{"1.3.0", v13}});
  EXPECT_FALSE(verdict.trusted);
  EXPECT_THAT(verdict.reason, HasSubstr("model pump-ae@1.3.0: its files differ"));
  auto shown = Operator("GET", "/api/v1/devices/pump-1");
  ASSERT_TRUE(shown);
  const json device = json::parse(shown->body);
  EXPECT_THAT(device["quarantined"]["reason"].get<std::string>(), HasSubstr("its files differ"));
  EXPECT_EQ(device["quarantined"]["since"], keys_.clock.NowMs());
  auto raw = Operator("POST", "/api/v1/devices/pump-1/raw", R"({"seconds": 5})");
  ASSERT_TRUE(raw);
  EXPECT_EQ(raw->status, 409);
  EXPECT_THAT(raw->body, HasSubstr("quarantined"));

  // Update directives are held back, except a re-install of 1.3.0.
  const auto v14 = Bundle("1.4.0", "onnx model 1.4.0");
  ASSERT_EQ(Keelctl({"model", "push", v14.string()}).first, 0);
  Deploy("pump-ae@1.4.0");
  poll.reports.clear();
  EXPECT_TRUE(Poll(poll).directives.empty());
  Deploy("pump-ae@1.3.0");
  auto remediation = Poll(poll).directives;
  ASSERT_EQ(remediation.size(), 1u);
  EXPECT_EQ(remediation[0], (wire::Directive{3, "model", "pump-ae", "1.3.0", "install"}));

  // Telemetry is dropped unacknowledged while quarantined.
  IngestOptions ingest_options;
  ingest_options.is_quarantined = [this](const std::string& d) {
    return attestation_->IsQuarantined(d);
  };
  std::vector<uint64_t> acks;
  IngestService ingest(*store_, *store_, keys_.clock, metrics_, ingest_options,
                       [&](const std::string&, uint64_t seq) { acks.push_back(seq); });
  ingest.Start();
  wire::TelemetryBatch batch;
  batch.seq = 1;
  batch.series.push_back({"temp", {{keys_.clock.NowMs(), 1.0}}});
  mqtt::Message message;
  message.topic = wire::TelemetryTopic("pump-1");
  message.payload = wire::EncodeTelemetry(batch, wire::Encoding::kJson);
  message.content_type = std::string(wire::ContentTypeFor(wire::Encoding::kJson));
  message.user_properties.emplace_back("keel-identity", "pump-1");
  ingest.OnMessage(message);
  ingest.Flush();
  EXPECT_TRUE(acks.empty());

  // Remediation: the genuine 1.3.0 bytes again lift the quarantine.
  ASSERT_TRUE(WriteFileAtomic(v13 / "model.onnx", "onnx model 1.3.0").ok());
  const auto lifted = AttestRunning({{"1.3.0", v13}});
  EXPECT_TRUE(lifted.trusted);
  EXPECT_EQ(lifted.reason, "quarantine lifted");
  shown = Operator("GET", "/api/v1/devices/pump-1");
  EXPECT_TRUE(json::parse(shown->body)["quarantined"].is_null());
  raw = Operator("POST", "/api/v1/devices/pump-1/raw", R"({"seconds": 5})");
  EXPECT_EQ(raw->status, 503);  // no MQTT in this fixture: past the quarantine check
  ingest.OnMessage(message);
  ingest.Flush();
  EXPECT_EQ(acks, std::vector<uint64_t>{1});
  ingest.Stop();
  auto events = Operator("GET", "/api/v1/devices/pump-1/events?type=attestation.");
  ASSERT_TRUE(events);
  const json listed = json::parse(events->body)["events"];
  ASSERT_EQ(listed.size(), 2u);
  EXPECT_EQ(listed[0]["type"], "attestation.restored");
  EXPECT_EQ(listed[1]["type"], "attestation.quarantined");
}

TEST_F(AttestApiTest, EndpointsNeedADeviceCertificate) {
  httplib::SSLClient anonymous("localhost", server_->port());
  anonymous.set_ca_cert_path(pki_->ca_cert().c_str());
  auto res = anonymous.Post("/api/v1/attest/nonce", "{}", "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 401);
  edge::ota::HubHttpsOptions stranger{Endpoint{"https", "localhost", server_->port()},
                                      pki_->ca_cert(), pki_->cert("pump-9"), pki_->key("pump-9")};
  EXPECT_EQ(edge::attest::HttpsAttestTransport(stranger).FetchNonce().status().code(),
            StatusCode::kPermissionDenied);
  auto nonce = transport_->FetchNonce();
  ASSERT_TRUE(nonce.ok()) << nonce.status().ToString();
  EXPECT_EQ(nonce->nonce.size(), 64u);
  EXPECT_EQ(nonce->expires_ms, keys_.clock.NowMs() + 60'000);
}

}  // namespace
}  // namespace keel::hub
