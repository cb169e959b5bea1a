#include "edge/attest/measurement_log.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <thread>

#include "common/files.h"
#include "crypto/hex.h"
#include "crypto/tokens.h"
#include "test_util/temp_dir.h"

namespace keel::edge::attest {
namespace {

using ::testing::HasSubstr;

MeasuredEvent Model(const std::string& version, char fill = 'a') {
  return {"model", "pump-ae", version, std::string(64, fill)};
}

TEST(MeasurementLogTest, PcrIsTheHashChainOverCanonicalEvents) {
  const MeasuredEvent e = Model("1.2.0");
  EXPECT_EQ(CanonicalEvent(e), R"({"kind":"model","name":"pump-ae","sha256":")" +
                                   std::string(64, 'a') + R"(","version":"1.2.0"})");
  // pcr_1 = SHA-256(32 zero bytes || SHA-256(canonical event)), by hand.
  const std::string expected = crypto::Sha256Hex(
      std::string(32, '\0') + *crypto::HexDecode(crypto::Sha256Hex(CanonicalEvent(e))));
  EXPECT_EQ(ExtendPcr(kInitialPcr, e), expected);
  EXPECT_EQ(ReplayPcr({e}), expected);
  EXPECT_EQ(ReplayPcr({}), kInitialPcr);

  MeasurementLog log;
  ASSERT_TRUE(log.Extend({"agent", "keel-edge", "0.1.0", std::string(64, 'b')}).ok());
  ASSERT_TRUE(log.Extend(e).ok());
  const auto snapshot = log.Take();
  ASSERT_EQ(snapshot.events.size(), 2u);
  EXPECT_EQ(snapshot.pcr, ReplayPcr(snapshot.events));
  // Order matters: the same events the other way round give another PCR.
  EXPECT_NE(snapshot.pcr, ReplayPcr({snapshot.events[1], snapshot.events[0]}));
  // So does any field of any event.
  EXPECT_NE(ReplayPcr({Model("1.2.0", 'c')}), ReplayPcr({e}));
}

TEST(MeasurementLogTest, InvalidEventsAreRefusedNamingTheField) {
  MeasurementLog log;
  EXPECT_THAT(log.Extend({"kernel", "x", "1", std::string(64, 'a')}).message(),
              HasSubstr("\"kind\""));
  EXPECT_THAT(log.Extend({"model", "", "1", std::string(64, 'a')}).message(),
              HasSubstr("\"name\""));
  EXPECT_THAT(log.Extend({"model", "m", "1 0", std::string(64, 'a')}).message(),
              HasSubstr("\"version\""));
  EXPECT_THAT(log.Extend({"model", "m", "1", std::string(64, 'A')}).message(),
              HasSubstr("\"sha256\""));
  EXPECT_THAT(log.Extend({"model", "m", "1", std::string(63, 'a')}).message(),
              HasSubstr("\"sha256\""));
  EXPECT_TRUE(log.Take().events.empty());
  EXPECT_EQ(log.Take().pcr, kInitialPcr);
}

TEST(MeasurementLogTest, TheLogIsBounded) {
  MeasurementLog log;
  for (size_t i = 0; i < kMaxEvents; ++i) ASSERT_TRUE(log.Extend(Model("1.0.0")).ok());
  const std::string full = log.Take().pcr;
  EXPECT_EQ(log.Extend(Model("1.0.1")).code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(log.Take().pcr, full);
}

TEST(MeasurementLogTest, SnapshotsAreConsistentWhileEventsAreAdded) {
  MeasurementLog log;
  std::thread writer([&] {
    for (int i = 0; i < 100; ++i) ASSERT_TRUE(log.Extend(Model("1.0." + std::to_string(i))).ok());
  });
  for (int i = 0; i < 50; ++i) {
    const auto s = log.Take();
    EXPECT_EQ(s.pcr, ReplayPcr(s.events));
  }
  writer.join();
}

TEST(MeasurementLogTest, FilesAreMeasuredAsTheRegistryDigestsThem) {
  TempDir dir;
  ASSERT_TRUE(WriteFileAtomic(dir.path() / "manifest.json", "{}").ok());
  ASSERT_TRUE(WriteFileAtomic(dir.path() / "model.onnx", std::string(200000, 'm')).ok());
  ASSERT_TRUE(WriteFileAtomic(dir.path() / "slot.json", "ignored").ok());
  ASSERT_TRUE(WriteFileAtomic(dir.path() / ".tmp", "ignored").ok());
  // The registry's canonical file list, written out by hand.
  const std::string list = R"({"manifest.json":{"length":2,"sha256":")" + crypto::Sha256Hex("{}") +
                           R"("},"model.onnx":{"length":200000,"sha256":")" +
                           crypto::Sha256Hex(std::string(200000, 'm')) + R"("}})";
  auto digest = MeasureBundleDir(dir.path());
  ASSERT_TRUE(digest.ok()) << digest.status().ToString();
  EXPECT_EQ(*digest, crypto::Sha256Hex(list));
  EXPECT_EQ(*digest,
            FilesDigest({{"manifest.json", {crypto::Sha256Hex("{}"), 2}},
                         {"model.onnx", {crypto::Sha256Hex(std::string(200000, 'm')), 200000}}}));

  // One byte swapped on disk changes the measurement.
  ASSERT_TRUE(WriteFileAtomic(dir.path() / "model.onnx", std::string(199999, 'm') + "x").ok());
  EXPECT_NE(*MeasureBundleDir(dir.path()), *digest);

  auto binary = MeasureFiles({{"keel-edge", dir.path() / "manifest.json"}});
  ASSERT_TRUE(binary.ok());
  EXPECT_EQ(*binary, FilesDigest({{"keel-edge", {crypto::Sha256Hex("{}"), 2}}}));
  EXPECT_EQ(MeasureFiles({{"keel-edge", dir.path() / "missing"}}).status().code(),
            StatusCode::kNotFound);
  TempDir empty;
  EXPECT_EQ(MeasureBundleDir(empty.path()).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace keel::edge::attest
