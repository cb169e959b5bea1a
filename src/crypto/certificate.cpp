#include "crypto/certificate.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <spdlog/spdlog.h>

#include <utility>

#include "common/files.h"
#include "crypto/openssl_util.h"

namespace keel::crypto {
namespace {

constexpr size_t kMaxCertPemBytes = 64 * 1024;

}  // namespace

Result<Certificate> Certificate::FromPem(std::string_view pem) {
  if (pem.size() > kMaxCertPemBytes) {
    return Status::InvalidArgument("crypto: certificate PEM is " + std::to_string(pem.size()) +
                                   " bytes; limit is " + std::to_string(kMaxCertPemBytes));
  }
  internal::BioPtr bio = internal::ReadOnlyBio(pem);
  if (!bio) return internal::OpenSslError("allocate BIO for certificate");
  X509* cert = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr);
  if (cert == nullptr) {
    return internal::OpenSslError("parse PEM certificate", StatusCode::kInvalidArgument);
  }
  return Certificate(cert);
}

Result<Certificate> Certificate::LoadFile(const std::filesystem::path& path) {
  KEEL_ASSIGN_OR_RETURN(std::string pem, ReadFile(path));
  Result<Certificate> cert = FromPem(pem);
  if (!cert.ok()) return cert.status().WithContext(path.string());
  return cert;
}

Certificate::Certificate(const Certificate& other) : cert_(other.cert_) {
  if (cert_ != nullptr) X509_up_ref(cert_);
}

Certificate& Certificate::operator=(const Certificate& other) {
  if (this != &other) {
    if (other.cert_ != nullptr) X509_up_ref(other.cert_);
    X509_free(cert_);
    cert_ = other.cert_;
  }
  return *this;
}

Certificate::Certificate(Certificate&& other) noexcept
    : cert_(std::exchange(other.cert_, nullptr)) {}

Certificate& Certificate::operator=(Certificate&& other) noexcept {
  if (this != &other) {
    X509_free(cert_);
    cert_ = std::exchange(other.cert_, nullptr);
  }
  return *this;
}

Certificate::~Certificate() { X509_free(cert_); }

std::string Certificate::ToPem() const {
  if (cert_ == nullptr) return {};
  internal::BioPtr bio = internal::WritableBio();
  if (!bio || PEM_write_bio_X509(bio.get(), cert_) != 1) {
    spdlog::error("{}", internal::OpenSslError("encode certificate as PEM").message());
    return {};
  }
  return internal::BioContents(bio.get());
}

std::string Certificate::SubjectCommonName() const {
  if (cert_ == nullptr) return {};
  Result<std::string> cn = internal::CommonNameOf(X509_get_subject_name(cert_));
  return cn.ok() ? std::move(cn).value() : std::string();
}

int64_t Certificate::NotBeforeMs() const {
  if (cert_ == nullptr) return 0;
  Result<int64_t> ms = internal::Asn1TimeToMs(X509_get0_notBefore(cert_));
  return ms.ok() ? *ms : 0;
}

int64_t Certificate::NotAfterMs() const {
  if (cert_ == nullptr) return 0;
  Result<int64_t> ms = internal::Asn1TimeToMs(X509_get0_notAfter(cert_));
  return ms.ok() ? *ms : 0;
}

std::string Certificate::SerialHex() const {
  if (cert_ == nullptr) return {};
  Result<std::string> hex = internal::IntegerToHex(X509_get0_serialNumber(cert_));
  return hex.ok() ? std::move(hex).value() : std::string();
}

Status Certificate::VerifyIssuedBy(const Certificate& ca) const {
  if (cert_ == nullptr || ca.cert_ == nullptr) {
    return Status::FailedPrecondition("crypto: VerifyIssuedBy on an empty certificate");
  }
  const int issued = X509_check_issued(ca.cert_, cert_);
  if (issued != X509_V_OK) {
    ERR_clear_error();
    return Status::Unauthenticated("crypto: certificate \"" + SubjectCommonName() +
                                   "\" was not issued by \"" + ca.SubjectCommonName() +
                                   "\": " + X509_verify_cert_error_string(issued));
  }
  EVP_PKEY* ca_key = X509_get0_pubkey(ca.cert_);
  if (ca_key == nullptr) return internal::OpenSslError("read CA public key");
  if (X509_verify(cert_, ca_key) != 1) {
    return internal::OpenSslError("certificate \"" + SubjectCommonName() +
                                      "\": signature does not verify with the key of \"" +
                                      ca.SubjectCommonName() + "\"",
                                  StatusCode::kUnauthenticated);
  }
  return Status::Ok();
}

bool Certificate::MatchesKey(const PrivateKey& key) const {
  if (cert_ == nullptr || key.get() == nullptr) return false;
  const EVP_PKEY* public_key = X509_get0_pubkey(cert_);
  const bool match = public_key != nullptr && EVP_PKEY_eq(public_key, key.get()) == 1;
  ERR_clear_error();
  return match;
}

}  // namespace keel::crypto
