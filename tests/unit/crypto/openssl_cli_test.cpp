// Cross-checks with the `openssl` command-line tool: what Keel writes must be
// accepted by other OpenSSL consumers (mosquitto reads the same files).
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "common/files.h"
#include "crypto/certificate_authority.h"
#include "crypto/csr.h"
#include "test_util/temp_dir.h"
#include "unit/crypto/crypto_test_util.h"

namespace keel::crypto {
namespace {

using testutil::kOneYear;
using testutil::Must;

int Shell(const std::string& command) {
  return std::system((command + " >/dev/null 2>&1").c_str());
}

class OpensslCliTest : public ::testing::Test {
 protected:
  std::string Path(const std::string& name) const { return (dir_.path() / name).string(); }
  void Write(const std::string& name, const std::string& content) const {
    ASSERT_TRUE(WriteFileAtomic(dir_.path() / name, content).ok());
  }
  std::string AtTime() const { return " -attime " + std::to_string(clock_.NowMs() / 1000); }

  TempDir dir_;
  FakeClock clock_;
  CertificateAuthority ca_ =
      Must(CertificateAuthority::LoadOrCreate(dir_.path() / "pki", "Keel CA", clock_));
};

TEST_F(OpensslCliTest, OpensslVerifyAcceptsIssuedCertificatesAndHonoursTheCrl) {
  PrivateKey device_key = Must(PrivateKey::Generate());
  Certificate device = Must(ca_.IssueFromCsr(Must(CreateCsrPem(device_key, "dev-9")), "dev-9",
                                             kOneYear, CertUsage::kClient));
  Certificate server =
      Must(ca_.IssueForKey(Must(PrivateKey::Generate()), "hub", {"DNS:localhost", "IP:127.0.0.1"},
                           kOneYear, CertUsage::kServer));
  Write("device.crt", device.ToPem());
  Write("server.crt", server.ToPem());
  const std::string ca = " -CAfile " + Path("pki/ca.crt");

  EXPECT_EQ(Shell("openssl verify" + AtTime() + ca + " -purpose sslclient " + Path("device.crt")),
            0);
  EXPECT_EQ(Shell("openssl verify" + AtTime() + ca +
                  " -purpose sslserver -verify_hostname "
                  "localhost -verify_ip 127.0.0.1 " +
                  Path("server.crt")),
            0);
  EXPECT_NE(Shell("openssl verify" + AtTime() + ca + " -purpose sslserver " + Path("device.crt")),
            0);

  Write("crl.pem",
        Must(ca_.CreateCrlPem({{device.SerialHex(), clock_.NowMs()}}, std::chrono::hours(24))));
  // `openssl crl` exits 0 even when the signature check fails; it prints the verdict.
  const std::string check_crl = "openssl crl -noout -in " + Path("crl.pem") + " -CAfile ";
  EXPECT_EQ(Shell(check_crl + Path("pki/ca.crt") + " 2>&1 | grep -qx 'verify OK'"), 0);
  CertificateAuthority other =
      Must(CertificateAuthority::LoadOrCreate(dir_.path() / "other", "Keel CA", clock_));
  EXPECT_NE(Shell(check_crl + Path("other/ca.crt") + " 2>&1 | grep -qx 'verify OK'"), 0);
  EXPECT_NE(Shell("openssl verify -crl_check" + AtTime() + ca + " -CRLfile " + Path("crl.pem") +
                  " " + Path("device.crt")),
            0);
  EXPECT_EQ(Shell("openssl verify -crl_check" + AtTime() + ca + " -CRLfile " + Path("crl.pem") +
                  " " + Path("server.crt")),
            0);
}

TEST_F(OpensslCliTest, CertificateFromAnotherCaIsRejectedByOpenssl) {
  CertificateAuthority other =
      Must(CertificateAuthority::LoadOrCreate(dir_.path() / "other", "Keel CA", clock_));
  Write("foreign.crt", Must(other.IssueForKey(Must(PrivateKey::Generate()), "dev-1", {}, kOneYear,
                                              CertUsage::kClient))
                           .ToPem());
  EXPECT_NE(Shell("openssl verify" + AtTime() + " -CAfile " + Path("pki/ca.crt") + " " +
                  Path("foreign.crt")),
            0);
}

TEST_F(OpensslCliTest, CsrsInteroperateBothWays) {
  PrivateKey key = Must(PrivateKey::Generate());
  Write("ours.csr", Must(CreateCsrPem(key, "dev-ours")));
  EXPECT_EQ(Shell("openssl req -verify -noout -in " + Path("ours.csr")), 0);

  ASSERT_EQ(Shell("openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout " +
                  Path("cli.key") + " -subj /CN=dev-cli -out " + Path("cli.csr")),
            0);
  EXPECT_EQ(Must(VerifyCsr(Must(ReadFile(dir_.path() / "cli.csr")))).common_name, "dev-cli");
}

}  // namespace
}  // namespace keel::crypto
