#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cctype>

#include "crypto/certificate_authority.h"
#include "crypto/openssl_util.h"

namespace keel::crypto {
namespace {

Result<internal::Asn1IntegerPtr> ParseSerialHex(const std::string& hex) {
  if (hex.empty() || hex.size() > 40) {
    return Status::InvalidArgument("crypto: CRL: serial \"" + hex +
                                   "\" must be 1 to 40 hex digits");
  }
  for (const char c : hex) {
    if (std::isxdigit(static_cast<unsigned char>(c)) == 0) {
      return Status::InvalidArgument("crypto: CRL: serial \"" + hex + "\" is not hex");
    }
  }
  BIGNUM* raw = nullptr;
  if (BN_hex2bn(&raw, hex.c_str()) == 0) return internal::OpenSslError("CRL: decode serial " + hex);
  internal::BignumPtr bn(raw);
  internal::Asn1IntegerPtr serial(BN_to_ASN1_INTEGER(bn.get(), nullptr));
  if (!serial) return internal::OpenSslError("CRL: encode serial " + hex);
  return serial;
}

Status AddRevoked(X509_CRL* crl, const RevokedCertificate& entry) {
  if (entry.revoked_at_ms < 0) {
    return Status::InvalidArgument("crypto: CRL: serial " + entry.serial_hex +
                                   ": negative revocation time " +
                                   std::to_string(entry.revoked_at_ms));
  }
  KEEL_ASSIGN_OR_RETURN(internal::Asn1IntegerPtr serial, ParseSerialHex(entry.serial_hex));
  internal::Asn1TimePtr when(ASN1_TIME_new());
  if (!when) return internal::OpenSslError("CRL: allocate time");
  KEEL_RETURN_IF_ERROR(internal::SetAsn1Time(when.get(), entry.revoked_at_ms, "revocation date"));
  internal::X509RevokedPtr revoked(X509_REVOKED_new());
  if (!revoked || X509_REVOKED_set_serialNumber(revoked.get(), serial.get()) != 1 ||
      X509_REVOKED_set_revocationDate(revoked.get(), when.get()) != 1 ||
      X509_CRL_add0_revoked(crl, revoked.get()) != 1) {
    return internal::OpenSslError("CRL: add serial " + entry.serial_hex);
  }
  static_cast<void>(revoked.release());
  return Status::Ok();
}

}  // namespace

Result<std::string> CertificateAuthority::CreateCrlPem(
    const std::vector<RevokedCertificate>& revoked, std::chrono::seconds next_update) const {
  if (next_update <= std::chrono::seconds(0)) {
    return Status::InvalidArgument("crypto: CRL: next_update must be positive, got " +
                                   std::to_string(next_update.count()) + " s");
  }
  const int64_t now_ms = clock_->NowMs();
  internal::X509CrlPtr crl(X509_CRL_new());
  internal::Asn1TimePtr this_update(ASN1_TIME_new());
  internal::Asn1TimePtr next(ASN1_TIME_new());
  internal::Asn1IntegerPtr number(ASN1_INTEGER_new());
  if (!crl || !this_update || !next || !number ||
      X509_CRL_set_version(crl.get(), X509_CRL_VERSION_2) != 1 ||
      X509_CRL_set_issuer_name(crl.get(), X509_get_subject_name(cert_.get())) != 1 ||
      ASN1_INTEGER_set_int64(number.get(), now_ms) != 1) {
    return internal::OpenSslError("CRL: build");
  }
  KEEL_RETURN_IF_ERROR(internal::SetAsn1Time(this_update.get(), now_ms, "CRL thisUpdate"));
  KEEL_RETURN_IF_ERROR(
      internal::SetAsn1Time(next.get(), now_ms + next_update.count() * 1000, "CRL nextUpdate"));
  if (X509_CRL_set1_lastUpdate(crl.get(), this_update.get()) != 1 ||
      X509_CRL_set1_nextUpdate(crl.get(), next.get()) != 1) {
    return internal::OpenSslError("CRL: set update times");
  }
  for (const RevokedCertificate& entry : revoked) {
    KEEL_RETURN_IF_ERROR(AddRevoked(crl.get(), entry));
  }
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, cert_.get(), nullptr, nullptr, crl.get(), 0);
  internal::X509ExtensionPtr aki(
      X509V3_EXT_nconf_nid(nullptr, &ctx, NID_authority_key_identifier, "keyid:always"));
  if (!aki || X509_CRL_add_ext(crl.get(), aki.get(), -1) != 1 ||
      X509_CRL_add1_ext_i2d(crl.get(), NID_crl_number, number.get(), 0, X509V3_ADD_DEFAULT) != 1) {
    return internal::OpenSslError("CRL: add extensions");
  }
  if (X509_CRL_sort(crl.get()) != 1 || X509_CRL_sign(crl.get(), key_.get(), EVP_sha256()) <= 0) {
    return internal::OpenSslError("CRL: sign");
  }
  internal::BioPtr bio = internal::WritableBio();
  if (!bio || PEM_write_bio_X509_CRL(bio.get(), crl.get()) != 1) {
    return internal::OpenSslError("CRL: encode as PEM");
  }
  return internal::BioContents(bio.get());
}

}  // namespace keel::crypto
