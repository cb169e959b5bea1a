// Ed25519 signatures (RFC 8032, OpenSSL 3) for update metadata: key
// generation, the raw 32-byte public key, signing and verification.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"
#include "crypto/private_key.h"

namespace keel::crypto {

inline constexpr size_t kEd25519PublicKeyBytes = 32;
inline constexpr size_t kEd25519SignatureBytes = 64;

// A fresh Ed25519 key from OpenSSL's CSPRNG. Internal on failure.
Result<PrivateKey> GenerateEd25519Key();

// The raw public key of an Ed25519 private key. InvalidArgument for a key of
// another type.
Result<std::string> Ed25519PublicKey(const PrivateKey& key);

// The 64-byte signature of `message`. InvalidArgument for a non-Ed25519 key.
Result<std::string> Ed25519Sign(const PrivateKey& key, std::string_view message);

// Whether `signature` is a valid Ed25519 signature of `message` under the raw
// `public_key`; false (never an error) for wrong sizes or a malformed key.
// Thread-safe.
bool Ed25519Verify(std::string_view public_key, std::string_view message,
                   std::string_view signature);

}  // namespace keel::crypto
