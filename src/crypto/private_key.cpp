#include "crypto/private_key.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <utility>

#include "common/files.h"
#include "crypto/openssl_util.h"

namespace keel::crypto {
namespace {

constexpr size_t kMaxKeyPemBytes = 64 * 1024;

int RefusePassphrase(char* /*buf*/, int /*size*/, int /*rwflag*/, void* /*userdata*/) { return 0; }

Result<std::string> EncodePem(EVP_PKEY* key) {
  if (key == nullptr)
    return Status::FailedPrecondition("crypto: private key is empty (moved-from)");
  internal::BioPtr bio = internal::WritableBio();
  if (!bio ||
      PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return internal::OpenSslError("encode private key as PKCS#8 PEM");
  }
  return internal::BioContents(bio.get());
}

}  // namespace

Result<PrivateKey> PrivateKey::Generate() {
  EVP_PKEY* key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  if (key == nullptr) return internal::OpenSslError("generate ECDSA P-256 key");
  return PrivateKey(key);
}

Result<PrivateKey> PrivateKey::FromPem(std::string_view pem) {
  if (pem.size() > kMaxKeyPemBytes) {
    return Status::InvalidArgument("crypto: private key PEM is " + std::to_string(pem.size()) +
                                   " bytes; limit is " + std::to_string(kMaxKeyPemBytes));
  }
  internal::BioPtr bio = internal::ReadOnlyBio(pem);
  if (!bio) return internal::OpenSslError("allocate BIO for private key");
  EVP_PKEY* key = PEM_read_bio_PrivateKey(bio.get(), nullptr, RefusePassphrase, nullptr);
  if (key == nullptr) {
    return internal::OpenSslError("parse PEM private key", StatusCode::kInvalidArgument);
  }
  return PrivateKey(key);
}

Result<PrivateKey> PrivateKey::LoadFile(const std::filesystem::path& path) {
  KEEL_ASSIGN_OR_RETURN(std::string pem, ReadFile(path));
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && (st.st_mode & 077) != 0) {
    spdlog::warn("crypto: private key {} is accessible by group or others (mode {:o})",
                 path.string(), st.st_mode & 0777);
  }
  Result<PrivateKey> key = FromPem(pem);
  if (!key.ok()) return key.status().WithContext(path.string());
  return key;
}

PrivateKey::PrivateKey(PrivateKey&& other) noexcept : key_(std::exchange(other.key_, nullptr)) {}

PrivateKey& PrivateKey::operator=(PrivateKey&& other) noexcept {
  if (this != &other) {
    EVP_PKEY_free(key_);
    key_ = std::exchange(other.key_, nullptr);
  }
  return *this;
}

PrivateKey::~PrivateKey() { EVP_PKEY_free(key_); }

std::string PrivateKey::ToPem() const {
  Result<std::string> pem = EncodePem(key_);
  if (!pem.ok()) {
    spdlog::error("{}", pem.status().message());
    return {};
  }
  return std::move(pem).value();
}

Status PrivateKey::SaveFile(const std::filesystem::path& path) const {
  KEEL_ASSIGN_OR_RETURN(std::string pem, EncodePem(key_));
  return WriteFileAtomic(path, pem,
                         std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
}

}  // namespace keel::crypto
