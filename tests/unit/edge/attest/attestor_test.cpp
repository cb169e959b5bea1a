#include "edge/attest/attestor.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/files.h"
#include "crypto/certificate_authority.h"
#include "crypto/signature.h"
#include "edge/attest/measured_load.h"
#include "test_util/temp_dir.h"

namespace keel::edge::attest {
namespace {

// A hub that hands out nonces and checks quotes like the real one would:
// the nonce must be the last one issued, the signature must verify with
// the device certificate and the PCR must replay.
class FakeHub : public AttestTransport {
 public:
  explicit FakeHub(crypto::Certificate cert) : cert_(std::move(cert)) {}

  Result<NonceReply> FetchNonce() override {
    if (down) return Status::Unavailable("hub down");
    nonce_ = std::string(63, '0') + std::to_string(++nonces_ % 10);
    return NonceReply{nonce_, 60'000};
  }

  Result<Verdict> SendQuote(const SignedQuote& q) override {
    received.push_back(q);
    auto decoded = DecodeSignedQuote(EncodeSignedQuote(q));  // through the wire format
    if (!decoded.ok()) return decoded.status();
    if (decoded->quote.nonce != nonce_) return Status::InvalidArgument("unknown nonce");
    nonce_.clear();
    KEEL_RETURN_IF_ERROR(
        crypto::Verify(cert_, QuoteSignedBytes(decoded->quote), decoded->signature));
    if (ReplayPcr(decoded->quote.events) != decoded->quote.pcr) {
      return Status::InvalidArgument("pcr");
    }
    return Verdict{true, ""};
  }

  bool down = false;
  std::vector<SignedQuote> received;

 private:
  crypto::Certificate cert_;
  std::string nonce_;
  int nonces_ = 0;
};

class AttestorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto ca = crypto::CertificateAuthority::LoadOrCreate(dir_.path() / "pki", "test CA", clock_);
    ASSERT_TRUE(ca.ok());
    auto key = crypto::PrivateKey::Generate();
    ASSERT_TRUE(key.ok());
    auto cert =
        ca->IssueForKey(*key, "pump-1", {}, std::chrono::hours(24), crypto::CertUsage::kClient);
    ASSERT_TRUE(cert.ok());
    ASSERT_TRUE(key->SaveFile(dir_.path() / "device.key").ok());
    ASSERT_TRUE(WriteFileAtomic(dir_.path() / "device.crt", cert->ToPem()).ok());
    hub_ = std::make_unique<FakeHub>(*cert);
  }

  TempDir dir_;
  FakeClock clock_;
  std::unique_ptr<FakeHub> hub_;
  MeasurementLog log_;
};

TEST_F(AttestorTest, QuotesTheLogUnderAFreshNonce) {
  ASSERT_TRUE(log_.Extend({"agent", "keel-edge", "0.1.0", std::string(64, 'a')}).ok());
  ASSERT_TRUE(log_.Extend({"model", "pump-ae", "1.2.0", std::string(64, 'b')}).ok());
  Attestor attestor(dir_.path(), log_, *hub_, clock_);
  auto verdict = attestor.Attest();
  ASSERT_TRUE(verdict.ok()) << verdict.status().ToString();
  EXPECT_TRUE(verdict->trusted);
  ASSERT_EQ(hub_->received.size(), 1u);
  const Quote& q = hub_->received[0].quote;
  EXPECT_EQ(q.device, "pump-1");
  EXPECT_EQ(q.events, log_.Take().events);
  EXPECT_EQ(q.pcr, log_.Take().pcr);
  EXPECT_EQ(q.t_ms, clock_.NowMs());

  // Every call fetches its own nonce.
  ASSERT_TRUE(log_.Extend({"model", "pump-ae", "1.3.0", std::string(64, 'c')}).ok());
  ASSERT_TRUE(attestor.Attest().ok());
  ASSERT_EQ(hub_->received.size(), 2u);
  EXPECT_NE(hub_->received[1].quote.nonce, hub_->received[0].quote.nonce);
  EXPECT_EQ(hub_->received[1].quote.events.size(), 3u);
}

TEST_F(AttestorTest, AReplayedQuoteIsRefusedByTheHub) {
  ASSERT_TRUE(log_.Extend({"agent", "keel-edge", "0.1.0", std::string(64, 'a')}).ok());
  Attestor attestor(dir_.path(), log_, *hub_, clock_);
  ASSERT_TRUE(attestor.Attest().ok());
  const SignedQuote replayed = hub_->received[0];
  EXPECT_EQ(hub_->SendQuote(replayed).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(AttestorTest, ErrorsArePassedOn) {
  Attestor attestor(dir_.path(), log_, *hub_, clock_);
  EXPECT_EQ(attestor.Attest().status().code(), StatusCode::kFailedPrecondition);  // empty log
  ASSERT_TRUE(log_.Extend({"agent", "keel-edge", "0.1.0", std::string(64, 'a')}).ok());
  hub_->down = true;
  EXPECT_EQ(attestor.Attest().status().code(), StatusCode::kUnavailable);
  hub_->down = false;
  TempDir empty;
  Attestor no_identity(empty.path(), log_, *hub_, clock_);
  EXPECT_EQ(no_identity.Attest().status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(hub_->received.empty());
}

}  // namespace
}  // namespace keel::edge::attest

namespace keel::edge::attest {
namespace {

class MeasuredLoadTest : public AttestorTest {
 protected:
  std::filesystem::path Write(const std::string& name, const std::string& content) {
    const auto path = dir_.path() / name;
    EXPECT_TRUE(WriteFileAtomic(path, content).ok());
    return path;
  }
};

TEST_F(MeasuredLoadTest, AFileSwappedOnDiskIsQuotedUntilItIsRestored) {
  MeasuredLoad load;
  const auto binary = Write("keel-edge", "the agent");
  ASSERT_TRUE(load.RecordFiles("agent", "keel-edge", "0.1.0", {{"keel-edge", binary}}).ok());
  const auto bundle = dir_.path() / "bundle";
  ASSERT_TRUE(EnsureDirectory(bundle).ok());
  Write("bundle/manifest.json", "{}");
  Write("bundle/model.onnx", "weights");
  ASSERT_TRUE(load.RecordBundle("model", "pump-ae", "1.0.0", bundle).ok());
  const MeasurementLog::Snapshot loaded = load.log().Take();
  ASSERT_EQ(loaded.events.size(), 2u);
  EXPECT_EQ(loaded.events[1].sha256, *MeasureBundleDir(bundle));
  EXPECT_TRUE(load.Drift().empty());
  EXPECT_EQ(load.QuoteSnapshot().events, loaded.events);

  // Swapped underneath the running agent: what the next start would load
  // follows the log in the quote, the log itself is unchanged.
  Write("bundle/model.onnx", "other weights");
  Attestor attestor(
      dir_.path(), [&] { return load.QuoteSnapshot(); }, *hub_, clock_);
  ASSERT_TRUE(attestor.Attest().ok());
  const Quote& q = hub_->received.at(0).quote;
  ASSERT_EQ(q.events.size(), 3u);
  EXPECT_EQ(q.events[2].kind, "model");
  EXPECT_EQ(q.events[2].version, "1.0.0");
  EXPECT_EQ(q.events[2].sha256, *MeasureBundleDir(bundle));
  EXPECT_NE(q.events[2].sha256, loaded.events[1].sha256);
  EXPECT_EQ(q.pcr, ReplayPcr(q.events));
  EXPECT_EQ(load.log().Take().events, loaded.events);

  // A file added to the bundle, or the binary deleted, count too.
  Write("bundle/model.onnx", "weights");
  EXPECT_TRUE(load.Drift().empty());
  Write("bundle/extra", "x");
  EXPECT_EQ(load.Drift().size(), 1u);
  std::filesystem::remove(bundle / "extra");
  std::filesystem::remove(binary);
  const auto drift = load.Drift();
  ASSERT_EQ(drift.size(), 1u);
  EXPECT_EQ(drift[0].kind, "agent");
  EXPECT_EQ(drift[0].sha256, FilesDigest({}));

  // Restored (re-installed and loaded again): the quote is the log again.
  Write("keel-edge", "the agent");
  ASSERT_TRUE(load.RecordBundle("model", "pump-ae", "1.0.0", bundle).ok());
  EXPECT_TRUE(load.Drift().empty());
  EXPECT_EQ(load.QuoteSnapshot().events.size(), 3u);  // the reload is logged
}

TEST_F(MeasuredLoadTest, NothingIsRecordedWhenTheFilesCannotBeMeasured) {
  MeasuredLoad load;
  EXPECT_EQ(
      load.RecordFiles("agent", "keel-edge", "0.1.0", {{"keel-edge", dir_.path() / "none"}}).code(),
      StatusCode::kNotFound);
  EXPECT_EQ(load.RecordBundle("model", "pump-ae", "1.0.0", dir_.path() / "none").code(),
            StatusCode::kIoError);
  const auto file = Write("agent.toml", "[device]");
  EXPECT_EQ(load.RecordFiles("config", "bad name!", "1", {{"agent.toml", file}}).code(),
            StatusCode::kInvalidArgument);
  EXPECT_TRUE(load.log().Take().events.empty());
  EXPECT_TRUE(load.Drift().empty());
}

}  // namespace
}  // namespace keel::edge::attest
