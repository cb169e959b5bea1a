#include "crypto/csr.h"

#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "crypto/csr_internal.h"
#include "crypto/openssl_util.h"

namespace keel::crypto {
namespace {

Status CheckSignatureDigest(const X509_REQ* req) {
  int digest_nid = NID_undef;
  int key_nid = NID_undef;
  if (OBJ_find_sigid_algs(X509_REQ_get_signature_nid(req), &digest_nid, &key_nid) != 1) {
    return Status::InvalidArgument("crypto: CSR: unknown signature algorithm");
  }
  if (digest_nid != NID_sha256 && digest_nid != NID_sha384 && digest_nid != NID_sha512) {
    const char* name = OBJ_nid2sn(digest_nid);
    return Status::InvalidArgument(std::string("crypto: CSR: signature digest ") +
                                   (name != nullptr ? name : "unknown") +
                                   " is not accepted (SHA-256/384/512)");
  }
  return Status::Ok();
}

}  // namespace

Result<std::string> CreateCsrPem(const PrivateKey& key, std::string_view common_name) {
  if (key.get() == nullptr) return Status::FailedPrecondition("crypto: CSR: private key is empty");
  KEEL_ASSIGN_OR_RETURN(internal::X509NamePtr subject, internal::NameWithCommonName(common_name));
  internal::X509ReqPtr req(X509_REQ_new());
  if (!req || X509_REQ_set_version(req.get(), X509_REQ_VERSION_1) != 1 ||
      X509_REQ_set_subject_name(req.get(), subject.get()) != 1 ||
      X509_REQ_set_pubkey(req.get(), key.get()) != 1) {
    return internal::OpenSslError("build CSR for " + std::string(common_name));
  }
  if (X509_REQ_sign(req.get(), key.get(), EVP_sha256()) <= 0) {
    return internal::OpenSslError("sign CSR for " + std::string(common_name));
  }
  internal::BioPtr bio = internal::WritableBio();
  if (!bio || PEM_write_bio_X509_REQ(bio.get(), req.get()) != 1) {
    return internal::OpenSslError("encode CSR as PEM");
  }
  return internal::BioContents(bio.get());
}

Result<CsrInfo> VerifyCsr(std::string_view csr_pem) {
  KEEL_ASSIGN_OR_RETURN(internal::VerifiedCsr verified, internal::VerifyCsrWithKey(csr_pem));
  return std::move(verified.info);
}

namespace internal {

Result<VerifiedCsr> VerifyCsrWithKey(std::string_view csr_pem) {
  if (csr_pem.size() > kMaxCsrPemBytes) {
    return Status::InvalidArgument("crypto: CSR is " + std::to_string(csr_pem.size()) +
                                   " bytes; limit is " + std::to_string(kMaxCsrPemBytes));
  }
  internal::BioPtr bio = internal::ReadOnlyBio(csr_pem);
  if (!bio) return internal::OpenSslError("allocate BIO for CSR");
  internal::X509ReqPtr req(PEM_read_bio_X509_REQ(bio.get(), nullptr, nullptr, nullptr));
  if (!req) {
    return internal::OpenSslError("CSR is not a PEM certificate request",
                                  StatusCode::kInvalidArgument);
  }
  if (X509_REQ_get_version(req.get()) != X509_REQ_VERSION_1) {
    return Status::InvalidArgument("crypto: CSR: version " +
                                   std::to_string(X509_REQ_get_version(req.get())) +
                                   " is not PKCS#10 v1");
  }
  Result<std::string> cn = internal::CommonNameOf(X509_REQ_get_subject_name(req.get()));
  if (!cn.ok()) return cn.status().WithContext("crypto: CSR");
  Status cn_ok = internal::ValidateCommonName(*cn);
  if (!cn_ok.ok()) return cn_ok.WithContext("crypto: CSR");
  EVP_PKEY* key = X509_REQ_get0_pubkey(req.get());
  if (key == nullptr) {
    return internal::OpenSslError("CSR: public key does not parse", StatusCode::kInvalidArgument);
  }
  Status key_ok = internal::CheckKeyPolicy(key);
  if (!key_ok.ok()) return key_ok.WithContext("crypto: CSR");
  KEEL_RETURN_IF_ERROR(CheckSignatureDigest(req.get()));
  if (X509_REQ_verify(req.get(), key) != 1) {
    return internal::OpenSslError("CSR for \"" + *cn +
                                      "\": self-signature does not verify (no proof of "
                                      "possession of the private key)",
                                  StatusCode::kInvalidArgument);
  }
  if (EVP_PKEY_up_ref(key) != 1) return internal::OpenSslError("reference CSR public key");
  return VerifiedCsr{CsrInfo{std::move(cn).value()}, EvpPkeyPtr(key)};
}

}  // namespace internal

}  // namespace keel::crypto
