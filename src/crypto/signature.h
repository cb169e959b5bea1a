// Signatures with a device's (or any X.509 subject's) key: ECDSA over
// SHA-256 with the private key, verified with the public key of a
// certificate. Used for attestation quotes (docs/security.md,
// "Attestation"), where the device signs with device.key and the hub checks
// against the certificate the device presented in the TLS handshake.
//
// Signatures are DER-encoded (ECDSA-Sig-Value, as OpenSSL produces them);
// for an RSA key the same calls give PKCS#1 v1.5 signatures with SHA-256.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"
#include "crypto/certificate.h"
#include "crypto/private_key.h"

namespace keel::crypto {

// The largest signature Verify accepts (bytes): an ECDSA P-384 DER
// signature is at most 104 bytes, an RSA-4096 one 512.
inline constexpr size_t kMaxSignatureBytes = 512;

// Signs SHA-256(`message`) with `key` (EC or RSA; Keel's device keys are
// ECDSA P-256). InvalidArgument for an empty or Ed25519 key (Ed25519 has its
// own calls, ed25519.h); Internal when OpenSSL fails. Thread-safe.
Result<std::string> Sign(const PrivateKey& key, std::string_view message);

// OK if `signature` is a valid signature by Sign of `message` under the
// public key of `certificate`; Unauthenticated otherwise (wrong key, altered
// message, malformed or oversized signature), InvalidArgument for an empty
// certificate. Does not check the certificate itself (validity, issuer,
// revocation): the caller trusts it already. Thread-safe.
Status Verify(const Certificate& certificate, std::string_view message, std::string_view signature);

}  // namespace keel::crypto
