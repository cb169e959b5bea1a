#include "crypto/signature.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/clock.h"
#include "crypto/certificate_authority.h"
#include "crypto/ed25519.h"
#include "test_util/temp_dir.h"

namespace keel::crypto {
namespace {

class SignatureTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto ca = CertificateAuthority::LoadOrCreate(dir_.path() / "pki", "test CA", clock_);
    ASSERT_TRUE(ca.ok()) << ca.status().ToString();
    ca_ = std::make_unique<CertificateAuthority>(std::move(ca).value());
  }

  Certificate CertFor(const PrivateKey& key, const std::string& cn) {
    auto cert = ca_->IssueForKey(key, cn, {}, std::chrono::hours(24), CertUsage::kClient);
    EXPECT_TRUE(cert.ok()) << cert.status().ToString();
    return std::move(cert).value();
  }

  TempDir dir_;
  FakeClock clock_;
  std::unique_ptr<CertificateAuthority> ca_;
};

TEST_F(SignatureTest, DeviceKeySignsAndItsCertificateVerifies) {
  auto key = PrivateKey::Generate();
  ASSERT_TRUE(key.ok());
  const Certificate cert = CertFor(*key, "pump-1");
  auto sig = Sign(*key, "quote bytes");
  ASSERT_TRUE(sig.ok()) << sig.status().ToString();
  EXPECT_LE(sig->size(), 72u);  // DER ECDSA P-256
  EXPECT_TRUE(Verify(cert, "quote bytes", *sig).ok());

  Status altered = Verify(cert, "quote byteS", *sig);
  EXPECT_EQ(altered.code(), StatusCode::kUnauthenticated);
  EXPECT_THAT(altered.message(), ::testing::HasSubstr("\"pump-1\""));
  std::string flipped = *sig;
  flipped[flipped.size() / 2] = static_cast<char>(flipped[flipped.size() / 2] ^ 1);
  EXPECT_EQ(Verify(cert, "quote bytes", flipped).code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(Verify(cert, "quote bytes", sig->substr(1)).code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(Verify(cert, "quote bytes", "").code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(Verify(cert, "quote bytes", std::string(kMaxSignatureBytes + 1, '\x30')).code(),
            StatusCode::kUnauthenticated);
}

TEST_F(SignatureTest, AnotherKeysSignatureDoesNotVerify) {
  auto key = PrivateKey::Generate();
  auto other = PrivateKey::Generate();
  ASSERT_TRUE(key.ok() && other.ok());
  const Certificate cert = CertFor(*key, "pump-1");
  auto forged = Sign(*other, "quote bytes");
  ASSERT_TRUE(forged.ok());
  EXPECT_EQ(Verify(cert, "quote bytes", *forged).code(), StatusCode::kUnauthenticated);
}

TEST_F(SignatureTest, SignaturesAreRandomizedButAllVerify) {
  auto key = PrivateKey::Generate();
  ASSERT_TRUE(key.ok());
  const Certificate cert = CertFor(*key, "pump-1");
  auto a = Sign(*key, "m");
  auto b = Sign(*key, "m");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(*a, *b);
  EXPECT_TRUE(Verify(cert, "m", *a).ok());
  EXPECT_TRUE(Verify(cert, "m", *b).ok());
}

TEST_F(SignatureTest, EmptyAndEd25519KeysAreRefused) {
  auto ed = GenerateEd25519Key();
  ASSERT_TRUE(ed.ok());
  EXPECT_EQ(Sign(*ed, "m").status().code(), StatusCode::kInvalidArgument);
  auto key = PrivateKey::Generate();
  ASSERT_TRUE(key.ok());
  PrivateKey moved = std::move(*key);
  EXPECT_EQ(Sign(*key, "m").status().code(), StatusCode::kInvalidArgument);  // NOLINT: moved-from
  Certificate cert = CertFor(moved, "pump-1");
  Certificate taken = std::move(cert);
  EXPECT_EQ(Verify(cert, "m", "sig").code(), StatusCode::kInvalidArgument);  // NOLINT
}

}  // namespace
}  // namespace keel::crypto
