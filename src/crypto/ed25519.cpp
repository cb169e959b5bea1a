#include "crypto/ed25519.h"

#include <openssl/evp.h>

#include <memory>

#include "crypto/openssl_util.h"

namespace keel::crypto {
namespace {

using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, internal::OpenSslDeleter<EVP_MD_CTX_free>>;

bool IsEd25519(const PrivateKey& key) {
  return key.get() != nullptr && EVP_PKEY_is_a(key.get(), "ED25519") == 1;
}

}  // namespace

Result<PrivateKey> GenerateEd25519Key() {
  EVP_PKEY* key = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
  if (key == nullptr) return internal::OpenSslError("generate Ed25519 key");
  return PrivateKey(key);
}

Result<std::string> Ed25519PublicKey(const PrivateKey& key) {
  if (!IsEd25519(key)) return Status::InvalidArgument("crypto: not an Ed25519 key");
  std::string raw(kEd25519PublicKeyBytes, '\0');
  size_t length = raw.size();
  if (EVP_PKEY_get_raw_public_key(key.get(), reinterpret_cast<unsigned char*>(raw.data()),
                                  &length) != 1 ||
      length != kEd25519PublicKeyBytes) {
    return internal::OpenSslError("export Ed25519 public key");
  }
  return raw;
}

Result<std::string> Ed25519Sign(const PrivateKey& key, std::string_view message) {
  if (!IsEd25519(key)) return Status::InvalidArgument("crypto: not an Ed25519 key");
  MdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx) return internal::OpenSslError("allocate signing context");
  // Ed25519 hashes internally: no digest, one-shot signing.
  if (EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key.get()) != 1) {
    return internal::OpenSslError("init Ed25519 signing");
  }
  std::string signature(kEd25519SignatureBytes, '\0');
  size_t length = signature.size();
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &length,
                     reinterpret_cast<const unsigned char*>(message.data()), message.size()) != 1 ||
      length != kEd25519SignatureBytes) {
    return internal::OpenSslError("Ed25519 sign");
  }
  return signature;
}

bool Ed25519Verify(std::string_view public_key, std::string_view message,
                   std::string_view signature) {
  if (public_key.size() != kEd25519PublicKeyBytes || signature.size() != kEd25519SignatureBytes) {
    return false;
  }
  internal::EvpPkeyPtr key(EVP_PKEY_new_raw_public_key(
      EVP_PKEY_ED25519, nullptr, reinterpret_cast<const unsigned char*>(public_key.data()),
      public_key.size()));
  if (!key) {
    internal::DrainOpenSslErrors();
    return false;
  }
  MdCtxPtr ctx(EVP_MD_CTX_new());
  const bool ok =
      ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key.get()) == 1 &&
      EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                       signature.size(), reinterpret_cast<const unsigned char*>(message.data()),
                       message.size()) == 1;
  internal::DrainOpenSslErrors();  // a bad signature leaves errors on the queue
  return ok;
}

}  // namespace keel::crypto
