#include "crypto/signature.h"

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <memory>

#include "crypto/openssl_util.h"

namespace keel::crypto {
namespace {

using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, internal::OpenSslDeleter<EVP_MD_CTX_free>>;

const unsigned char* Bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

}  // namespace

Result<std::string> Sign(const PrivateKey& key, std::string_view message) {
  if (key.get() == nullptr) return Status::InvalidArgument("crypto: sign: no key");
  if (EVP_PKEY_is_a(key.get(), "ED25519") == 1) {
    return Status::InvalidArgument("crypto: sign: an Ed25519 key (use Ed25519Sign)");
  }
  MdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx) return internal::OpenSslError("allocate signing context");
  if (EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key.get()) != 1) {
    return internal::OpenSslError("init SHA-256 signing");
  }
  size_t length = 0;
  if (EVP_DigestSign(ctx.get(), nullptr, &length, Bytes(message), message.size()) != 1) {
    return internal::OpenSslError("size signature");
  }
  std::string signature(length, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &length,
                     Bytes(message), message.size()) != 1) {
    return internal::OpenSslError("sign");
  }
  signature.resize(length);  // a DER ECDSA signature is often shorter than the bound
  return signature;
}

Status Verify(const Certificate& certificate, std::string_view message,
              std::string_view signature) {
  if (certificate.get() == nullptr) {
    return Status::InvalidArgument("crypto: verify: no certificate");
  }
  if (signature.empty() || signature.size() > kMaxSignatureBytes) {
    return Status::Unauthenticated("crypto: signature: empty or too long");
  }
  EVP_PKEY* key = X509_get0_pubkey(certificate.get());  // borrowed
  MdCtxPtr ctx(EVP_MD_CTX_new());
  const bool ok = key != nullptr && ctx &&
                  EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key) == 1 &&
                  EVP_DigestVerify(ctx.get(), Bytes(signature), signature.size(), Bytes(message),
                                   message.size()) == 1;
  // A bad signature leaves errors on the queue; they are not news.
  internal::DrainOpenSslErrors();
  if (!ok) {
    return Status::Unauthenticated("crypto: signature does not verify with the key of \"" +
                                   certificate.SubjectCommonName() + "\"");
  }
  return Status::Ok();
}

}  // namespace keel::crypto
