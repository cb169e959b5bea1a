// CertificateAuthority: the hub's device PKI. Owns the CA key and
// self-signed CA certificate on disk, issues device (client) and hub
// (server/client) certificates, and signs certificate revocation lists.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "crypto/certificate.h"
#include "crypto/private_key.h"

namespace keel::crypto {

enum class CertUsage {
  kClient,  // extendedKeyUsage clientAuth (devices, the hub's MQTT client)
  kServer,  // extendedKeyUsage serverAuth (the hub's TLS endpoints)
};

struct RevokedCertificate {
  std::string serial_hex;  // as Certificate::SerialHex(); 1 to 40 hex digits
  int64_t revoked_at_ms;   // ms since the Unix epoch, >= 0
};

// Validity of the self-signed CA certificate created by LoadOrCreate.
inline constexpr std::chrono::seconds kCaLifetime = std::chrono::hours(24 * 3650);
// Issued certificates start this long before the clock's "now", so peers
// whose clocks lag a little still accept them.
inline constexpr std::chrono::seconds kClockSkewAllowance = std::chrono::minutes(5);
// Longest lifetime IssueFromCsr/IssueForKey accept.
inline constexpr std::chrono::seconds kMaxLifetime = std::chrono::hours(24 * 3650);

// Movable, not copyable. All methods are const and safe to call from several
// threads at once. Every timestamp comes from the Clock given to
// LoadOrCreate, which must outlive the CA.
class CertificateAuthority {
 public:
  // On first use creates `dir` (mode 0700) with ca.key (PKCS#8, 0600) and
  // ca.crt: self-signed, CN=<ca_common_name>, valid from now - 5 min for
  // kCaLifetime, basicConstraints critical CA:TRUE, keyUsage critical
  // keyCertSign+cRLSign, subjectKeyIdentifier. Later calls load both files
  // (`ca_common_name` is then ignored). If ca.key exists without ca.crt (a
  // crash between the two writes) the certificate is re-created from that
  // key. FailedPrecondition if ca.crt exists without ca.key, if the key does
  // not match the certificate, or if ca.crt is not a CA certificate;
  // NotFound/IoError/InvalidArgument from reading and parsing the files.
  // Two processes must not run the first-use creation on the same `dir` at
  // once (the hub holds the only CA instance).
  static Result<CertificateAuthority> LoadOrCreate(const std::filesystem::path& dir,
                                                   std::string_view ca_common_name,
                                                   const Clock& clock);

  const Certificate& certificate() const { return cert_; }

  // Issues a certificate for the key in an untrusted CSR (checked by
  // VerifyCsr; InvalidArgument if it fails). PermissionDenied if the CSR's
  // CN is not `expected_common_name`. The certificate has subject
  // CN=<expected_common_name> only (nothing else from the CSR is copied), a
  // random positive 16-byte serial, notBefore = now - min(kClockSkewAllowance,
  // lifetime / 10),
  // notAfter = now + `lifetime`, basicConstraints critical CA:FALSE,
  // keyUsage critical digitalSignature, the EKU for `usage`, and
  // subject/authority key identifiers. InvalidArgument if `lifetime` is not
  // in (0, kMaxLifetime]; FailedPrecondition if it would outlive the CA.
  Result<Certificate> IssueFromCsr(std::string_view csr_pem, std::string_view expected_common_name,
                                   std::chrono::seconds lifetime, CertUsage usage) const;

  // As IssueFromCsr for a key the caller holds (the hub's own TLS server and
  // MQTT client certificates), plus a subjectAltName built from entries
  // "DNS:<host>" or "IP:<address>" (none: no extension). InvalidArgument for
  // a malformed entry or CN, or a key type CheckKeyPolicy refuses.
  Result<Certificate> IssueForKey(const PrivateKey& key, std::string_view common_name,
                                  const std::vector<std::string>& subject_alt_names,
                                  std::chrono::seconds lifetime, CertUsage usage) const;

  // A PEM X.509 v2 CRL signed by the CA (SHA-256), listing `revoked`, with
  // thisUpdate = now, nextUpdate = now + `next_update`, an authority key
  // identifier and a CRL number equal to the clock's NowMs() (so it
  // increases as long as the clock does). Usable as OpenSSL/mosquitto
  // `crlfile`. InvalidArgument for a malformed serial or time, or a
  // non-positive `next_update`.
  Result<std::string> CreateCrlPem(const std::vector<RevokedCertificate>& revoked,
                                   std::chrono::seconds next_update) const;

 private:
  CertificateAuthority(PrivateKey key, Certificate cert, const Clock& clock)
      : key_(std::move(key)), cert_(std::move(cert)), clock_(&clock) {}

  Result<Certificate> Issue(EVP_PKEY* subject_key, std::string_view common_name,
                            const std::vector<std::string>& subject_alt_names,
                            std::chrono::seconds lifetime, CertUsage usage) const;

  PrivateKey key_;
  Certificate cert_;
  const Clock* clock_;
};

}  // namespace keel::crypto
