#include "crypto/csr.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/pem.h>

#include "crypto/certificate.h"
#include "unit/crypto/crypto_test_util.h"

namespace keel::crypto {
namespace {

using ::testing::HasSubstr;
using testutil::BuildCsr;
using testutil::Must;

class CsrTest : public ::testing::Test {
 protected:
  PrivateKey key_ = Must(PrivateKey::Generate());
};

void ExpectRefused(const std::string& pem, const std::string& reason) {
  Result<CsrInfo> info = VerifyCsr(pem);
  ASSERT_FALSE(info.ok()) << "accepted: " << info->common_name;
  EXPECT_EQ(info.status().code(), StatusCode::kInvalidArgument) << info.status().ToString();
  EXPECT_THAT(info.status().message(), HasSubstr(reason));
}

TEST_F(CsrTest, CreatedCsrVerifiesAndCarriesTheCommonName) {
  const std::string pem = Must(CreateCsrPem(key_, "dev-0042"));
  EXPECT_THAT(pem, HasSubstr("-----BEGIN CERTIFICATE REQUEST-----"));
  EXPECT_EQ(Must(VerifyCsr(pem)).common_name, "dev-0042");
}

TEST_F(CsrTest, CreateRefusesBadCommonNames) {
  for (const std::string& cn :
       std::vector<std::string>{"", "a/b", "a+b", "a#b", "tab\there", std::string(65, 'x')}) {
    Result<std::string> csr = CreateCsrPem(key_, cn);
    EXPECT_EQ(csr.status().code(), StatusCode::kInvalidArgument) << cn;
  }
  EXPECT_TRUE(CreateCsrPem(key_, std::string(64, 'x')).ok());
}

TEST_F(CsrTest, SignatureByAnotherKeyIsRefused) {
  PrivateKey other = Must(PrivateKey::Generate());
  ExpectRefused(BuildCsr(key_.get(), other.get(), EVP_sha256(), {{NID_commonName, "dev-1"}}),
                "self-signature does not verify");
}

TEST_F(CsrTest, TamperedSubjectIsRefused) {
  const std::string pem = Must(CreateCsrPem(key_, "dev-1"));
  internal::BioPtr in = internal::ReadOnlyBio(pem);
  internal::X509ReqPtr req(PEM_read_bio_X509_REQ(in.get(), nullptr, nullptr, nullptr));
  unsigned char* der = nullptr;
  const int len = i2d_X509_REQ(req.get(), &der);
  std::string bytes(reinterpret_cast<char*>(der), static_cast<size_t>(len));
  OPENSSL_free(der);
  const size_t at = bytes.find("dev-1");
  ASSERT_NE(at, std::string::npos);
  bytes[at + 4] = '2';
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  internal::X509ReqPtr tampered(d2i_X509_REQ(nullptr, &p, static_cast<long>(bytes.size())));
  ASSERT_TRUE(tampered);
  internal::BioPtr out = internal::WritableBio();
  PEM_write_bio_X509_REQ(out.get(), tampered.get());
  const std::string tampered_pem = internal::BioContents(out.get());
  ASSERT_NE(tampered_pem, pem);
  ExpectRefused(tampered_pem, "self-signature does not verify");
}

TEST_F(CsrTest, GarbageTruncatedAndOversizedAreRefused) {
  const std::string pem = Must(CreateCsrPem(key_, "dev-1"));
  ExpectRefused("", "not a PEM certificate request");
  ExpectRefused("hello", "not a PEM certificate request");
  ExpectRefused(pem.substr(0, pem.size() / 2), "not a PEM certificate request");
  std::string corrupted = pem;
  corrupted[40] = corrupted[40] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(VerifyCsr(corrupted).ok());
  ExpectRefused(pem + std::string(kMaxCsrPemBytes, '\n'), "limit is 16384");
}

TEST_F(CsrTest, CertificateIsNotACsr) {
  X509* raw = X509_new();
  X509_set_pubkey(raw, key_.get());
  X509_sign(raw, key_.get(), EVP_sha256());
  ExpectRefused(Certificate(raw).ToPem(), "not a PEM certificate request");
}

TEST_F(CsrTest, SubjectMustHaveExactlyOneAcceptableCommonName) {
  ExpectRefused(BuildCsr(key_.get(), key_.get(), EVP_sha256(), {{NID_organizationName, "acme"}}),
                "no commonName");
  ExpectRefused(BuildCsr(key_.get(), key_.get(), EVP_sha256(),
                         {{NID_commonName, "dev-1"}, {NID_commonName, "dev-2"}}),
                "more than one commonName");
  ExpectRefused(BuildCsr(key_.get(), key_.get(), EVP_sha256(), {{NID_commonName, "dev/#"}}),
                "forbidden character");
  ExpectRefused(
      BuildCsr(key_.get(), key_.get(), EVP_sha256(), {{NID_commonName, std::string("a\0b", 3)}}),
      "NUL");
  EXPECT_EQ(Must(VerifyCsr(BuildCsr(key_.get(), key_.get(), EVP_sha256(),
                                    {{NID_organizationName, "acme"}, {NID_commonName, "dev-7"}})))
                .common_name,
            "dev-7");
}

TEST_F(CsrTest, WeakKeysAndDigestsAreRefused) {
  internal::EvpPkeyPtr rsa1024(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{1024}));
  ASSERT_TRUE(rsa1024);
  ExpectRefused(BuildCsr(rsa1024.get(), rsa1024.get(), EVP_sha256(), {{NID_commonName, "d"}}),
                "RSA key of 1024 bits");
  internal::EvpPkeyPtr p521(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-521"));
  ASSERT_TRUE(p521);
  ExpectRefused(BuildCsr(p521.get(), p521.get(), EVP_sha256(), {{NID_commonName, "d"}}),
                "is not accepted");
  internal::EvpPkeyPtr ed25519(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
  ASSERT_TRUE(ed25519);
  ExpectRefused(BuildCsr(ed25519.get(), ed25519.get(), nullptr, {{NID_commonName, "d"}}),
                "key type ED25519");
  ExpectRefused(BuildCsr(key_.get(), key_.get(), EVP_sha1(), {{NID_commonName, "d"}}),
                "digest SHA1");
  EXPECT_TRUE(
      VerifyCsr(BuildCsr(key_.get(), key_.get(), EVP_sha384(), {{NID_commonName, "d"}})).ok());
}

}  // namespace
}  // namespace keel::crypto
