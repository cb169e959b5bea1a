#include "crypto/sha256.h"

#include <openssl/evp.h>

#include <cstdio>
#include <cstdlib>

#include "crypto/hex.h"

namespace keel::crypto {

struct Sha256Stream::Context {
  EVP_MD_CTX* ctx = nullptr;
};

namespace {

void Check(int ok, const char* what) {
  if (ok != 1) {
    std::fprintf(stderr, "crypto: SHA-256 %s failed\n", what);
    std::abort();
  }
}

}  // namespace

Sha256Stream::Sha256Stream() : context_(std::make_unique<Context>()) {
  context_->ctx = EVP_MD_CTX_new();
  Check(context_->ctx != nullptr ? 1 : 0, "allocation");
  Check(EVP_DigestInit_ex(context_->ctx, EVP_sha256(), nullptr), "init");
}

Sha256Stream::~Sha256Stream() { EVP_MD_CTX_free(context_->ctx); }

void Sha256Stream::Update(std::string_view data) {
  Check(EVP_DigestUpdate(context_->ctx, data.data(), data.size()), "update");
}

std::string Sha256Stream::FinishHex() {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  Check(EVP_DigestFinal_ex(context_->ctx, digest, &length), "final");
  Check(EVP_DigestInit_ex(context_->ctx, EVP_sha256(), nullptr), "init");
  return HexEncode(std::string_view(reinterpret_cast<const char*>(digest), length));
}

}  // namespace keel::crypto
