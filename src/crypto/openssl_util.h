// Internal helpers shared by the crypto component's .cpp files (and its
// tests): owning smart pointers for OpenSSL objects, turning the OpenSSL error
// queue into a Status, and memory-BIO conversions. Not part of the public API.
#pragma once

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"

namespace keel::crypto::internal {

template <auto kFree>
struct OpenSslDeleter {
  template <typename T>
  void operator()(T* p) const {
    kFree(p);
  }
};

using BioPtr = std::unique_ptr<BIO, OpenSslDeleter<BIO_free_all>>;
using BignumPtr = std::unique_ptr<BIGNUM, OpenSslDeleter<BN_free>>;
using Asn1IntegerPtr = std::unique_ptr<ASN1_INTEGER, OpenSslDeleter<ASN1_INTEGER_free>>;
using Asn1TimePtr = std::unique_ptr<ASN1_TIME, OpenSslDeleter<ASN1_TIME_free>>;
using EvpPkeyPtr = std::unique_ptr<EVP_PKEY, OpenSslDeleter<EVP_PKEY_free>>;
using X509Ptr = std::unique_ptr<X509, OpenSslDeleter<X509_free>>;
using X509ReqPtr = std::unique_ptr<X509_REQ, OpenSslDeleter<X509_REQ_free>>;
using X509CrlPtr = std::unique_ptr<X509_CRL, OpenSslDeleter<X509_CRL_free>>;
using X509NamePtr = std::unique_ptr<X509_NAME, OpenSslDeleter<X509_NAME_free>>;
using X509ExtensionPtr = std::unique_ptr<X509_EXTENSION, OpenSslDeleter<X509_EXTENSION_free>>;
using X509RevokedPtr = std::unique_ptr<X509_REVOKED, OpenSslDeleter<X509_REVOKED_free>>;
using GeneralNamesPtr = std::unique_ptr<GENERAL_NAMES, OpenSslDeleter<GENERAL_NAMES_free>>;
using GeneralNamePtr = std::unique_ptr<GENERAL_NAME, OpenSslDeleter<GENERAL_NAME_free>>;

// Drains the calling thread's OpenSSL error queue into one string
// ("error:...; error:..."), or "no OpenSSL error detail" when it is empty.
std::string DrainOpenSslErrors();

// A Status with `code` whose message is "crypto: <what>: <OpenSSL errors>".
// Drains the error queue.
Status OpenSslError(std::string_view what, StatusCode code = StatusCode::kInternal);

// A read-only memory BIO over `data` (which must outlive it). Null if `data`
// is larger than INT_MAX or allocation fails.
BioPtr ReadOnlyBio(std::string_view data);

// A fresh writable memory BIO; null on allocation failure.
BioPtr WritableBio();

// Everything written to a memory BIO so far.
std::string BioContents(BIO* bio);

// Sets `time` to `unix_ms` (rounded down to whole seconds), as UTCTime before
// 2050 and GeneralizedTime from then on (RFC 5280).
Status SetAsn1Time(ASN1_TIME* time, int64_t unix_ms, std::string_view what);

// Converts an ASN1_TIME to ms since the Unix epoch.
Result<int64_t> Asn1TimeToMs(const ASN1_TIME* time);

// CommonNameOf, ValidateCommonName and CheckKeyPolicy return messages
// without a "crypto:" prefix; callers add their own context.

// The first commonName of `name` as UTF-8; InvalidArgument if there is none,
// more than one, or it holds an embedded NUL.
Result<std::string> CommonNameOf(const X509_NAME* name);

// A name holding only CN=<common_name>.
Result<X509NamePtr> NameWithCommonName(std::string_view common_name);

// Keel's rule for commonName values (device ids, host names, CA names):
// 1 to 64 bytes, no control characters, and none of '/', '+', '#' (CNs
// become MQTT usernames substituted into topic ACLs).
Status ValidateCommonName(std::string_view common_name);

// Keys Keel accepts in certificates: EC on P-256 or P-384, RSA of 2048 to
// 4096 bits. InvalidArgument otherwise.
Status CheckKeyPolicy(EVP_PKEY* key);

// Lower-case hex of a positive integer without leading zeros ("0" for 0).
Result<std::string> IntegerToHex(const ASN1_INTEGER* serial);

}  // namespace keel::crypto::internal
