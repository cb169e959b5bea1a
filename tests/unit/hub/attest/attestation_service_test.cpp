// AttestationService against a real SQLite store: refusals, the policy
// (first-use baselines, committed versions, updates in progress, earlier
// events) and quarantine with its remediation.
#include "hub/attest/attestation_service.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <mutex>

#include "crypto/certificate_authority.h"
#include "crypto/tokens.h"
#include "hub/bus/event_bus.h"
#include "hub/rollout/deployment.h"
#include "hub/store/sqlite_store.h"
#include "test_util/temp_dir.h"

namespace keel::hub::attest {
namespace {

using edge::attest::MeasuredEvent;
using ::testing::HasSubstr;

class AttestationServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = OpenSqliteStore(dir_.path() / "hub.db").value();
    ASSERT_TRUE(store_->CreateDevice("pump-1", 0).ok());
    auto ca = crypto::CertificateAuthority::LoadOrCreate(dir_.path() / "pki", "CA", clock_);
    ASSERT_TRUE(ca.ok());
    key_ = std::make_unique<crypto::PrivateKey>(crypto::PrivateKey::Generate().value());
    cert_ = std::make_unique<crypto::Certificate>(
        ca->IssueForKey(*key_, "pump-1", {}, std::chrono::hours(1), crypto::CertUsage::kClient)
            .value());
    Reopen();
  }

  void Reopen(bus::EventBus* bus = nullptr) {
    service_.reset();
    auto service = AttestationService::Open(*store_, *store_, *store_, clock_, metrics_, {}, bus);
    ASSERT_TRUE(service.ok()) << service.status().ToString();
    service_ = std::move(service).value();
  }

  // Publishes model pump-ae@version with one file; returns its digest.
  std::string Publish(const std::string& version, const std::string& kind = "model",
                      const std::string& name = "pump-ae") {
    ArtifactRecord a;
    a.name = name;
    a.version = version;
    a.kind = *ParseArtifactKind(kind);
    a.files["model.onnx"] = {crypto::Sha256Hex(name + version), 10};
    EXPECT_TRUE(store_->AddArtifact(a).ok());
    return edge::attest::FilesDigest({{"model.onnx", {a.files["model.onnx"].sha256, 10}}});
  }

  // A deployment of pump-ae@version whose pump-1 row is in `state`.
  int64_t Deploy(const std::string& version, const std::string& state,
                 std::string_view deployment_state = rollout::kRunning) {
    rollout::Deployment d;
    d.spec.artifact = "pump-ae";
    d.spec.version = version;
    d.state = std::string(deployment_state);
    rollout::DeviceRollout row;
    row.state = state;
    row.assigned_ms = state == "pending" ? 0 : 1;
    auto id = store_->CreateDeployment(rollout::ToJson(d).dump(),
                                       {{"pump-1", rollout::ToJson(row).dump()}});
    EXPECT_TRUE(id.ok());
    return *id;
  }

  void SetRow(int64_t id, const std::string& version, const std::string& state) {
    rollout::Deployment d;
    d.spec.artifact = "pump-ae";
    d.spec.version = version;
    rollout::DeviceRollout row;
    row.state = state;
    row.assigned_ms = 1;
    ASSERT_TRUE(store_
                    ->UpdateDeployment(id, rollout::ToJson(d).dump(),
                                       {{"pump-1", rollout::ToJson(row).dump()}})
                    .ok());
  }

  std::string Quote(std::vector<MeasuredEvent> events, std::string device = "pump-1",
                    bool honest_pcr = true) {
    edge::attest::Quote q;
    q.device = device;
    q.nonce = service_->IssueNonce("pump-1").nonce;
    q.pcr = honest_pcr ? edge::attest::ReplayPcr(events) : std::string(64, '0');
    q.events = std::move(events);
    q.t_ms = clock_.NowMs();
    return edge::attest::EncodeSignedQuote(edge::attest::SignQuote(q, *key_).value());
  }

  edge::attest::Verdict Attest(std::vector<MeasuredEvent> events) {
    auto v = service_->Attest("pump-1", *cert_, Quote(std::move(events)));
    EXPECT_TRUE(v.ok()) << v.status().ToString();
    return v.ok() ? *v : edge::attest::Verdict{false, "refused"};
  }

  static MeasuredEvent Model(const std::string& version, const std::string& sha256) {
    return {"model", "pump-ae", version, sha256};
  }
  static MeasuredEvent Agent(const std::string& sha256 = std::string(64, 'a')) {
    return {"agent", "keel-edge", "0.1.0", sha256};
  }

  TempDir dir_;
  FakeClock clock_;
  MetricsRegistry metrics_;
  std::unique_ptr<SqliteStore> store_;
  std::unique_ptr<crypto::PrivateKey> key_;
  std::unique_ptr<crypto::Certificate> cert_;
  std::unique_ptr<AttestationService> service_;
};

TEST_F(AttestationServiceTest, RefusedQuotesChangeNothing) {
  const std::string quote = Quote({Agent()});
  ASSERT_TRUE(service_->Attest("pump-1", *cert_, quote).ok());
  auto replayed = service_->Attest("pump-1", *cert_, quote);
  EXPECT_EQ(replayed.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(replayed.status().message(), HasSubstr("nonce unknown, used or expired"));

  EXPECT_EQ(service_->Attest("pump-1", *cert_, Quote({Agent()}, "pump-2")).status().code(),
            StatusCode::kPermissionDenied);
  // Signed by another key than the certificate's.
  auto other = crypto::PrivateKey::Generate().value();
  edge::attest::Quote q{"pump-1",
                        service_->IssueNonce("pump-1").nonce,
                        {Agent()},
                        edge::attest::ReplayPcr({Agent()}),
                        1};
  auto forged = service_->Attest(
      "pump-1", *cert_, edge::attest::EncodeSignedQuote(edge::attest::SignQuote(q, other).value()));
  EXPECT_EQ(forged.status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(service_->Attest("pump-1", *cert_, "{}").status().code(), StatusCode::kInvalidArgument);
  // An expired nonce.
  const std::string late = Quote({Agent()});
  clock_.AdvanceMs(60'000);
  EXPECT_EQ(service_->Attest("pump-1", *cert_, late).status().code(), StatusCode::kInvalidArgument);
  EXPECT_FALSE(service_->IsQuarantined("pump-1"));
  EXPECT_EQ(metrics_.GetCounter("keel_attestations_total", "", {{"verdict", "refused"}}).value(),
            5u);
}

TEST_F(AttestationServiceTest, FirstUseIsTrustedThenHeldToItsBaseline) {
  const std::string local(64, 'c');
  EXPECT_TRUE(Attest({Agent(), Model("1.0.0", local)}).trusted);
  EXPECT_TRUE(Attest({Agent(), Model("1.0.0", local)}).trusted);
  const auto v = Attest({Agent(std::string(64, 'e')), Model("1.0.0", local)});
  EXPECT_FALSE(v.trusted);
  EXPECT_THAT(v.reason, HasSubstr("agent keel-edge@0.1.0 (eeeeeeeeeeee): differs from its "
                                  "first-use baseline keel-edge@0.1.0 (aaaaaaaaaaaa)"));
  // A baseline mismatch is remediated by any install of that kind.
  EXPECT_TRUE(service_->Remediates("pump-1", {1, "agent", "keel-edge", "0.2.0", "install"}));
  EXPECT_FALSE(service_->Remediates("pump-1", {1, "model", "pump-ae", "1.1.0", "install"}));
  EXPECT_FALSE(service_->Remediates("pump-1", {1, "agent", "keel-edge", "0.2.0", "revert"}));
}

TEST_F(AttestationServiceTest, CommittedVersionIsRequiredAndAnUpdateInProgressIsNot) {
  const std::string v12 = Publish("1.2.0");
  const std::string v13 = Publish("1.3.0");
  const int64_t first = Deploy("1.2.0", "committed", rollout::kCompleted);
  EXPECT_TRUE(Attest({Agent(), Model("1.2.0", v12)}).trusted);
  // The file swapped on disk: same name and version, other bytes.
  auto swapped = Attest({Agent(), Model("1.2.0", std::string(64, 'f'))});
  EXPECT_FALSE(swapped.trusted);
  EXPECT_THAT(swapped.reason,
              HasSubstr("model pump-ae@1.2.0: its files differ from the published"));
  auto quarantine = service_->Quarantine("pump-1");
  ASSERT_TRUE(quarantine);
  EXPECT_EQ(quarantine->since_ms, clock_.NowMs());
  EXPECT_TRUE(service_->Remediates("pump-1", {9, "model", "pump-ae", "1.2.0", "install"}));
  EXPECT_FALSE(service_->Remediates("pump-1", {9, "model", "pump-ae", "1.3.0", "install"}));
  Reopen();  // durable
  EXPECT_TRUE(service_->IsQuarantined("pump-1"));
  // Remediation: the device runs the published bytes again.
  EXPECT_EQ(Attest({Agent(), Model("1.2.0", v12)}).reason, "quarantine lifted");
  EXPECT_FALSE(service_->IsQuarantined("pump-1"));

  // A deployment of 1.3.0 in progress: both versions are fine, another is not.
  const int64_t second = Deploy("1.3.0", "installing");
  EXPECT_TRUE(Attest({Agent(), Model("1.2.0", v12)}).trusted);
  EXPECT_TRUE(Attest({Agent(), Model("1.2.0", v12), Model("1.3.0", v13)}).trusted);
  for (const char* state : {"assigned", "reverting", "timed_out"}) {
    SetRow(second, "1.3.0", state);
    EXPECT_TRUE(Attest({Agent(), Model("1.3.0", v13)}).trusted) << state;
  }
  EXPECT_FALSE(Attest({Agent(), Model("1.1.0", v12)}).trusted);
  SetRow(second, "1.3.0", "committed");
  EXPECT_TRUE(Attest({Agent(), Model("1.3.0", v13)}).reason == "quarantine lifted");
  auto old = Attest({Agent(), Model("1.2.0", v12)});
  EXPECT_FALSE(old.trusted);
  EXPECT_THAT(old.reason, HasSubstr("model pump-ae@1.2.0: it should run pump-ae@1.3.0"));
  // Rolled back fleet-wide: 1.2.0 is expected again.
  SetRow(second, "1.3.0", "reverted");
  EXPECT_TRUE(Attest({Agent(), Model("1.2.0", v12)}).trusted);
  (void)first;

  // Not measuring a model that a deployment committed is a mismatch.
  EXPECT_THAT(Attest({Agent()}).reason,
              HasSubstr("model: not measured (it should run pump-ae@1.2.0)"));
  // A model loaded earlier must have been genuine.
  EXPECT_THAT(Attest({Agent(), Model("1.3.0", std::string(64, '9')), Model("1.2.0", v12)}).reason,
              HasSubstr("loaded earlier"));
}

TEST_F(AttestationServiceTest, APcrThatDoesNotReplayQuarantines) {
  edge::attest::Quote q{
      "pump-1", service_->IssueNonce("pump-1").nonce, {Agent()}, std::string(64, '0'), 1};
  auto v = service_->Attest(
      "pump-1", *cert_, edge::attest::EncodeSignedQuote(edge::attest::SignQuote(q, *key_).value()));
  ASSERT_TRUE(v.ok());
  EXPECT_FALSE(v->trusted);
  EXPECT_THAT(v->reason, HasSubstr("pcr: the events replay to"));
  EXPECT_FALSE(service_->Remediates("pump-1", {1, "model", "pump-ae", "1.2.0", "install"}));
  EventQuery query;
  query.type_prefix = "attestation.";
  auto events = store_->ReadEvents(query);
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ((*events)[0].type, "attestation.quarantined");
  EXPECT_THAT((*events)[0].data["reason"].get<std::string>(), HasSubstr("pcr"));
}

TEST_F(AttestationServiceTest, QuarantineChangesArePublishedOnceRecorded) {
  bus::EventBus bus(clock_, metrics_);
  std::mutex mu;
  std::vector<bus::Event> seen;
  std::vector<bool> consistent;  // the store and IsQuarantined already agree with the event
  ASSERT_TRUE(bus.Subscribe({"test", 100, 50, nullptr},
                            [&](const bus::Event& e) {
                              EventQuery query;
                              query.device_id = e.device;
                              query.type_prefix = e.type;
                              auto stored = store_->ReadEvents(query);
                              const bool quarantined = e.type == "attestation.quarantined";
                              std::lock_guard lock(mu);
                              seen.push_back(e);
                              consistent.push_back(stored.ok() && !stored->empty() &&
                                                   service_->IsQuarantined(e.device) ==
                                                       quarantined);
                            })
                  .ok());
  Reopen(&bus);
  bus.Start();
  const std::string local(64, 'c');
  EXPECT_TRUE(Attest({Agent(), Model("1.0.0", local)}).trusted);  // first use: no change
  const int64_t since = clock_.NowMs();
  EXPECT_FALSE(Attest({Agent(std::string(64, 'e')), Model("1.0.0", local)}).trusted);
  clock_.AdvanceMs(1000);
  EXPECT_FALSE(Attest({Agent(std::string(64, 'e')), Model("1.0.0", local)}).trusted);  // same
  clock_.AdvanceMs(1000);
  EXPECT_EQ(Attest({Agent(), Model("1.0.0", local)}).reason, "quarantine lifted");
  bus.WaitIdle();
  std::lock_guard lock(mu);
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(consistent, (std::vector<bool>{true, true}));
  EXPECT_EQ(seen[0].kind, bus::EventKind::kAttestation);
  EXPECT_EQ(seen[0].type, "attestation.quarantined");
  EXPECT_EQ(seen[0].device, "pump-1");
  EXPECT_EQ(seen[0].seq, 0u);
  EXPECT_EQ(seen[0].t_ms, since);
  EXPECT_EQ(seen[0].data["since_ms"], since);
  EXPECT_THAT(seen[0].data["reason"].get<std::string>(), HasSubstr("first-use baseline"));
  EXPECT_EQ(seen[0].data["remediation"][0]["kind"], "agent");
  EXPECT_EQ(seen[1].type, "attestation.restored");
  EXPECT_EQ(seen[1].t_ms, since + 2000);
  EXPECT_EQ(seen[1].data["since_ms"], since);
  EXPECT_EQ(seen[1].data["reason"], seen[0].data["reason"]);
}

}  // namespace
}  // namespace keel::hub::attest
