#include "common/simulated_disk.h"

#include <gtest/gtest.h>

#include "common/filesystem.h"
#include "test_util/temp_dir.h"

namespace keel {
namespace {

TEST(SimulatedDiskTest, OnlyDurableStateSurvivesACrash) {
  SimulatedDisk disk;
  ASSERT_TRUE(disk.MakeDirs("/d").ok());
  ASSERT_TRUE(disk.Write("/d/named", "y").ok());
  ASSERT_TRUE(disk.SyncDir("/d").ok());  // names durable, content not
  ASSERT_TRUE(disk.Write("/d/full", "z").ok());
  ASSERT_TRUE(disk.Sync("/d/full").ok());
  ASSERT_TRUE(disk.SyncDir("/d").ok());
  ASSERT_TRUE(disk.Rename("/d/full", "/d/moved").ok());  // rename not durable
  ASSERT_TRUE(disk.Write("/d/unsynced", "x").ok());      // content and name not durable
  disk.Crash();
  EXPECT_FALSE(disk.Exists("/d/unsynced"));
  EXPECT_EQ(disk.Read("/d/named").value(), "");
  EXPECT_EQ(disk.Read("/d/full").value(), "z");
  EXPECT_FALSE(disk.Exists("/d/moved"));
}

TEST(SimulatedDiskTest, CrashAfterStopsEveryLaterMutation) {
  SimulatedDisk disk;
  ASSERT_TRUE(disk.MakeDirs("/d").ok());
  disk.CrashAfter(2);
  EXPECT_TRUE(disk.Write("/d/a", "1").ok());
  EXPECT_EQ(disk.Sync("/d/a").code(), StatusCode::kIoError);
  EXPECT_EQ(disk.Write("/d/b", "2").code(), StatusCode::kIoError);
  EXPECT_FALSE(disk.Exists("/d/b"));
}

// WriteDurably gives the old or the new content after a crash at any step,
// never a torn or empty file.
TEST(SimulatedDiskTest, WriteDurablyIsAtomicAtEveryCrashPoint) {
  for (int64_t k = 1; k <= 4; ++k) {
    SimulatedDisk disk;
    ASSERT_TRUE(disk.MakeDirs("/d").ok());
    ASSERT_TRUE(WriteDurably(disk, "/d/f", "old").ok());
    disk.CrashAfter(k);
    const bool done = WriteDurably(disk, "/d/f", "new").ok();
    disk.Crash();
    EXPECT_EQ(disk.Read("/d/f").value(), done ? "new" : "old") << k;
  }
}

TEST(PosixFileSystemTest, WriteDurablyReplacesTheFile) {
  TempDir tmp;
  FileSystem& fs = PosixFileSystem();
  ASSERT_TRUE(WriteDurably(fs, tmp.path() / "f", "one").ok());
  ASSERT_TRUE(WriteDurably(fs, tmp.path() / "f", "two").ok());
  EXPECT_EQ(fs.Read(tmp.path() / "f").value(), "two");
  EXPECT_FALSE(fs.Exists(tmp.path() / "f.tmp"));
  EXPECT_TRUE(fs.Remove(tmp.path() / "missing").ok());
}

}  // namespace
}  // namespace keel
