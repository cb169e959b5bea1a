#include "common/files.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "test_util/temp_dir.h"

namespace keel {
namespace {

TEST(FilesTest, WriteFileAtomicSetsModeAndReplaces) {
  TempDir dir;
  const auto path = dir.path() / "secret.key";
  ASSERT_TRUE(WriteFileAtomic(path, "one", std::filesystem::perms(0600)).ok());
  ASSERT_TRUE(WriteFileAtomic(path, "two", std::filesystem::perms(0600)).ok());
  EXPECT_EQ(*ReadFile(path), "two");
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_FALSE(std::filesystem::exists(path.string() + ".tmp"));
}

TEST(FilesTest, ReadMissingFileIsNotFound) {
  TempDir dir;
  auto r = ReadFile(dir.path() / "nope");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kNotFound);
}

TEST(FilesTest, WriteIntoMissingDirectoryFailsWithPath) {
  TempDir dir;
  Status s = WriteFileAtomic(dir.path() / "no" / "such" / "f", "x");
  EXPECT_EQ(s.code(), StatusCode::kIoError);
  EXPECT_NE(s.message().find("no/such/f"), std::string::npos);
}

}  // namespace
}  // namespace keel
