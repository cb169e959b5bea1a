// Certificate signing requests (PKCS#10): devices create them, the hub's CA
// verifies them before issuing a certificate.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"
#include "crypto/private_key.h"

namespace keel::crypto {

// Largest CSR PEM VerifyCsr accepts, in bytes.
inline constexpr size_t kMaxCsrPemBytes = 16 * 1024;

// A PEM "CERTIFICATE REQUEST" with subject CN=<common_name>, no extensions,
// holding `key`'s public key and signed by it with SHA-256.
// InvalidArgument if `common_name` breaks keel's CN rule (1 to 64 bytes, no
// control characters, '/', '+' or '#'); Internal if OpenSSL fails.
Result<std::string> CreateCsrPem(const PrivateKey& key, std::string_view common_name);

struct CsrInfo {
  std::string common_name;  // UTF-8, satisfies keel's CN rule
};

// Checks an untrusted PEM CSR: at most kMaxCsrPemBytes, a PKCS#10 v1 request
// whose subject has exactly one CN satisfying keel's CN rule, whose key is
// EC P-256/P-384 or RSA 2048..4096, signed with SHA-256/384/512, and whose
// self-signature verifies (proof that the requester holds the private key).
// Requested extensions are ignored (the CA never copies them). Every failure
// is InvalidArgument with a message naming the problem. Thread-safe.
Result<CsrInfo> VerifyCsr(std::string_view csr_pem);

}  // namespace keel::crypto
