#include "crypto/certificate_authority.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include "common/files.h"
#include "crypto/csr.h"
#include "test_util/temp_dir.h"
#include "unit/crypto/crypto_test_util.h"

namespace keel::crypto {
namespace {

using ::testing::HasSubstr;
using testutil::kOneYear;
using testutil::Must;
using testutil::VerifyChain;

constexpr int64_t kSkewMs = 5 * 60 * 1000;

mode_t Mode(const std::filesystem::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return 0;
  return st.st_mode & 0777;
}

class CertificateAuthorityTest : public ::testing::Test {
 protected:
  std::filesystem::path pki() const { return dir_.path() / "pki"; }

  CertificateAuthority MakeCa() {
    return Must(CertificateAuthority::LoadOrCreate(pki(), "Keel Test CA", clock_));
  }

  TempDir dir_;
  FakeClock clock_{1'732'470'000'000};
};

TEST_F(CertificateAuthorityTest, CreatesSelfSignedCaWithPrivateKeyFile) {
  const int64_t now = clock_.NowMs();
  CertificateAuthority ca = MakeCa();
  EXPECT_EQ(Mode(pki()), 0700u);
  EXPECT_EQ(Mode(pki() / "ca.key"), 0600u);
  ASSERT_TRUE(std::filesystem::exists(pki() / "ca.crt"));

  const Certificate& cert = ca.certificate();
  EXPECT_EQ(cert.SubjectCommonName(), "Keel Test CA");
  EXPECT_EQ(cert.NotBeforeMs(), now - kSkewMs);
  EXPECT_EQ(cert.NotAfterMs(), now + int64_t{3650} * 24 * 3600 * 1000);
  EXPECT_EQ(X509_check_ca(cert.get()), 1);
  EXPECT_EQ(X509_get_key_usage(cert.get()), uint32_t{KU_KEY_CERT_SIGN | KU_CRL_SIGN});
  EXPECT_NE(X509_get0_subject_key_id(cert.get()), nullptr);
  EXPECT_EQ(X509_get_version(cert.get()), X509_VERSION_3);
  EXPECT_TRUE(cert.VerifyIssuedBy(cert).ok());
  EXPECT_TRUE(cert.MatchesKey(Must(PrivateKey::LoadFile(pki() / "ca.key"))));
  EXPECT_EQ(cert.SerialHex().size(), 32u);
}

TEST_F(CertificateAuthorityTest, ReloadGivesTheSameCertificate) {
  const std::string first = MakeCa().certificate().ToPem();
  clock_.AdvanceMs(int64_t{86'400'000} * 30);
  CertificateAuthority again =
      Must(CertificateAuthority::LoadOrCreate(pki(), "Another Name", clock_));
  EXPECT_EQ(again.certificate().ToPem(), first);
  EXPECT_EQ(again.certificate().SubjectCommonName(), "Keel Test CA");
}

TEST_F(CertificateAuthorityTest, ReloadWithMismatchedKeyIsRefused) {
  const std::string original_cert = MakeCa().certificate().ToPem();
  ASSERT_TRUE(Must(PrivateKey::Generate()).SaveFile(pki() / "ca.key").ok());
  Result<CertificateAuthority> ca = CertificateAuthority::LoadOrCreate(pki(), "x", clock_);
  EXPECT_EQ(ca.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(ca.status().message(), HasSubstr("does not match"));
  EXPECT_EQ(Must(ReadFile(pki() / "ca.crt")), original_cert);
}

TEST_F(CertificateAuthorityTest, CertificateWithoutKeyIsRefused) {
  MakeCa();
  std::filesystem::remove(pki() / "ca.key");
  Result<CertificateAuthority> ca = CertificateAuthority::LoadOrCreate(pki(), "x", clock_);
  EXPECT_EQ(ca.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(ca.status().message(), HasSubstr("ca.key is missing"));
}

TEST_F(CertificateAuthorityTest, KeyWithoutCertificateGetsANewCertificate) {
  MakeCa();
  std::filesystem::remove(pki() / "ca.crt");
  PrivateKey key = Must(PrivateKey::LoadFile(pki() / "ca.key"));
  CertificateAuthority ca = MakeCa();
  EXPECT_TRUE(ca.certificate().MatchesKey(key));
  EXPECT_TRUE(std::filesystem::exists(pki() / "ca.crt"));
}

TEST_F(CertificateAuthorityTest, CorruptOrNonCaCertificateIsRefused) {
  CertificateAuthority ca = MakeCa();
  ASSERT_TRUE(WriteFileAtomic(pki() / "ca.crt", "garbage").ok());
  EXPECT_EQ(CertificateAuthority::LoadOrCreate(pki(), "x", clock_).status().code(),
            StatusCode::kInvalidArgument);

  const auto leaf_dir = dir_.path() / "leaf";
  ASSERT_TRUE(EnsureDirectory(leaf_dir).ok());
  PrivateKey leaf_key = Must(PrivateKey::Generate());
  Certificate leaf = Must(ca.IssueForKey(leaf_key, "leaf", {}, kOneYear, CertUsage::kClient));
  ASSERT_TRUE(leaf_key.SaveFile(leaf_dir / "ca.key").ok());
  ASSERT_TRUE(WriteFileAtomic(leaf_dir / "ca.crt", leaf.ToPem()).ok());
  Result<CertificateAuthority> not_ca = CertificateAuthority::LoadOrCreate(leaf_dir, "x", clock_);
  EXPECT_EQ(not_ca.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(not_ca.status().message(), HasSubstr("not a CA certificate"));
}

TEST_F(CertificateAuthorityTest, IssuesDeviceClientCertificateFromCsr) {
  CertificateAuthority ca = MakeCa();
  clock_.AdvanceMs(3'600'000);
  const int64_t now = clock_.NowMs();
  PrivateKey device_key = Must(PrivateKey::Generate());
  const std::string csr = Must(CreateCsrPem(device_key, "dev-0042"));
  Certificate cert = Must(ca.IssueFromCsr(csr, "dev-0042", kOneYear, CertUsage::kClient));

  EXPECT_EQ(cert.SubjectCommonName(), "dev-0042");
  EXPECT_EQ(cert.NotBeforeMs(), now - kSkewMs);
  EXPECT_EQ(cert.NotAfterMs(), now + kOneYear.count() * 1000);
  EXPECT_TRUE(cert.MatchesKey(device_key));
  EXPECT_TRUE(cert.VerifyIssuedBy(ca.certificate()).ok());
  EXPECT_EQ(X509_check_ca(cert.get()), 0);
  EXPECT_EQ(X509_get_extended_key_usage(cert.get()), uint32_t{XKU_SSL_CLIENT});
  EXPECT_EQ(X509_get_key_usage(cert.get()), uint32_t{KU_DIGITAL_SIGNATURE});
  ASSERT_NE(X509_get0_authority_key_id(cert.get()), nullptr);
  EXPECT_EQ(ASN1_OCTET_STRING_cmp(X509_get0_authority_key_id(cert.get()),
                                  X509_get0_subject_key_id(ca.certificate().get())),
            0);
  EXPECT_NE(X509_get0_subject_key_id(cert.get()), nullptr);
  EXPECT_EQ(X509_get_ext_by_NID(cert.get(), NID_subject_alt_name, -1), -1);

  EXPECT_EQ(VerifyChain(ca.certificate(), cert, now, X509_PURPOSE_SSL_CLIENT), X509_V_OK);
  EXPECT_EQ(VerifyChain(ca.certificate(), cert, now, X509_PURPOSE_SSL_SERVER),
            X509_V_ERR_INVALID_PURPOSE);
  EXPECT_EQ(VerifyChain(ca.certificate(), cert, cert.NotAfterMs() + 1000, X509_PURPOSE_SSL_CLIENT),
            X509_V_ERR_CERT_HAS_EXPIRED);
  EXPECT_EQ(VerifyChain(ca.certificate(), cert, now - kSkewMs - 1000, X509_PURPOSE_SSL_CLIENT),
            X509_V_ERR_CERT_NOT_YET_VALID);
}

TEST_F(CertificateAuthorityTest, SerialsAreRandomPositiveSixteenBytes) {
  CertificateAuthority ca = MakeCa();
  PrivateKey key = Must(PrivateKey::Generate());
  const std::string a =
      Must(ca.IssueForKey(key, "d", {}, kOneYear, CertUsage::kClient)).SerialHex();
  const std::string b =
      Must(ca.IssueForKey(key, "d", {}, kOneYear, CertUsage::kClient)).SerialHex();
  EXPECT_EQ(a.size(), 32u);
  EXPECT_EQ(b.size(), 32u);
  EXPECT_NE(a, b);
  EXPECT_NE(a[0], '-');
}

TEST_F(CertificateAuthorityTest, CsrForAnotherCommonNameIsRefused) {
  CertificateAuthority ca = MakeCa();
  const std::string csr = Must(CreateCsrPem(Must(PrivateKey::Generate()), "dev-0042"));
  Result<Certificate> cert = ca.IssueFromCsr(csr, "dev-0043", kOneYear, CertUsage::kClient);
  EXPECT_EQ(cert.status().code(), StatusCode::kPermissionDenied);
  EXPECT_THAT(cert.status().message(), HasSubstr("dev-0042"));
  EXPECT_THAT(cert.status().message(), HasSubstr("dev-0043"));
}

TEST_F(CertificateAuthorityTest, BadCsrOrLifetimeIsRefused) {
  CertificateAuthority ca = MakeCa();
  EXPECT_EQ(ca.IssueFromCsr("junk", "d", kOneYear, CertUsage::kClient).status().code(),
            StatusCode::kInvalidArgument);
  const std::string csr = Must(CreateCsrPem(Must(PrivateKey::Generate()), "d"));
  for (const auto lifetime : {std::chrono::seconds(0), std::chrono::seconds(-5),
                              kMaxLifetime + std::chrono::seconds(1)}) {
    EXPECT_EQ(ca.IssueFromCsr(csr, "d", lifetime, CertUsage::kClient).status().code(),
              StatusCode::kInvalidArgument)
        << lifetime.count();
  }
  clock_.AdvanceMs(86'400'000);
  Result<Certificate> outlives = ca.IssueFromCsr(csr, "d", kMaxLifetime, CertUsage::kClient);
  EXPECT_EQ(outlives.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(outlives.status().message(), HasSubstr("expire after the CA"));
}

TEST_F(CertificateAuthorityTest, ServerCertificateHasSubjectAltNamesAndServerAuth) {
  CertificateAuthority ca = MakeCa();
  PrivateKey key = Must(PrivateKey::Generate());
  Certificate cert = Must(
      ca.IssueForKey(key, "hub.local", {"DNS:hub.local", "DNS:localhost", "IP:127.0.0.1", "IP:::1"},
                     kOneYear, CertUsage::kServer));
  EXPECT_EQ(X509_check_host(cert.get(), "hub.local", 0, 0, nullptr), 1);
  EXPECT_EQ(X509_check_host(cert.get(), "localhost", 0, 0, nullptr), 1);
  EXPECT_EQ(X509_check_host(cert.get(), "evil.example", 0, 0, nullptr), 0);
  EXPECT_EQ(X509_check_ip_asc(cert.get(), "127.0.0.1", 0), 1);
  EXPECT_EQ(X509_check_ip_asc(cert.get(), "::1", 0), 1);
  EXPECT_EQ(X509_check_ip_asc(cert.get(), "10.0.0.1", 0), 0);
  EXPECT_EQ(X509_get_extended_key_usage(cert.get()), uint32_t{XKU_SSL_SERVER});
  EXPECT_EQ(VerifyChain(ca.certificate(), cert, clock_.NowMs(), X509_PURPOSE_SSL_SERVER),
            X509_V_OK);
  EXPECT_TRUE(cert.MatchesKey(key));
}

TEST_F(CertificateAuthorityTest, HubMqttClientCertificateHasClientAuth) {
  CertificateAuthority ca = MakeCa();
  Certificate cert = Must(
      ca.IssueForKey(Must(PrivateKey::Generate()), "keel-hub", {}, kOneYear, CertUsage::kClient));
  EXPECT_EQ(X509_get_extended_key_usage(cert.get()), uint32_t{XKU_SSL_CLIENT});
  EXPECT_EQ(VerifyChain(ca.certificate(), cert, clock_.NowMs(), X509_PURPOSE_SSL_CLIENT),
            X509_V_OK);
}

TEST_F(CertificateAuthorityTest, MalformedSubjectAltNamesAreRefused) {
  CertificateAuthority ca = MakeCa();
  PrivateKey key = Must(PrivateKey::Generate());
  for (const std::string& san : std::vector<std::string>{
           "localhost", "DNS:", "DNS:bad name", "DNS:a,DNS:b", "IP:999.1.1.1", "IP:", "URI:x"}) {
    Result<Certificate> cert = ca.IssueForKey(key, "hub", {san}, kOneYear, CertUsage::kServer);
    EXPECT_EQ(cert.status().code(), StatusCode::kInvalidArgument) << san;
    EXPECT_THAT(cert.status().message(), HasSubstr("subjectAltName")) << san;
  }
  EXPECT_EQ(ca.IssueForKey(key, "a/b", {}, kOneYear, CertUsage::kServer).status().code(),
            StatusCode::kInvalidArgument);
}

TEST_F(CertificateAuthorityTest, TimestampsFollowTheInjectedClock) {
  CertificateAuthority ca = MakeCa();
  PrivateKey key = Must(PrivateKey::Generate());
  clock_.SetMs(1'800'000'000'000);
  Certificate cert = Must(ca.IssueForKey(key, "d", {}, std::chrono::hours(1), CertUsage::kClient));
  EXPECT_EQ(cert.NotBeforeMs(), 1'800'000'000'000 - kSkewMs);
  EXPECT_EQ(cert.NotAfterMs(), 1'800'003'600'000);
}

TEST_F(CertificateAuthorityTest, ShortLivedCertificatesAreBackdatedATenthOfTheirLifetime) {
  CertificateAuthority ca = MakeCa();
  PrivateKey key = Must(PrivateKey::Generate());
  clock_.SetMs(1'800'000'000'000);
  Certificate cert =
      Must(ca.IssueForKey(key, "d", {}, std::chrono::seconds(60), CertUsage::kClient));
  EXPECT_EQ(cert.NotBeforeMs(), 1'800'000'000'000 - 6'000);
  EXPECT_EQ(cert.NotAfterMs(), 1'800'000'060'000);
}

}  // namespace
}  // namespace keel::crypto
