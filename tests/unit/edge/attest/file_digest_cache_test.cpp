#include "edge/attest/file_digest_cache.h"

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "common/files.h"
#include "edge/attest/measurement_log.h"
#include "test_util/temp_dir.h"

namespace keel::edge::attest {
namespace {

// Rewrites `path` in place (same inode, same size).
void Overwrite(const std::filesystem::path& path, const std::string& content) {
  std::fstream out(path, std::ios::in | std::ios::out | std::ios::binary);
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
}

class FileDigestCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = dir_.path() / "keel-edge";
    ASSERT_TRUE(WriteFileAtomic(path_, "binary A").ok());
  }
  std::string Measure(const Clock& clock) {
    auto digest = MeasureFilesCached({{"keel-edge", path_}}, clock);
    EXPECT_TRUE(digest.ok()) << digest.status().ToString();
    EXPECT_EQ(*digest, *MeasureFiles({{"keel-edge", path_}}));  // always what is on disk
    return digest.ok() ? *digest : "";
  }

  TempDir dir_;
  std::filesystem::path path_;
};

TEST_F(FileDigestCacheTest, ASettledFileIsReadOnceUntilItChanges) {
  const FakeClock later(4'102'444'800'000);  // 2100: every file here is settled
  const std::string a = Measure(later);
  const int64_t reads = CachedMeasureReads();
  EXPECT_EQ(Measure(later), a);
  EXPECT_EQ(CachedMeasureReads(), reads);  // reused

  ASSERT_TRUE(WriteFileAtomic(path_, "binary B").ok());  // replaced: another inode
  const std::string b = Measure(later);
  EXPECT_NE(b, a);
  EXPECT_EQ(CachedMeasureReads(), reads + 1);

  std::this_thread::sleep_for(std::chrono::milliseconds(20));  // past a timestamp tick
  Overwrite(path_, "binary C");  // in place: same inode and size, new ctime
  EXPECT_NE(Measure(later), b);
}

TEST_F(FileDigestCacheTest, AFileChangedJustNowIsAlwaysRead) {
  const FakeClock early(0);  // every file here changed "just now"
  const std::string a = Measure(early);
  const int64_t reads = CachedMeasureReads();
  Overwrite(path_, "binary Z");  // possibly in the same timestamp tick as the read
  EXPECT_NE(Measure(early), a);
  EXPECT_EQ(CachedMeasureReads(), reads + 1);
}

TEST_F(FileDigestCacheTest, ErrorsAreMeasureFiles) {
  const FakeClock clock;
  EXPECT_EQ(MeasureFilesCached({{"keel-edge", dir_.path() / "none"}}, clock).status().code(),
            StatusCode::kNotFound);
}

}  // namespace
}  // namespace keel::edge::attest
