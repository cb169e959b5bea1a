#include "crypto/openssl_util.h"

#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/objects.h>

#include <algorithm>
#include <cctype>
#include <climits>
#include <cstring>
#include <ctime>

namespace keel::crypto::internal {

std::string DrainOpenSslErrors() {
  std::string out;
  while (const unsigned long err = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(err, buf, sizeof buf);
    if (!out.empty()) out += "; ";
    out += buf;
  }
  return out.empty() ? "no OpenSSL error detail" : out;
}

Status OpenSslError(std::string_view what, StatusCode code) {
  return Status(code, "crypto: " + std::string(what) + ": " + DrainOpenSslErrors());
}

BioPtr ReadOnlyBio(std::string_view data) {
  if (data.size() > static_cast<size_t>(INT_MAX)) return nullptr;
  return BioPtr(BIO_new_mem_buf(data.data(), static_cast<int>(data.size())));
}

BioPtr WritableBio() { return BioPtr(BIO_new(BIO_s_mem())); }

std::string BioContents(BIO* bio) {
  std::string out(BIO_ctrl_pending(bio), '\0');
  if (out.empty()) return out;
  const int n = BIO_read(bio, out.data(), static_cast<int>(out.size()));
  out.resize(n > 0 ? static_cast<size_t>(n) : 0);
  return out;
}

Status SetAsn1Time(ASN1_TIME* time, int64_t unix_ms, std::string_view what) {
  const int64_t seconds = unix_ms >= 0 ? unix_ms / 1000 : -((-unix_ms + 999) / 1000);
  if (ASN1_TIME_set(time, static_cast<time_t>(seconds)) == nullptr) {
    return OpenSslError("set " + std::string(what) + " to " + std::to_string(unix_ms) + " ms",
                        StatusCode::kInvalidArgument);
  }
  return Status::Ok();
}

Result<int64_t> Asn1TimeToMs(const ASN1_TIME* time) {
  std::tm tm{};
  if (time == nullptr || ASN1_TIME_to_tm(time, &tm) != 1) {
    return OpenSslError("decode ASN.1 time", StatusCode::kInvalidArgument);
  }
  return static_cast<int64_t>(timegm(&tm)) * 1000;
}

Result<std::string> CommonNameOf(const X509_NAME* name) {
  const int index = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
  if (index < 0) return Status::InvalidArgument("subject has no commonName");
  if (X509_NAME_get_index_by_NID(name, NID_commonName, index) >= 0) {
    return Status::InvalidArgument("subject has more than one commonName");
  }
  const ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, index));
  unsigned char* utf8 = nullptr;
  const int len = ASN1_STRING_to_UTF8(&utf8, data);
  if (len < 0) return OpenSslError("decode commonName", StatusCode::kInvalidArgument);
  std::string cn(reinterpret_cast<const char*>(utf8), static_cast<size_t>(len));
  OPENSSL_free(utf8);
  if (cn.find('\0') != std::string::npos) {
    return Status::InvalidArgument("commonName contains a NUL byte");
  }
  return cn;
}

Result<X509NamePtr> NameWithCommonName(std::string_view common_name) {
  Status valid = ValidateCommonName(common_name);
  if (!valid.ok()) return valid.WithContext("crypto");
  X509NamePtr name(X509_NAME_new());
  if (!name ||
      X509_NAME_add_entry_by_NID(name.get(), NID_commonName, MBSTRING_UTF8,
                                 reinterpret_cast<const unsigned char*>(common_name.data()),
                                 static_cast<int>(common_name.size()), -1, 0) != 1) {
    return OpenSslError("build subject CN=" + std::string(common_name),
                        StatusCode::kInvalidArgument);
  }
  return name;
}

Status ValidateCommonName(std::string_view common_name) {
  if (common_name.empty() || common_name.size() > 64) {
    return Status::InvalidArgument("commonName must be 1 to 64 bytes, got " +
                                   std::to_string(common_name.size()));
  }
  for (const char c : common_name) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f || c == '/' || c == '+' || c == '#') {
      return Status::InvalidArgument(
          "commonName contains a forbidden character (control, '/', '+' or '#')");
    }
  }
  return Status::Ok();
}

Status CheckKeyPolicy(EVP_PKEY* key) {
  if (key == nullptr) return Status::InvalidArgument("no public key");
  switch (EVP_PKEY_get_base_id(key)) {
    case EVP_PKEY_EC: {
      char group[64] = {};
      size_t len = 0;
      if (EVP_PKEY_get_group_name(key, group, sizeof group, &len) != 1) {
        return OpenSslError("read EC key curve", StatusCode::kInvalidArgument);
      }
      int nid = OBJ_sn2nid(group);
      if (nid == NID_undef) nid = EC_curve_nist2nid(group);
      if (nid != NID_X9_62_prime256v1 && nid != NID_secp384r1) {
        return Status::InvalidArgument("EC curve " + std::string(group) +
                                       " is not accepted (P-256 or P-384)");
      }
      return Status::Ok();
    }
    case EVP_PKEY_RSA: {
      const int bits = EVP_PKEY_get_bits(key);
      if (bits < 2048 || bits > 4096) {
        return Status::InvalidArgument("RSA key of " + std::to_string(bits) +
                                       " bits is not accepted (2048 to 4096)");
      }
      return Status::Ok();
    }
    default: {
      const char* type = EVP_PKEY_get0_type_name(key);
      return Status::InvalidArgument(std::string("key type ") +
                                     (type != nullptr ? type : "unknown") +
                                     " is not accepted (EC P-256/P-384 or RSA)");
    }
  }
}

Result<std::string> IntegerToHex(const ASN1_INTEGER* serial) {
  BignumPtr bn(ASN1_INTEGER_to_BN(serial, nullptr));
  if (!bn) return OpenSslError("decode serial number");
  char* hex = BN_bn2hex(bn.get());
  if (hex == nullptr) return OpenSslError("encode serial number as hex");
  std::string out(hex);
  OPENSSL_free(hex);
  const size_t sign = (!out.empty() && out[0] == '-') ? 1 : 0;
  const size_t first = out.find_first_not_of('0', sign);
  out.erase(sign, first == std::string::npos ? out.size() - sign - 1 : first - sign);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

}  // namespace keel::crypto::internal
