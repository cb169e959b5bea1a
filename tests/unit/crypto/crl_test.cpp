#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/x509v3.h>

#include "crypto/certificate_authority.h"
#include "test_util/temp_dir.h"
#include "unit/crypto/crypto_test_util.h"

namespace keel::crypto {
namespace {

using ::testing::HasSubstr;
using testutil::kOneYear;
using testutil::Must;
using testutil::ParseCrl;
using testutil::VerifyChain;

class CrlTest : public ::testing::Test {
 protected:
  Certificate IssueDevice(const std::string& cn) {
    return Must(
        ca_.IssueForKey(Must(PrivateKey::Generate()), cn, {}, kOneYear, CertUsage::kClient));
  }

  TempDir dir_;
  FakeClock clock_;
  CertificateAuthority ca_ =
      Must(CertificateAuthority::LoadOrCreate(dir_.path() / "pki", "Keel CA", clock_));
};

internal::BignumPtr SerialOf(const ASN1_INTEGER* serial) {
  return internal::BignumPtr(ASN1_INTEGER_to_BN(serial, nullptr));
}

TEST_F(CrlTest, ListsRevokedSerialsAndIsSignedByTheCa) {
  Certificate revoked = IssueDevice("dev-1");
  clock_.AdvanceMs(60'000);
  const int64_t now = clock_.NowMs();
  const int64_t revoked_at = now - 30'000;
  const std::string pem =
      Must(ca_.CreateCrlPem({{revoked.SerialHex(), revoked_at}}, std::chrono::hours(24)));
  EXPECT_THAT(pem, HasSubstr("-----BEGIN X509 CRL-----"));
  internal::X509CrlPtr crl = ParseCrl(pem);
  ASSERT_TRUE(crl);

  EXPECT_EQ(X509_CRL_get_version(crl.get()), X509_CRL_VERSION_2);
  EXPECT_EQ(X509_CRL_verify(crl.get(), X509_get0_pubkey(ca_.certificate().get())), 1);
  EXPECT_EQ(
      X509_NAME_cmp(X509_CRL_get_issuer(crl.get()), X509_get_subject_name(ca_.certificate().get())),
      0);
  EXPECT_EQ(Must(internal::Asn1TimeToMs(X509_CRL_get0_lastUpdate(crl.get()))), now);
  EXPECT_EQ(Must(internal::Asn1TimeToMs(X509_CRL_get0_nextUpdate(crl.get()))), now + 86'400'000);

  X509_REVOKED* entry = nullptr;
  ASSERT_EQ(X509_CRL_get0_by_cert(crl.get(), &entry, revoked.get()), 1);
  EXPECT_EQ(Must(internal::Asn1TimeToMs(X509_REVOKED_get0_revocationDate(entry))), revoked_at);
  EXPECT_EQ(BN_cmp(SerialOf(X509_REVOKED_get0_serialNumber(entry)).get(),
                   SerialOf(X509_get0_serialNumber(revoked.get())).get()),
            0);

  auto* number =
      static_cast<ASN1_INTEGER*>(X509_CRL_get_ext_d2i(crl.get(), NID_crl_number, nullptr, nullptr));
  ASSERT_NE(number, nullptr);
  int64_t crl_number = 0;
  ASSERT_EQ(ASN1_INTEGER_get_int64(&crl_number, number), 1);
  ASN1_INTEGER_free(number);
  EXPECT_EQ(crl_number, now);
  EXPECT_GE(X509_CRL_get_ext_by_NID(crl.get(), NID_authority_key_identifier, -1), 0);
}

TEST_F(CrlTest, PathValidationRejectsOnlyRevokedCertificates) {
  Certificate revoked = IssueDevice("dev-1");
  Certificate fine = IssueDevice("dev-2");
  internal::X509CrlPtr crl = ParseCrl(
      Must(ca_.CreateCrlPem({{revoked.SerialHex(), clock_.NowMs()}}, std::chrono::hours(1))));
  ASSERT_TRUE(crl);
  const int64_t now = clock_.NowMs();
  EXPECT_EQ(VerifyChain(ca_.certificate(), revoked, now, X509_PURPOSE_SSL_CLIENT, crl.get()),
            X509_V_ERR_CERT_REVOKED);
  EXPECT_EQ(VerifyChain(ca_.certificate(), fine, now, X509_PURPOSE_SSL_CLIENT, crl.get()),
            X509_V_OK);
}

TEST_F(CrlTest, EmptyCrlIsValid) {
  internal::X509CrlPtr crl = ParseCrl(Must(ca_.CreateCrlPem({}, std::chrono::hours(1))));
  ASSERT_TRUE(crl);
  EXPECT_LE(sk_X509_REVOKED_num(X509_CRL_get_REVOKED(crl.get())), 0);  // absent or empty
  EXPECT_EQ(X509_CRL_verify(crl.get(), X509_get0_pubkey(ca_.certificate().get())), 1);
  EXPECT_EQ(VerifyChain(ca_.certificate(), IssueDevice("d"), clock_.NowMs(),
                        X509_PURPOSE_SSL_CLIENT, crl.get()),
            X509_V_OK);
}

TEST_F(CrlTest, CrlNumberIncreasesWithTheClock) {
  auto number_of = [](const std::string& pem) {
    internal::X509CrlPtr crl = ParseCrl(pem);
    auto* n = static_cast<ASN1_INTEGER*>(
        X509_CRL_get_ext_d2i(crl.get(), NID_crl_number, nullptr, nullptr));
    int64_t value = -1;
    ASN1_INTEGER_get_int64(&value, n);
    ASN1_INTEGER_free(n);
    return value;
  };
  const int64_t first = number_of(Must(ca_.CreateCrlPem({}, std::chrono::hours(1))));
  clock_.AdvanceMs(1);
  EXPECT_GT(number_of(Must(ca_.CreateCrlPem({}, std::chrono::hours(1)))), first);
}

TEST_F(CrlTest, AnotherCaKeyDoesNotVerifyIt) {
  CertificateAuthority other =
      Must(CertificateAuthority::LoadOrCreate(dir_.path() / "other", "Keel CA", clock_));
  internal::X509CrlPtr crl = ParseCrl(Must(ca_.CreateCrlPem({}, std::chrono::hours(1))));
  EXPECT_NE(X509_CRL_verify(crl.get(), X509_get0_pubkey(other.certificate().get())), 1);
}

TEST_F(CrlTest, MalformedInputIsRefused) {
  for (const std::string& serial :
       std::vector<std::string>{"", "xyz", "-1", "12 34", std::string(41, 'a')}) {
    Result<std::string> crl = ca_.CreateCrlPem({{serial, 0}}, std::chrono::hours(1));
    EXPECT_EQ(crl.status().code(), StatusCode::kInvalidArgument) << serial;
    EXPECT_THAT(crl.status().message(), HasSubstr("serial")) << serial;
  }
  EXPECT_EQ(ca_.CreateCrlPem({{"ab", -1}}, std::chrono::hours(1)).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(ca_.CreateCrlPem({}, std::chrono::seconds(0)).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_TRUE(ca_.CreateCrlPem({{"AbC123", 0}}, std::chrono::hours(1)).ok());
}

}  // namespace
}  // namespace keel::crypto
