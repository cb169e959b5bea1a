// Secrets and digests: random bearer tokens (enrollment tokens, API keys),
// SHA-256 fingerprints, and timing-safe comparison.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace keel::crypto {

// `bytes` bytes from OpenSSL's CSPRNG, base64url-encoded without padding
// (ceil(bytes * 4 / 3) characters of [A-Za-z0-9_-]). Aborts the process if
// the CSPRNG fails: a predictable token is never returned. Thread-safe.
std::string RandomToken(size_t bytes = 32);

// Lower-case hex SHA-256 of `data` (64 characters). Thread-safe.
std::string Sha256Hex(std::string_view data);

// Compares the contents in time that depends only on the lengths (unequal
// lengths return false at once; lengths are not secret for Keel's tokens).
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace keel::crypto
