#include "crypto/ed25519.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "crypto/hex.h"
#include "crypto/sha256.h"
#include "crypto/tokens.h"

namespace keel::crypto {
namespace {

TEST(Ed25519Test, SignsAndVerifies) {
  auto key = GenerateEd25519Key();
  ASSERT_TRUE(key.ok()) << key.status().ToString();
  auto public_key = Ed25519PublicKey(*key);
  ASSERT_TRUE(public_key.ok());
  EXPECT_EQ(public_key->size(), kEd25519PublicKeyBytes);
  auto sig = Ed25519Sign(*key, "metadata");
  ASSERT_TRUE(sig.ok());
  EXPECT_EQ(sig->size(), kEd25519SignatureBytes);
  EXPECT_TRUE(Ed25519Verify(*public_key, "metadata", *sig));
  EXPECT_FALSE(Ed25519Verify(*public_key, "metadatA", *sig));
  std::string flipped = *sig;
  flipped[10] = static_cast<char>(flipped[10] ^ 1);
  EXPECT_FALSE(Ed25519Verify(*public_key, "metadata", flipped));
  auto other = GenerateEd25519Key();
  ASSERT_TRUE(other.ok());
  EXPECT_FALSE(Ed25519Verify(*Ed25519PublicKey(*other), "metadata", *sig));
  EXPECT_FALSE(Ed25519Verify(public_key->substr(1), "metadata", *sig));
  EXPECT_FALSE(Ed25519Verify(*public_key, "metadata", sig->substr(1)));
}

TEST(Ed25519Test, RfcVectorVerifies) {
  // RFC 8032 section 7.1, TEST 2 (one-byte message 0x72).
  const auto public_key =
      HexDecode("3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c");
  const auto sig = HexDecode(
      "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
      "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00");
  ASSERT_TRUE(public_key.ok() && sig.ok());
  EXPECT_TRUE(Ed25519Verify(*public_key, "\x72", *sig));
}

TEST(Ed25519Test, OtherKeyTypesAreRefused) {
  auto ecdsa = PrivateKey::Generate();
  ASSERT_TRUE(ecdsa.ok());
  EXPECT_EQ(Ed25519PublicKey(*ecdsa).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Ed25519Sign(*ecdsa, "x").status().code(), StatusCode::kInvalidArgument);
}

TEST(HexTest, RoundTripAndStrictDecoding) {
  const std::string bytes("\x00\x01\xab\xff", 4);
  EXPECT_EQ(HexEncode(bytes), "0001abff");
  EXPECT_EQ(*HexDecode("0001abff"), bytes);
  EXPECT_EQ(HexDecode("abc").status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(HexDecode("0001ABff").status().message(), ::testing::HasSubstr("character 4"));
  EXPECT_FALSE(HexDecode("zz").ok());
}

TEST(Sha256StreamTest, ChunksGiveTheOneShotDigest) {
  const std::string data(100000, 'k');
  Sha256Stream stream;
  for (size_t i = 0; i < data.size(); i += 777)
    stream.Update(std::string_view(data).substr(i, 777));
  EXPECT_EQ(stream.FinishHex(), Sha256Hex(data));
  stream.Update("abc");  // starts over after FinishHex
  EXPECT_EQ(stream.FinishHex(), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

}  // namespace
}  // namespace keel::crypto
