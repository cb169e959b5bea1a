// Internal: the steps of building and signing an X.509 v3 certificate, shared
// by the CA's self-signed root and the certificates it issues.
#pragma once

#include <openssl/x509.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "crypto/openssl_util.h"

namespace keel::crypto::internal {

struct CertificateFields {
  std::string_view common_name;  // subject is CN=<common_name> only
  EVP_PKEY* public_key = nullptr;
  int64_t not_before_ms = 0;
  int64_t not_after_ms = 0;
};

// An unsigned v3 certificate with `fields`, a random positive 16-byte serial
// and issuer = `issuer`'s subject (or its own subject when `issuer` is null).
Result<X509Ptr> NewCertificate(const CertificateFields& fields, X509* issuer);

// Adds the extension `nid` given in OpenSSL config syntax (e.g.
// "critical,CA:TRUE"). `issuer` null means self-issued.
Status AddExtension(X509* cert, X509* issuer, int nid, const char* value);

// Adds a non-critical subjectAltName from entries "DNS:<host>" or
// "IP:<v4 or v6 address>". InvalidArgument for any other form.
Status AddSubjectAltNames(X509* cert, const std::vector<std::string>& names);

// Signs with `key` and SHA-256.
Status SignCertificate(X509* cert, EVP_PKEY* key);

// A random positive serial of exactly 16 bytes from OpenSSL's CSPRNG.
Result<Asn1IntegerPtr> RandomSerial();

}  // namespace keel::crypto::internal
