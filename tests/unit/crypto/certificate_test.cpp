#include "crypto/certificate.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "crypto/certificate_authority.h"
#include "test_util/temp_dir.h"
#include "test_util/test_pki.h"
#include "unit/crypto/crypto_test_util.h"

namespace keel::crypto {
namespace {

using ::testing::HasSubstr;
using testutil::kOneYear;
using testutil::Must;

class CertificateTest : public ::testing::Test {
 protected:
  CertificateAuthority MakeCa(const std::string& subdir, const std::string& name) {
    return Must(CertificateAuthority::LoadOrCreate(dir_.path() / subdir, name, clock_));
  }

  TempDir dir_;
  FakeClock clock_;
};

TEST_F(CertificateTest, PemRoundTripKeepsFields) {
  CertificateAuthority ca = MakeCa("ca", "Keel CA");
  Certificate cert =
      Must(ca.IssueForKey(Must(PrivateKey::Generate()), "dev-1", {}, kOneYear, CertUsage::kClient));
  Certificate parsed = Must(Certificate::FromPem(cert.ToPem()));
  EXPECT_EQ(parsed.ToPem(), cert.ToPem());
  EXPECT_EQ(parsed.SubjectCommonName(), "dev-1");
  EXPECT_EQ(parsed.SerialHex(), cert.SerialHex());
  EXPECT_EQ(parsed.NotBeforeMs(), cert.NotBeforeMs());
  EXPECT_EQ(parsed.NotAfterMs(), cert.NotAfterMs());
}

TEST_F(CertificateTest, FromPemRefusesGarbageAndOversized) {
  EXPECT_EQ(Certificate::FromPem("").status().code(), StatusCode::kInvalidArgument);
  Result<Certificate> garbage = Certificate::FromPem("-----BEGIN CERTIFICATE-----\nAAAA\n");
  EXPECT_EQ(garbage.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(garbage.status().message(), HasSubstr("parse PEM certificate"));
  EXPECT_EQ(Certificate::FromPem(std::string(70'000, 'A')).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(Certificate::LoadFile(dir_.path() / "none.crt").status().code(), StatusCode::kNotFound);
}

TEST_F(CertificateTest, CopiesShareAndMovesEmpty) {
  CertificateAuthority ca = MakeCa("ca", "Keel CA");
  Certificate copy = ca.certificate();
  EXPECT_EQ(copy.get(), ca.certificate().get());
  Certificate moved = std::move(copy);
  EXPECT_EQ(copy.get(), nullptr);  // NOLINT(bugprone-use-after-move)
  EXPECT_EQ(copy.ToPem(), "");     // NOLINT(bugprone-use-after-move)
  copy = moved;
  EXPECT_EQ(copy.SubjectCommonName(), "Keel CA");
}

TEST_F(CertificateTest, CertificateFromAnotherCaFailsVerifyIssuedBy) {
  CertificateAuthority ours = MakeCa("ours", "Keel CA");
  CertificateAuthority theirs = MakeCa("theirs", "Other CA");
  CertificateAuthority same_name = MakeCa("same_name", "Keel CA");
  PrivateKey key = Must(PrivateKey::Generate());
  Certificate cert = Must(theirs.IssueForKey(key, "dev-1", {}, kOneYear, CertUsage::kClient));
  EXPECT_TRUE(cert.VerifyIssuedBy(theirs.certificate()).ok());

  Status other = cert.VerifyIssuedBy(ours.certificate());
  EXPECT_EQ(other.code(), StatusCode::kUnauthenticated);
  EXPECT_THAT(other.message(), HasSubstr("was not issued by"));

  Certificate impostor =
      Must(same_name.IssueForKey(key, "dev-1", {}, kOneYear, CertUsage::kClient));
  EXPECT_EQ(impostor.VerifyIssuedBy(ours.certificate()).code(), StatusCode::kUnauthenticated);
}

TEST_F(CertificateTest, ForgedSignatureWithMatchingNamesFailsVerifyIssuedBy) {
  CertificateAuthority ca = MakeCa("ca", "Keel CA");
  Certificate cert =
      Must(ca.IssueForKey(Must(PrivateKey::Generate()), "d", {}, kOneYear, CertUsage::kClient));
  X509* forged = X509_dup(cert.get());
  PrivateKey attacker = Must(PrivateKey::Generate());
  ASSERT_GT(X509_sign(forged, attacker.get(), EVP_sha256()), 0);
  Status status = Certificate(forged).VerifyIssuedBy(ca.certificate());
  EXPECT_EQ(status.code(), StatusCode::kUnauthenticated);
  EXPECT_THAT(status.message(), HasSubstr("signature does not verify"));
}

TEST_F(CertificateTest, MatchesKeyOnlyForItsOwnKey) {
  CertificateAuthority ca = MakeCa("ca", "Keel CA");
  PrivateKey key = Must(PrivateKey::Generate());
  Certificate cert = Must(ca.IssueForKey(key, "d", {}, kOneYear, CertUsage::kClient));
  EXPECT_TRUE(cert.MatchesKey(key));
  EXPECT_FALSE(cert.MatchesKey(Must(PrivateKey::Generate())));
}

TEST_F(CertificateTest, ReadsKeysAndCertificatesMadeByTheOpensslCli) {
  TestPki pki(dir_.path() / "cli");
  pki.Issue("device", "dev-cli");
  Certificate ca = Must(Certificate::LoadFile(pki.ca_cert()));
  Certificate device = Must(Certificate::LoadFile(pki.cert("device")));
  PrivateKey device_key = Must(PrivateKey::LoadFile(pki.key("device")));
  EXPECT_EQ(device.SubjectCommonName(), "dev-cli");
  EXPECT_EQ(device.SerialHex(), "3e9");  // TestPki's first serial, 1001
  EXPECT_TRUE(device.MatchesKey(device_key));
  EXPECT_TRUE(device.VerifyIssuedBy(ca).ok());
  EXPECT_TRUE(ca.MatchesKey(Must(PrivateKey::LoadFile(pki.ca_key()))));
  EXPECT_EQ(device.VerifyIssuedBy(MakeCa("ours", "ca").certificate()).code(),
            StatusCode::kUnauthenticated);
}

}  // namespace
}  // namespace keel::crypto
