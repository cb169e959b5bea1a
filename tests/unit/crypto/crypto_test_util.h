// Helpers shared by the crypto unit tests.
#pragma once

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <chrono>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"
#include "crypto/certificate.h"
#include "crypto/openssl_util.h"
#include "crypto/private_key.h"

namespace keel::crypto::testutil {

using internal::BioPtr;
using internal::X509CrlPtr;
using internal::X509ReqPtr;

inline constexpr std::chrono::seconds kOneYear = std::chrono::hours(24 * 365);

// The value of `result`; throws (failing the current test) if it is an error.
template <typename T>
T Must(Result<T> result) {
  if (!result.ok()) throw std::runtime_error("unexpected error: " + result.status().ToString());
  return std::move(result).value();
}

inline int64_t Seconds(int64_t ms) { return ms / 1000; }

// A CSR with `subject` entries (NID, value), holding `public_key` and signed
// by `signer` with `md` (which need not be the same key: that is a forgery).
inline std::string BuildCsr(EVP_PKEY* public_key, EVP_PKEY* signer, const EVP_MD* md,
                            const std::vector<std::pair<int, std::string>>& subject) {
  X509ReqPtr req(X509_REQ_new());
  X509_NAME* name = X509_REQ_get_subject_name(req.get());
  for (const auto& [nid, value] : subject) {
    X509_NAME_add_entry_by_NID(name, nid, MBSTRING_UTF8,
                               reinterpret_cast<const unsigned char*>(value.data()),
                               static_cast<int>(value.size()), -1, 0);
  }
  X509_REQ_set_version(req.get(), X509_REQ_VERSION_1);
  X509_REQ_set_pubkey(req.get(), public_key);
  if (X509_REQ_sign(req.get(), signer, md) <= 0) throw std::runtime_error("BuildCsr: sign failed");
  BioPtr bio = internal::WritableBio();
  PEM_write_bio_X509_REQ(bio.get(), req.get());
  return internal::BioContents(bio.get());
}

// Path validation as a TLS peer would do it, at time `at_ms`, for `purpose`
// (X509_PURPOSE_SSL_CLIENT/SERVER). With `crl`, revocation is checked too.
// Returns X509_V_OK or the X509_V_ERR_* code.
inline int VerifyChain(const Certificate& ca, const Certificate& leaf, int64_t at_ms, int purpose,
                       X509_CRL* crl = nullptr) {
  std::unique_ptr<X509_STORE, internal::OpenSslDeleter<X509_STORE_free>> store(X509_STORE_new());
  X509_STORE_add_cert(store.get(), ca.get());
  if (crl != nullptr) {
    X509_STORE_add_crl(store.get(), crl);
    X509_STORE_set_flags(store.get(), X509_V_FLAG_CRL_CHECK);
  }
  std::unique_ptr<X509_STORE_CTX, internal::OpenSslDeleter<X509_STORE_CTX_free>> ctx(
      X509_STORE_CTX_new());
  X509_STORE_CTX_init(ctx.get(), store.get(), leaf.get(), nullptr);
  X509_STORE_CTX_set_time(ctx.get(), 0, static_cast<time_t>(Seconds(at_ms)));
  X509_STORE_CTX_set_purpose(ctx.get(), purpose);
  const int ok = X509_verify_cert(ctx.get());
  const int error = X509_STORE_CTX_get_error(ctx.get());
  return ok == 1 ? X509_V_OK : (error == X509_V_OK ? -1 : error);
}

inline X509CrlPtr ParseCrl(const std::string& pem) {
  BioPtr bio = internal::ReadOnlyBio(pem);
  return X509CrlPtr(PEM_read_bio_X509_CRL(bio.get(), nullptr, nullptr, nullptr));
}

}  // namespace keel::crypto::testutil
