// Certificate: an X.509 certificate (OpenSSL X509), parsed from PEM or issued
// by a CertificateAuthority.
#pragma once

#include <openssl/types.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "common/status.h"
#include "crypto/private_key.h"

namespace keel::crypto {

// Copyable (copies share the immutable X509 by reference count). A
// moved-from Certificate holds nothing (get() == nullptr) and may only be
// assigned to or destroyed. Const methods are safe from several threads.
class Certificate {
 public:
  // Parses the first PEM "CERTIFICATE" block of `pem`. InvalidArgument if
  // there is none, it does not parse, or `pem` is over 64 KiB.
  static Result<Certificate> FromPem(std::string_view pem);

  // Reads and parses a PEM file: NotFound if missing, IoError if unreadable,
  // InvalidArgument if it holds no certificate.
  static Result<Certificate> LoadFile(const std::filesystem::path& path);

  // Takes ownership of `cert` (must not be null).
  explicit Certificate(X509* cert) : cert_(cert) {}
  Certificate(const Certificate& other);
  Certificate& operator=(const Certificate& other);
  Certificate(Certificate&& other) noexcept;
  Certificate& operator=(Certificate&& other) noexcept;
  ~Certificate();

  // PEM "-----BEGIN CERTIFICATE-----"; empty only for a moved-from object.
  std::string ToPem() const;

  // The subject's single commonName (UTF-8); empty if it has none or several.
  std::string SubjectCommonName() const;

  // Validity bounds, ms since the Unix epoch (whole seconds).
  int64_t NotBeforeMs() const;
  int64_t NotAfterMs() const;

  // Serial number as lower-case hex without leading zeros, e.g. "1f3a...".
  // This is the format RevokedCertificate::serial_hex expects.
  std::string SerialHex() const;

  // OK if this certificate names `ca`'s subject as issuer (and its authority
  // key id, when present, matches) and its signature verifies with `ca`'s
  // public key. Unauthenticated otherwise. Does not look at validity times
  // or revocation: use an X509_STORE (or the TLS stack) for path validation.
  Status VerifyIssuedBy(const Certificate& ca) const;

  // True if the certificate's public key is the public half of `key`.
  bool MatchesKey(const PrivateKey& key) const;

  // Borrowed; owned by this object.
  X509* get() const { return cert_; }

 private:
  X509* cert_ = nullptr;
};

}  // namespace keel::crypto
