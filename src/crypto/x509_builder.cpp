#include "crypto/x509_builder.h"

#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include <cctype>

namespace keel::crypto::internal {
namespace {

bool IsDnsName(std::string_view name) {
  if (name.empty() || name.size() > 253 || name.front() == '.' || name.back() == '.') return false;
  for (const char c : name) {
    if (std::isalnum(static_cast<unsigned char>(c)) == 0 && c != '-' && c != '.') return false;
  }
  return true;
}

Result<GeneralNamePtr> ParseGeneralName(const std::string& entry) {
  GeneralNamePtr name(GENERAL_NAME_new());
  if (!name) return OpenSslError("allocate subjectAltName entry");
  if (entry.rfind("DNS:", 0) == 0) {
    const std::string_view host = std::string_view(entry).substr(4);
    if (!IsDnsName(host)) {
      return Status::InvalidArgument("crypto: subjectAltName \"" + entry +
                                     "\": not a host name (letters, digits, '-', '.')");
    }
    ASN1_IA5STRING* ia5 = ASN1_IA5STRING_new();
    if (ia5 == nullptr || ASN1_STRING_set(ia5, host.data(), static_cast<int>(host.size())) != 1) {
      ASN1_IA5STRING_free(ia5);
      return OpenSslError("encode subjectAltName " + entry);
    }
    GENERAL_NAME_set0_value(name.get(), GEN_DNS, ia5);
    return name;
  }
  if (entry.rfind("IP:", 0) == 0) {
    ASN1_OCTET_STRING* ip = a2i_IPADDRESS(entry.c_str() + 3);
    if (ip == nullptr) {
      return OpenSslError("subjectAltName \"" + entry + "\": not an IP address",
                          StatusCode::kInvalidArgument);
    }
    GENERAL_NAME_set0_value(name.get(), GEN_IPADD, ip);
    return name;
  }
  return Status::InvalidArgument("crypto: subjectAltName \"" + entry +
                                 "\": expected \"DNS:<host>\" or \"IP:<address>\"");
}

}  // namespace

Result<Asn1IntegerPtr> RandomSerial() {
  unsigned char bytes[16];
  if (RAND_bytes(bytes, sizeof bytes) != 1) return OpenSslError("draw random serial number");
  bytes[0] = static_cast<unsigned char>((bytes[0] & 0x7f) | 0x40);
  BignumPtr bn(BN_bin2bn(bytes, sizeof bytes, nullptr));
  Asn1IntegerPtr serial(bn ? BN_to_ASN1_INTEGER(bn.get(), nullptr) : nullptr);
  if (!serial) return OpenSslError("encode serial number");
  return serial;
}

Result<X509Ptr> NewCertificate(const CertificateFields& fields, X509* issuer) {
  KEEL_ASSIGN_OR_RETURN(X509NamePtr subject, NameWithCommonName(fields.common_name));
  KEEL_ASSIGN_OR_RETURN(Asn1IntegerPtr serial, RandomSerial());
  X509Ptr cert(X509_new());
  if (!cert || X509_set_version(cert.get(), X509_VERSION_3) != 1 ||
      X509_set_serialNumber(cert.get(), serial.get()) != 1 ||
      X509_set_subject_name(cert.get(), subject.get()) != 1 ||
      X509_set_issuer_name(
          cert.get(), issuer != nullptr ? X509_get_subject_name(issuer) : subject.get()) != 1 ||
      X509_set_pubkey(cert.get(), fields.public_key) != 1) {
    return OpenSslError("build certificate for " + std::string(fields.common_name));
  }
  KEEL_RETURN_IF_ERROR(
      SetAsn1Time(X509_getm_notBefore(cert.get()), fields.not_before_ms, "certificate notBefore"));
  KEEL_RETURN_IF_ERROR(
      SetAsn1Time(X509_getm_notAfter(cert.get()), fields.not_after_ms, "certificate notAfter"));
  return cert;
}

Status AddExtension(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer != nullptr ? issuer : cert, cert, nullptr, nullptr, 0);
  X509ExtensionPtr ext(X509V3_EXT_nconf_nid(nullptr, &ctx, nid, value));
  if (!ext || X509_add_ext(cert, ext.get(), -1) != 1) {
    return OpenSslError(std::string("add extension ") + OBJ_nid2sn(nid) + "=" + value);
  }
  return Status::Ok();
}

Status AddSubjectAltNames(X509* cert, const std::vector<std::string>& names) {
  if (names.empty()) return Status::Ok();
  GeneralNamesPtr list(sk_GENERAL_NAME_new_null());
  if (!list) return OpenSslError("allocate subjectAltName");
  for (const std::string& entry : names) {
    KEEL_ASSIGN_OR_RETURN(GeneralNamePtr name, ParseGeneralName(entry));
    GENERAL_NAME* raw = name.release();
    if (sk_GENERAL_NAME_push(list.get(), raw) <= 0) {
      GENERAL_NAME_free(raw);
      return OpenSslError("add subjectAltName " + entry);
    }
  }
  if (X509_add1_ext_i2d(cert, NID_subject_alt_name, list.get(), 0, X509V3_ADD_DEFAULT) != 1) {
    return OpenSslError("add subjectAltName extension");
  }
  return Status::Ok();
}

Status SignCertificate(X509* cert, EVP_PKEY* key) {
  if (X509_sign(cert, key, EVP_sha256()) <= 0) return OpenSslError("sign certificate");
  return Status::Ok();
}

}  // namespace keel::crypto::internal
