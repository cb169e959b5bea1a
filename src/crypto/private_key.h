// PrivateKey: an owned asymmetric private key (OpenSSL EVP_PKEY).
#pragma once

#include <openssl/types.h>

#include <filesystem>
#include <string>
#include <string_view>

#include "common/status.h"

namespace keel::crypto {

// Move-only. A moved-from PrivateKey holds no key (get() == nullptr) and may
// only be assigned to or destroyed. Const methods are safe to call from
// several threads at once.
class PrivateKey {
 public:
  // A fresh ECDSA P-256 key from OpenSSL's CSPRNG. Internal on failure.
  static Result<PrivateKey> Generate();

  // Parses a PEM private key (PKCS#8 "PRIVATE KEY" or the traditional
  // "EC PRIVATE KEY"/"RSA PRIVATE KEY"). Encrypted keys are refused (no
  // passphrase prompt). InvalidArgument if `pem` is not a key or is over
  // 64 KiB.
  static Result<PrivateKey> FromPem(std::string_view pem);

  // Reads and parses a PEM key file: NotFound if missing, IoError if
  // unreadable, InvalidArgument if not a key. Logs a warning when the file
  // is readable by group or others.
  static Result<PrivateKey> LoadFile(const std::filesystem::path& path);

  PrivateKey(PrivateKey&& other) noexcept;
  PrivateKey& operator=(PrivateKey&& other) noexcept;
  PrivateKey(const PrivateKey&) = delete;
  PrivateKey& operator=(const PrivateKey&) = delete;
  ~PrivateKey();

  // Unencrypted PKCS#8 PEM ("-----BEGIN PRIVATE KEY-----"). Empty only if the
  // key cannot be exported (moved-from, or a provider key that refuses it).
  std::string ToPem() const;

  // Writes ToPem() to `path` atomically with mode 0600 (keel::WriteFileAtomic).
  Status SaveFile(const std::filesystem::path& path) const;

  // Borrowed; owned by this object.
  EVP_PKEY* get() const { return key_; }

  // Takes ownership of `key` (must not be null).
  explicit PrivateKey(EVP_PKEY* key) : key_(key) {}

 private:
  EVP_PKEY* key_ = nullptr;
};

}  // namespace keel::crypto
