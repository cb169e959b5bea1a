#include "crypto/certificate_authority.h"

#include <openssl/evp.h>
#include <openssl/x509v3.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <system_error>

#include "common/files.h"
#include "crypto/csr_internal.h"
#include "crypto/openssl_util.h"
#include "crypto/x509_builder.h"

namespace keel::crypto {
namespace {

namespace fs = std::filesystem;

constexpr int64_t kMsPerSecond = 1000;

Result<bool> Exists(const fs::path& path) {
  std::error_code ec;
  const bool exists = fs::exists(path, ec);
  if (ec) return Status::IoError("crypto: stat " + path.string() + ": " + ec.message());
  return exists;
}

Result<Certificate> CreateSelfSigned(const PrivateKey& key, std::string_view common_name,
                                     int64_t now_ms) {
  const int64_t not_before =
      now_ms - std::chrono::duration_cast<std::chrono::milliseconds>(kClockSkewAllowance).count();
  const int64_t not_after =
      now_ms + std::chrono::duration_cast<std::chrono::milliseconds>(kCaLifetime).count();
  KEEL_ASSIGN_OR_RETURN(
      internal::X509Ptr cert,
      internal::NewCertificate({common_name, key.get(), not_before, not_after}, nullptr));
  KEEL_RETURN_IF_ERROR(
      internal::AddExtension(cert.get(), nullptr, NID_basic_constraints, "critical,CA:TRUE"));
  KEEL_RETURN_IF_ERROR(
      internal::AddExtension(cert.get(), nullptr, NID_key_usage, "critical,keyCertSign,cRLSign"));
  KEEL_RETURN_IF_ERROR(
      internal::AddExtension(cert.get(), nullptr, NID_subject_key_identifier, "hash"));
  KEEL_RETURN_IF_ERROR(internal::SignCertificate(cert.get(), key.get()));
  return Certificate(cert.release());
}

}  // namespace

Result<CertificateAuthority> CertificateAuthority::LoadOrCreate(const fs::path& dir,
                                                                std::string_view ca_common_name,
                                                                const Clock& clock) {
  const fs::path key_path = dir / "ca.key";
  const fs::path cert_path = dir / "ca.crt";
  KEEL_ASSIGN_OR_RETURN(const bool have_key, Exists(key_path));
  KEEL_ASSIGN_OR_RETURN(const bool have_cert, Exists(cert_path));
  if (have_cert && !have_key) {
    return Status::FailedPrecondition("crypto: CA: " + cert_path.string() + " exists but " +
                                      key_path.string() + " is missing");
  }

  Result<PrivateKey> key = have_key ? PrivateKey::LoadFile(key_path) : PrivateKey::Generate();
  if (!key.ok()) return key.status().WithContext("crypto: CA key");
  Status policy = internal::CheckKeyPolicy(key->get());
  if (!policy.ok()) return policy.WithContext("crypto: CA key " + key_path.string());
  if (!have_key) {
    KEEL_RETURN_IF_ERROR(EnsureDirectory(dir, fs::perms::owner_all));
    KEEL_RETURN_IF_ERROR(key->SaveFile(key_path));
    spdlog::info("crypto: created CA key {}", key_path.string());
  }

  Result<Certificate> cert = Status::Internal("unset");
  if (have_cert) {
    cert = Certificate::LoadFile(cert_path);
    if (!cert.ok()) return cert.status().WithContext("crypto: CA certificate");
  } else {
    if (have_key) {
      spdlog::warn("crypto: {} has no certificate; creating a self-signed one for it",
                   key_path.string());
    }
    cert = CreateSelfSigned(*key, ca_common_name, clock.NowMs());
    if (!cert.ok()) return cert.status().WithContext("crypto: CA certificate");
    KEEL_RETURN_IF_ERROR(WriteFileAtomic(cert_path, cert->ToPem()));
    spdlog::info("crypto: created CA certificate {} (CN={}, serial {})", cert_path.string(),
                 cert->SubjectCommonName(), cert->SerialHex());
  }

  if (!cert->MatchesKey(*key)) {
    return Status::FailedPrecondition("crypto: CA: " + key_path.string() +
                                      " does not match the public key in " + cert_path.string());
  }
  if (X509_check_ca(cert->get()) == 0) {
    return Status::FailedPrecondition("crypto: CA: " + cert_path.string() +
                                      " is not a CA certificate (basicConstraints CA:TRUE)");
  }
  return CertificateAuthority(std::move(key).value(), std::move(cert).value(), clock);
}

Result<Certificate> CertificateAuthority::IssueFromCsr(std::string_view csr_pem,
                                                       std::string_view expected_common_name,
                                                       std::chrono::seconds lifetime,
                                                       CertUsage usage) const {
  KEEL_ASSIGN_OR_RETURN(internal::VerifiedCsr csr, internal::VerifyCsrWithKey(csr_pem));
  if (csr.info.common_name != expected_common_name) {
    return Status::PermissionDenied("crypto: CSR is for CN \"" + csr.info.common_name +
                                    "\", expected \"" + std::string(expected_common_name) + "\"");
  }
  return Issue(csr.public_key.get(), expected_common_name, {}, lifetime, usage);
}

Result<Certificate> CertificateAuthority::IssueForKey(
    const PrivateKey& key, std::string_view common_name,
    const std::vector<std::string>& subject_alt_names, std::chrono::seconds lifetime,
    CertUsage usage) const {
  Status policy = internal::CheckKeyPolicy(key.get());
  if (!policy.ok()) return policy.WithContext("crypto: issue for " + std::string(common_name));
  return Issue(key.get(), common_name, subject_alt_names, lifetime, usage);
}

Result<Certificate> CertificateAuthority::Issue(EVP_PKEY* subject_key, std::string_view common_name,
                                                const std::vector<std::string>& subject_alt_names,
                                                std::chrono::seconds lifetime,
                                                CertUsage usage) const {
  if (lifetime <= std::chrono::seconds(0) || lifetime > kMaxLifetime) {
    return Status::InvalidArgument("crypto: certificate lifetime " +
                                   std::to_string(lifetime.count()) + " s is not in (0, " +
                                   std::to_string(kMaxLifetime.count()) + "] s");
  }
  const int64_t now_ms = clock_->NowMs();
  // Short-lived certificates are backdated less, so that "2/3 of the
  // lifetime" stays close to 2/3 of the time the certificate is usable.
  const int64_t backdate_s = std::min<int64_t>(kClockSkewAllowance.count(), lifetime.count() / 10);
  const int64_t not_before = now_ms - backdate_s * kMsPerSecond;
  const int64_t not_after = now_ms + lifetime.count() * kMsPerSecond;
  if (not_after > cert_.NotAfterMs()) {
    return Status::FailedPrecondition("crypto: certificate for \"" + std::string(common_name) +
                                      "\" would expire after the CA certificate (" +
                                      std::to_string(cert_.NotAfterMs()) + " ms)");
  }
  KEEL_ASSIGN_OR_RETURN(
      internal::X509Ptr cert,
      internal::NewCertificate({common_name, subject_key, not_before, not_after}, cert_.get()));
  X509* ca = cert_.get();
  const bool rsa = EVP_PKEY_get_base_id(subject_key) == EVP_PKEY_RSA;
  const bool server = usage == CertUsage::kServer;
  KEEL_RETURN_IF_ERROR(
      internal::AddExtension(cert.get(), ca, NID_basic_constraints, "critical,CA:FALSE"));
  KEEL_RETURN_IF_ERROR(internal::AddExtension(
      cert.get(), ca, NID_key_usage,
      server && rsa ? "critical,digitalSignature,keyEncipherment" : "critical,digitalSignature"));
  KEEL_RETURN_IF_ERROR(internal::AddExtension(cert.get(), ca, NID_ext_key_usage,
                                              server ? "serverAuth" : "clientAuth"));
  KEEL_RETURN_IF_ERROR(internal::AddExtension(cert.get(), ca, NID_subject_key_identifier, "hash"));
  KEEL_RETURN_IF_ERROR(
      internal::AddExtension(cert.get(), ca, NID_authority_key_identifier, "keyid:always"));
  KEEL_RETURN_IF_ERROR(internal::AddSubjectAltNames(cert.get(), subject_alt_names));
  KEEL_RETURN_IF_ERROR(internal::SignCertificate(cert.get(), key_.get()));
  return Certificate(cert.release());
}

}  // namespace keel::crypto
