#include "crypto/private_key.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sys/stat.h>

#include "common/files.h"
#include "crypto/openssl_util.h"
#include "test_util/temp_dir.h"
#include "unit/crypto/crypto_test_util.h"

namespace keel::crypto {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;
using testutil::Must;

mode_t FileMode(const std::filesystem::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return 0;
  return st.st_mode & 0777;
}

TEST(PrivateKeyTest, GeneratesP256) {
  PrivateKey key = Must(PrivateKey::Generate());
  ASSERT_NE(key.get(), nullptr);
  EXPECT_EQ(EVP_PKEY_get_base_id(key.get()), EVP_PKEY_EC);
  EXPECT_EQ(EVP_PKEY_get_bits(key.get()), 256);
  PrivateKey other = Must(PrivateKey::Generate());
  EXPECT_NE(EVP_PKEY_eq(key.get(), other.get()), 1);
}

TEST(PrivateKeyTest, PemRoundTripIsPkcs8AndSameKey) {
  PrivateKey key = Must(PrivateKey::Generate());
  const std::string pem = key.ToPem();
  EXPECT_THAT(pem, StartsWith("-----BEGIN PRIVATE KEY-----\n"));
  PrivateKey parsed = Must(PrivateKey::FromPem(pem));
  EXPECT_EQ(EVP_PKEY_eq(key.get(), parsed.get()), 1);
  EXPECT_EQ(parsed.ToPem(), pem);
}

TEST(PrivateKeyTest, SaveFileIs0600AndLoadsBack) {
  TempDir dir;
  const auto path = dir.path() / "device.key";
  ASSERT_TRUE(WriteFileAtomic(path, "old", std::filesystem::perms(0644)).ok());
  PrivateKey key = Must(PrivateKey::Generate());
  ASSERT_TRUE(key.SaveFile(path).ok());
  EXPECT_EQ(FileMode(path), 0600u);
  PrivateKey loaded = Must(PrivateKey::LoadFile(path));
  EXPECT_EQ(EVP_PKEY_eq(key.get(), loaded.get()), 1);
}

TEST(PrivateKeyTest, LoadFileErrorsNameTheProblem) {
  TempDir dir;
  Result<PrivateKey> missing = PrivateKey::LoadFile(dir.path() / "nope.key");
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);

  const auto garbage = dir.path() / "garbage.key";
  ASSERT_TRUE(WriteFileAtomic(garbage, "not a key").ok());
  Result<PrivateKey> bad = PrivateKey::LoadFile(garbage);
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(bad.status().message(), HasSubstr("garbage.key"));
  EXPECT_THAT(bad.status().message(), HasSubstr("parse PEM private key"));
  EXPECT_THAT(bad.status().message(), HasSubstr("error:"));  // OpenSSL's own error string
}

TEST(PrivateKeyTest, FromPemRefusesGarbageTruncatedAndOversized) {
  const std::string pem = Must(PrivateKey::Generate()).ToPem();
  EXPECT_EQ(PrivateKey::FromPem("").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(PrivateKey::FromPem(pem.substr(0, pem.size() / 2)).status().code(),
            StatusCode::kInvalidArgument);
  Result<PrivateKey> big = PrivateKey::FromPem(std::string(65 * 1024, 'A'));
  EXPECT_EQ(big.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(big.status().message(), HasSubstr("limit"));
}

TEST(PrivateKeyTest, EncryptedKeyIsRefusedWithoutPrompting) {
  PrivateKey key = Must(PrivateKey::Generate());
  internal::BioPtr bio = internal::WritableBio();
  char passphrase[] = "hunter2";
  ASSERT_EQ(PEM_write_bio_PKCS8PrivateKey(bio.get(), key.get(), EVP_aes_256_cbc(), passphrase,
                                          sizeof passphrase - 1, nullptr, nullptr),
            1);
  const std::string encrypted = internal::BioContents(bio.get());
  ASSERT_THAT(encrypted, HasSubstr("ENCRYPTED PRIVATE KEY"));
  EXPECT_EQ(PrivateKey::FromPem(encrypted).status().code(), StatusCode::kInvalidArgument);
}

TEST(PrivateKeyTest, MovedFromKeyIsEmpty) {
  PrivateKey key = Must(PrivateKey::Generate());
  PrivateKey moved = std::move(key);
  EXPECT_NE(moved.get(), nullptr);
  EXPECT_EQ(key.get(), nullptr);  // NOLINT(bugprone-use-after-move)
  EXPECT_EQ(key.ToPem(), "");     // NOLINT(bugprone-use-after-move)
  TempDir dir;
  EXPECT_EQ(key.SaveFile(dir.path() / "k").code(),  // NOLINT(bugprone-use-after-move)
            StatusCode::kFailedPrecondition);
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "k"));
}

}  // namespace
}  // namespace keel::crypto
