#include "hub/registry/enrollment_service.h"

#include <gtest/gtest.h>

#include "crypto/private_key.h"
#include "crypto/tokens.h"
#include "hub/store/sqlite_store.h"
#include "test_util/temp_dir.h"

namespace keel::hub {
namespace {

class EnrollmentServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = OpenSqliteStore(dir_.path() / "keel.db");
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
    auto ca = crypto::CertificateAuthority::LoadOrCreate(dir_.path() / "pki", "test CA", clock_);
    ASSERT_TRUE(ca.ok()) << ca.status().ToString();
    ca_ = std::make_unique<crypto::CertificateAuthority>(std::move(ca).value());
    EnrollmentOptions options;
    options.token_ttl = std::chrono::hours(1);
    options.certificate_lifetime = std::chrono::hours(24);
    service_ = std::make_unique<EnrollmentService>(*store_, *ca_, clock_, options);
  }

  std::string Csr(const crypto::PrivateKey& key, const std::string& cn) {
    auto csr = crypto::CreateCsrPem(key, cn);
    EXPECT_TRUE(csr.ok());
    return *csr;
  }

  TempDir dir_;
  FakeClock clock_;
  std::unique_ptr<SqliteStore> store_;
  std::unique_ptr<crypto::CertificateAuthority> ca_;
  std::unique_ptr<EnrollmentService> service_;
};

TEST_F(EnrollmentServiceTest, TokenEnrollsOnceAndOnlyItsDevice) {
  auto token = service_->AddDevice("pump-1");
  ASSERT_TRUE(token.ok()) << token.status().ToString();
  ASSERT_TRUE(service_->AddDevice("pump-2").ok());
  auto key = crypto::PrivateKey::Generate();
  ASSERT_TRUE(key.ok());

  // Another device's name with this token is refused and does not burn it.
  auto other = service_->Enroll("pump-2", *token, Csr(*key, "pump-2"));
  EXPECT_EQ(other.status().code(), StatusCode::kUnauthenticated);

  auto issued = service_->Enroll("pump-1", *token, Csr(*key, "pump-1"));
  ASSERT_TRUE(issued.ok()) << issued.status().ToString();
  auto cert = crypto::Certificate::FromPem(issued->certificate_pem);
  ASSERT_TRUE(cert.ok());
  EXPECT_EQ(cert->SubjectCommonName(), "pump-1");
  EXPECT_TRUE(cert->MatchesKey(*key));
  EXPECT_TRUE(cert->VerifyIssuedBy(ca_->certificate()).ok());
  EXPECT_EQ(store_->GetDevice("pump-1")->state, DeviceState::kActive);

  auto again = service_->Enroll("pump-1", *token, Csr(*key, "pump-1"));
  EXPECT_EQ(again.status().code(), StatusCode::kUnauthenticated);
  EXPECT_NE(again.status().message().find("used"), std::string::npos) << again.status().message();
}

TEST_F(EnrollmentServiceTest, ExpiredAndUnknownTokensAreRefused) {
  auto token = service_->AddDevice("pump-1");
  ASSERT_TRUE(token.ok());
  auto key = crypto::PrivateKey::Generate();
  EXPECT_EQ(service_->Enroll("pump-1", crypto::RandomToken(), Csr(*key, "pump-1")).status().code(),
            StatusCode::kUnauthenticated);
  EXPECT_EQ(service_->Enroll("ghost", *token, Csr(*key, "ghost")).status().code(),
            StatusCode::kUnauthenticated);
  clock_.AdvanceMs(2 * 3600 * 1000);
  auto expired = service_->Enroll("pump-1", *token, Csr(*key, "pump-1"));
  EXPECT_EQ(expired.status().code(), StatusCode::kUnauthenticated);
  EXPECT_NE(expired.status().message().find("expired"), std::string::npos);
  // A fresh token works.
  auto fresh = service_->IssueToken("pump-1");
  ASSERT_TRUE(fresh.ok());
  EXPECT_TRUE(service_->Enroll("pump-1", *fresh, Csr(*key, "pump-1")).ok());
}

TEST_F(EnrollmentServiceTest, CsrThatDoesNotProvePossessionOrNamesAnotherDeviceIsRefused) {
  auto token = service_->AddDevice("pump-1");
  ASSERT_TRUE(token.ok());
  auto key = crypto::PrivateKey::Generate();
  std::string csr = Csr(*key, "pump-1");
  // Corrupt the signature area: the CSR no longer verifies with its own key.
  std::string tampered = csr;
  tampered[tampered.size() - 40] = tampered[tampered.size() - 40] == 'A' ? 'B' : 'A';
  EXPECT_EQ(service_->Enroll("pump-1", *token, tampered).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(service_->Enroll("pump-1", *token, Csr(*key, "pump-9")).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(service_->Enroll("pump-1", *token, "garbage").status().code(),
            StatusCode::kInvalidArgument);
  // None of that consumed the token.
  EXPECT_TRUE(service_->Enroll("pump-1", *token, csr).ok());
}

TEST_F(EnrollmentServiceTest, BadDeviceIdsAreRefused) {
  EXPECT_EQ(service_->AddDevice("Pump/1").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(service_->AddDevice("hub:keel").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(service_->AddDevice("").status().code(), StatusCode::kInvalidArgument);
  ASSERT_TRUE(service_->AddDevice("pump-1").ok());
  EXPECT_EQ(service_->AddDevice("pump-1").status().code(), StatusCode::kAlreadyExists);
}

TEST_F(EnrollmentServiceTest, RenewalNeedsAValidCertificateOfANonRevokedDevice) {
  auto token = service_->AddDevice("pump-1");
  auto key = crypto::PrivateKey::Generate();
  auto issued = service_->Enroll("pump-1", *token, Csr(*key, "pump-1"));
  ASSERT_TRUE(issued.ok());
  auto cert = crypto::Certificate::FromPem(issued->certificate_pem);

  auto new_key = crypto::PrivateKey::Generate();
  auto renewed = service_->Renew(*cert, Csr(*new_key, "pump-1"));
  ASSERT_TRUE(renewed.ok()) << renewed.status().ToString();
  EXPECT_TRUE(crypto::Certificate::FromPem(renewed->certificate_pem)->MatchesKey(*new_key));

  // A CSR for another identity is refused.
  EXPECT_EQ(service_->Renew(*cert, Csr(*new_key, "pump-2")).status().code(),
            StatusCode::kPermissionDenied);

  // A certificate from another CA is refused.
  TempDir other_dir;
  auto other_ca = crypto::CertificateAuthority::LoadOrCreate(other_dir.path(), "other", clock_);
  auto foreign = other_ca->IssueFromCsr(Csr(*key, "pump-1"), "pump-1", std::chrono::hours(1),
                                        crypto::CertUsage::kClient);
  ASSERT_TRUE(foreign.ok());
  EXPECT_EQ(service_->Renew(*foreign, Csr(*new_key, "pump-1")).status().code(),
            StatusCode::kUnauthenticated);

  // Expired.
  clock_.AdvanceMs(25 * 3600 * 1000LL);
  EXPECT_EQ(service_->Renew(*cert, Csr(*new_key, "pump-1")).status().code(),
            StatusCode::kUnauthenticated);
}

TEST_F(EnrollmentServiceTest, RevocationNotifiesAndBlocksTokensAndRenewal) {
  auto token = service_->AddDevice("pump-1");
  auto key = crypto::PrivateKey::Generate();
  auto issued = service_->Enroll("pump-1", *token, Csr(*key, "pump-1"));
  ASSERT_TRUE(issued.ok());
  std::vector<std::string> notified;
  service_->SetRevocationListener([&](const std::string& id) { notified.push_back(id); });
  ASSERT_TRUE(service_->Revoke("pump-1").ok());
  EXPECT_EQ(notified, std::vector<std::string>{"pump-1"});
  auto revoked = store_->ListRevokedCertificates();
  ASSERT_TRUE(revoked.ok());
  ASSERT_EQ(revoked->size(), 1u);
  EXPECT_EQ(revoked->front().serial_hex,
            crypto::Certificate::FromPem(issued->certificate_pem)->SerialHex());
  EXPECT_EQ(service_->IssueToken("pump-1").status().code(), StatusCode::kPermissionDenied);
  auto cert = crypto::Certificate::FromPem(issued->certificate_pem);
  EXPECT_EQ(service_->Renew(*cert, Csr(*key, "pump-1")).status().code(),
            StatusCode::kPermissionDenied);
  EXPECT_EQ(service_->Revoke("ghost").code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace keel::hub
