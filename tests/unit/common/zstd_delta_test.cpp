#include "common/zstd_delta.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <zstd.h>

#include <cstring>
#include <random>
#include <string>

namespace keel {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

// ~1 MiB of float32 "weights" (Gaussian, so nearly incompressible, like a
// trained model's tensors).
std::string ModelLike(size_t floats, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> weight(0.0f, 0.05f);
  std::string bytes(floats * sizeof(float), '\0');
  for (size_t i = 0; i < floats; ++i) {
    const float w = weight(rng);
    std::memcpy(bytes.data() + i * sizeof(float), &w, sizeof(float));
  }
  return bytes;
}

std::string RandomBytes(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::string bytes(n, '\0');
  for (char& c : bytes) c = static_cast<char>(rng());
  return bytes;
}

// `base` with 200 scattered weights changed, a 4 KiB block rewritten, 1 KiB
// inserted and 512 bytes removed: a small model update.
std::string SmallEditsOf(std::string base) {
  std::mt19937_64 rng(7);
  for (int i = 0; i < 200; ++i) {
    const size_t at = (rng() % (base.size() / 4)) * 4;
    const float w = 0.01f * static_cast<float>(i);
    std::memcpy(base.data() + at, &w, sizeof(float));
  }
  const std::string block = RandomBytes(4096, 8);
  base.replace(300'000, block.size(), block);
  base.insert(600'000, RandomBytes(1024, 9));
  base.erase(800'000, 512);
  return base;
}

TEST(ZstdDeltaTest, SmallEditsOfAModelGiveASmallDeltaThatRoundTrips) {
  const std::string base = ModelLike(256 * 1024, 1);  // 1 MiB
  const std::string target = SmallEditsOf(base);
  auto delta = MakeDelta(base, target);
  ASSERT_TRUE(delta.ok()) << delta.status().ToString();
  EXPECT_LT(delta->size(), target.size() / 20) << "delta of " << delta->size() << " bytes";
  auto applied = ApplyDelta(base, *delta, target.size());
  ASSERT_TRUE(applied.ok()) << applied.status().ToString();
  EXPECT_TRUE(*applied == target);
}

TEST(ZstdDeltaTest, EmptyBaseIsPlainCompression) {
  const std::string target = ModelLike(16 * 1024, 2);
  auto delta = MakeDelta("", target, 3);
  ASSERT_TRUE(delta.ok()) << delta.status().ToString();
  EXPECT_LT(delta->size(), target.size() + 1024);
  auto applied = ApplyDelta("", *delta, target.size());
  ASSERT_TRUE(applied.ok()) << applied.status().ToString();
  EXPECT_TRUE(*applied == target);
}

TEST(ZstdDeltaTest, EmptyTargetRoundTrips) {
  auto delta = MakeDelta("some base", "");
  ASSERT_TRUE(delta.ok()) << delta.status().ToString();
  auto applied = ApplyDelta("some base", *delta, 0);
  ASSERT_TRUE(applied.ok()) << applied.status().ToString();
  EXPECT_EQ(*applied, "");
}

TEST(ZstdDeltaTest, OutOfRangeLevelIsRefused) {
  EXPECT_EQ(MakeDelta("a", "b", 0).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(MakeDelta("a", "b", ZSTD_maxCLevel() + 1).status().code(),
            StatusCode::kInvalidArgument);
}

// The frame's checksum catches a wrong base; callers verify the signed hash
// anyway, so all this must guarantee is "not silently the target".
TEST(ZstdDeltaTest, WrongBaseDoesNotYieldTheTarget) {
  const std::string base = ModelLike(64 * 1024, 3);
  const std::string target = SmallEditsOf(ModelLike(256 * 1024, 3)).substr(0, base.size());
  auto delta = MakeDelta(base, target);
  ASSERT_TRUE(delta.ok());
  for (const std::string& wrong :
       {ModelLike(64 * 1024, 4), base.substr(0, base.size() / 2), std::string()}) {
    auto applied = ApplyDelta(wrong, *delta, target.size());
    EXPECT_TRUE(!applied.ok() || *applied != target);
    if (!applied.ok()) {
      EXPECT_THAT(applied.status().message(), StartsWith("delta: "));
    }
  }
  auto other = ApplyDelta(ModelLike(64 * 1024, 4), *delta, target.size());
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(other.status().message(), HasSubstr("wrong base or corrupt delta"));
}

TEST(ZstdDeltaTest, TruncatedDeltaIsRefusedAtEveryLength) {
  const std::string base = ModelLike(4096, 5);
  const std::string target = SmallEditsOf(ModelLike(256 * 1024, 5)).substr(0, 20'000);
  auto delta = MakeDelta(base, target);
  ASSERT_TRUE(delta.ok());
  for (size_t n = 0; n < delta->size(); ++n) {
    auto applied = ApplyDelta(base, std::string_view(*delta).substr(0, n), target.size());
    ASSERT_FALSE(applied.ok()) << "cut at " << n;
    EXPECT_EQ(applied.status().code(), StatusCode::kInvalidArgument) << "cut at " << n;
  }
  auto cut = ApplyDelta(base, std::string_view(*delta).substr(0, delta->size() / 2), 1 << 20);
  EXPECT_THAT(cut.status().message(), HasSubstr("truncated"));
}

TEST(ZstdDeltaTest, GarbageIsRefusedWithAMessage) {
  auto empty = ApplyDelta("base", "", 100);
  EXPECT_EQ(empty.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(empty.status().message(), "delta: empty");
  for (uint64_t seed = 0; seed < 200; ++seed) {
    auto applied = ApplyDelta("base", RandomBytes(1 + seed * 7, seed), 1 << 20);
    ASSERT_FALSE(applied.ok());
    EXPECT_EQ(applied.status().message(), "delta: not a zstd frame (bad magic number)");
  }
  // The magic number followed by garbage: refused by the frame decoder.
  for (uint64_t seed = 0; seed < 200; ++seed) {
    std::string bytes = "\x28\xb5\x2f\xfd" + RandomBytes(seed * 11, seed);
    auto applied = ApplyDelta("base", bytes, 1 << 20);
    ASSERT_FALSE(applied.ok()) << "seed " << seed;
    EXPECT_THAT(applied.status().message(), StartsWith("delta: "));
  }
  // A skippable frame would decode to nothing: it is not a delta.
  auto skippable = ApplyDelta("base", std::string("\x50\x2a\x4d\x18\x00\x00\x00\x00", 8), 10);
  EXPECT_THAT(skippable.status().message(), HasSubstr("not a zstd frame"));
}

// The frame's content checksum: a flipped bit is refused, or (in a bit the
// format ignores) still decodes to the target; never to other bytes.
TEST(ZstdDeltaTest, FlippedBitsNeverYieldOtherBytes) {
  const std::string base = ModelLike(4096, 6);
  std::string target = base;
  target.replace(100, 8, "changed!");
  auto delta = MakeDelta(base, target);
  ASSERT_TRUE(delta.ok());
  for (size_t i = 0; i < delta->size(); ++i) {
    std::string bad = *delta;
    bad[i] = static_cast<char>(bad[i] ^ 0x10);
    auto applied = ApplyDelta(base, bad, 1 << 20);
    EXPECT_TRUE(!applied.ok() || *applied == target) << "flip at " << i;
  }
}

TEST(ZstdDeltaTest, BytesAfterTheFrameAreRefused) {
  auto delta = MakeDelta("base", "target");
  ASSERT_TRUE(delta.ok());
  auto applied = ApplyDelta("base", *delta + "x", 100);
  EXPECT_EQ(applied.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(applied.status().message(), "delta: 1 bytes after the end of the frame");
}

TEST(ZstdDeltaTest, OutputBeyondTheBoundIsRefused) {
  const std::string base = ModelLike(4096, 7);
  const std::string target = base + base + "tail";
  auto delta = MakeDelta(base, target);
  ASSERT_TRUE(delta.ok());
  EXPECT_TRUE(ApplyDelta(base, *delta, target.size()).ok());
  auto over = ApplyDelta(base, *delta, target.size() - 1);
  EXPECT_EQ(over.status().code(), StatusCode::kResourceExhausted);
  EXPECT_THAT(over.status().message(), HasSubstr("declares"));
}

// A frame without a declared content size (a streaming compressor's) is
// bounded while it decodes.
TEST(ZstdDeltaTest, OutputBoundHoldsWithoutADeclaredContentSize) {
  const std::string target = RandomBytes(300'000, 8);
  ZSTD_CCtx* cctx = ZSTD_createCCtx();
  ASSERT_NE(cctx, nullptr);
  // A 128 KiB window, within what ApplyDelta allows for these bounds.
  ASSERT_FALSE(ZSTD_isError(ZSTD_CCtx_setParameter(cctx, ZSTD_c_windowLog, 17)));
  std::string frame(ZSTD_compressBound(target.size()), '\0');
  ZSTD_outBuffer out{frame.data(), frame.size(), 0};
  ZSTD_inBuffer in{target.data(), target.size(), 0};
  // Without ZSTD_e_end up front the size is unknown when the header is written.
  ASSERT_FALSE(ZSTD_isError(ZSTD_compressStream2(cctx, &out, &in, ZSTD_e_continue)));
  size_t left = 0;
  do {
    left = ZSTD_compressStream2(cctx, &out, &in, ZSTD_e_end);
    ASSERT_FALSE(ZSTD_isError(left));
  } while (left != 0);
  ZSTD_freeCCtx(cctx);
  frame.resize(out.pos);
  ASSERT_EQ(ZSTD_getFrameContentSize(frame.data(), frame.size()), ZSTD_CONTENTSIZE_UNKNOWN);

  auto whole = ApplyDelta("", frame, target.size());
  ASSERT_TRUE(whole.ok()) << whole.status().ToString();
  EXPECT_TRUE(*whole == target);
  auto over = ApplyDelta("", frame, 200'000);
  EXPECT_EQ(over.status().code(), StatusCode::kResourceExhausted);
  EXPECT_THAT(over.status().message(), HasSubstr("output exceeds the 200000 bytes allowed"));
}

}  // namespace
}  // namespace keel
