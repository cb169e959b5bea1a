#include "hub/models/blob_store.h"

#include <gtest/gtest.h>

#include "common/files.h"
#include "crypto/tokens.h"
#include "test_util/temp_dir.h"

namespace keel::hub {
namespace {

TEST(BlobStoreTest, UploadIsNamedByItsHashAndReadable) {
  TempDir dir;
  auto blobs = BlobStore::Open(dir.path() / "blobs").value();
  auto upload = blobs->StartUpload(1 << 20).value();
  ASSERT_TRUE(upload->Append("hello ").ok());
  ASSERT_TRUE(upload->Append("world").ok());
  auto ref = upload->Finish();
  ASSERT_TRUE(ref.ok()) << ref.status().ToString();
  EXPECT_EQ(ref->sha256, crypto::Sha256Hex("hello world"));
  EXPECT_EQ(ref->length, 11);
  EXPECT_TRUE(blobs->Check(*ref).ok());
  EXPECT_EQ(*blobs->Read(ref->sha256, 100), "hello world");
  EXPECT_EQ(blobs->Read(ref->sha256, 5).status().code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(blobs->Check({ref->sha256, 12}).code(), StatusCode::kInvalidArgument);
}

TEST(BlobStoreTest, OversizedUploadLeavesNothing) {
  TempDir dir;
  auto blobs = BlobStore::Open(dir.path()).value();
  auto upload = blobs->StartUpload(8).value();
  ASSERT_TRUE(upload->Append("12345").ok());
  EXPECT_EQ(upload->Append("6789").code(), StatusCode::kResourceExhausted);
  EXPECT_FALSE(upload->Finish().ok());
  upload.reset();
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
}

TEST(BlobStoreTest, AbandonedAndCrashedUploadsAreRemoved) {
  TempDir dir;
  {
    auto blobs = BlobStore::Open(dir.path()).value();
    auto abandoned = blobs->StartUpload(100).value();
    ASSERT_TRUE(abandoned->Append("partial").ok());
  }  // destroyed without Finish: discarded
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
  // What a crash mid-upload leaves behind is removed on the next Open.
  ASSERT_TRUE(WriteFileAtomic(dir.path() / ".upload-deadbeef", "partial").ok());
  auto blobs = BlobStore::Open(dir.path()).value();
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
}

TEST(BlobStoreTest, UnknownOrMalformedHashes) {
  TempDir dir;
  auto blobs = BlobStore::Open(dir.path()).value();
  EXPECT_EQ(blobs->Check({std::string(64, 'a'), 1}).code(), StatusCode::kNotFound);
  EXPECT_EQ(blobs->Check({"../etc/passwd", 1}).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(blobs->Read("ABC", 10).status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(IsSha256Hex(std::string(64, 'f')));
  EXPECT_FALSE(IsSha256Hex(std::string(64, 'F')));
  EXPECT_FALSE(IsSha256Hex(std::string(63, 'a')));
}

}  // namespace
}  // namespace keel::hub
