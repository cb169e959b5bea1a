#include "tuf/key_ceremony.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "common/files.h"
#include "crypto/private_key.h"
#include "test_util/temp_dir.h"
#include "tuf/repository.h"
#include "tuf/signing.h"
#include "tuf/trusted_metadata.h"

namespace keel::tuf {
namespace {

using ::testing::HasSubstr;

class KeyCeremonyTest : public ::testing::Test {
 protected:
  std::filesystem::path offline() const { return dir_.path() / "offline"; }
  std::filesystem::path online() const { return dir_.path() / "hub-tuf"; }

  OnlineKeys LoadOnlineKeys() {
    auto load = [&](const char* name) {
      auto key = crypto::PrivateKey::LoadFile(online() / name);
      EXPECT_TRUE(key.ok()) << key.status().ToString();
      return std::move(key).value();
    };
    return {load("targets.pem"), load("snapshot.pem"), load("timestamp.pem")};
  }

  TempDir dir_;
  FakeClock clock_;
};

TEST_F(KeyCeremonyTest, InitGivesTheHubWhatItNeedsAndKeepsRootKeysOffline) {
  ASSERT_TRUE(InitKeys(offline(), online(), {.root_keys = 3, .threshold = 2}, clock_).ok());
  for (const char* key : {"root-key-1.pem", "root-key-2.pem", "root-key-3.pem"}) {
    struct stat st {};
    ASSERT_EQ(::stat((offline() / key).c_str(), &st), 0) << key;
    EXPECT_EQ(st.st_mode & 0777, 0600U) << key;
    EXPECT_FALSE(std::filesystem::exists(online() / key));
  }
  // The hub's repository opens with the online keys; a device pinning root.json verifies.
  auto repo = Repository::Open(online(), LoadOnlineKeys(), clock_);
  ASSERT_TRUE(repo.ok()) << repo.status().ToString();
  auto device = TrustedMetadata::Create(ReadFile(online() / "root.json").value(), clock_);
  ASSERT_TRUE(device.ok()) << device.status().ToString();
  EXPECT_EQ(device->root().roles.at(Role::kRoot).threshold, 2);
  ASSERT_TRUE(device->UpdateTimestamp((*repo)->Metadata(Role::kTimestamp).value()).ok());

  Status again = InitKeys(offline(), online(), {}, clock_);
  EXPECT_EQ(again.code(), StatusCode::kAlreadyExists);
  EXPECT_THAT(again.message(), HasSubstr("next-root"));
}

TEST_F(KeyCeremonyTest, OptionsOutOfRangeAreRefused) {
  EXPECT_EQ(InitKeys(offline(), online(), {.root_keys = 2, .threshold = 3}, clock_).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(InitKeys(offline(), online(), {.root_keys = 0}, clock_).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(InitKeys(offline(), online(), {.root_expiry_days = 0}, clock_).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(NextRoot(offline(), {}, false, clock_).status().code(), StatusCode::kNotFound);
}

TEST_F(KeyCeremonyTest, NextRootRenewsAndRotatesAndDevicesFollow) {
  ASSERT_TRUE(InitKeys(offline(), online(), {}, clock_).ok());
  auto repo = Repository::Open(online(), LoadOnlineKeys(), clock_);
  ASSERT_TRUE(repo.ok());
  auto device = TrustedMetadata::Create(ReadFile(online() / "root.json").value(), clock_);
  ASSERT_TRUE(device.ok());
  const std::string retired_pem = ReadFile(offline() / "root-key-1.pem").value();

  // Renewal: same keys, later expiry.
  clock_.AdvanceMs(200LL * 86'400'000);
  auto renewed = NextRoot(offline(), {}, false, clock_);
  ASSERT_TRUE(renewed.ok()) << renewed.status().ToString();
  ASSERT_TRUE((*repo)->InstallRoot(*renewed).ok());
  ASSERT_TRUE(device->UpdateRoot(*renewed).ok());
  EXPECT_EQ(device->root().version, 2);

  // Rotation to three new root keys with threshold 2.
  auto rotated = NextRoot(offline(), {.root_keys = 3, .threshold = 2}, true, clock_);
  ASSERT_TRUE(rotated.ok()) << rotated.status().ToString();
  EXPECT_TRUE(std::filesystem::exists(offline() / "root-key-1.retired.2.pem"));
  EXPECT_TRUE(std::filesystem::exists(offline() / "root-key-3.pem"));
  ASSERT_TRUE((*repo)->InstallRoot(*rotated).ok());
  ASSERT_TRUE(device->UpdateRoot(*rotated).ok());
  EXPECT_EQ(device->root().roles.at(Role::kRoot).keyids.size(), 3U);
  ASSERT_TRUE(device->UpdateTimestamp((*repo)->Metadata(Role::kTimestamp).value()).ok());

  // The retired key alone cannot make a root 4 the device accepts.
  auto retired = crypto::PrivateKey::FromPem(retired_pem);
  ASSERT_TRUE(retired.ok());
  auto v3 = ParseRoot(ParseEnvelope(*rotated, "r").value().signed_part, "r").value();
  v3.version = 4;
  const crypto::PrivateKey* signer = &*retired;
  auto forged = SignMetadata(ToJson(v3), {&signer, 1});
  ASSERT_TRUE(forged.ok());
  EXPECT_EQ(device->UpdateRoot(*forged).code(), StatusCode::kUnauthenticated);
}

}  // namespace
}  // namespace keel::tuf
