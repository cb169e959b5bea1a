// BlobStore: the bytes of published artifacts, content-addressed: the file
// <dir>/<sha256> holds exactly the bytes whose SHA-256 is its name. It is
// the directory the update endpoints serve targets from.
//
// An upload streams into <dir>/.upload-<random>, is hashed on the way, and
// on Finish is fsynced, renamed to its hash and the directory fsynced, so a
// blob name never refers to partial or unsynced bytes. Uploading bytes that
// are already present changes nothing. Leftovers of uploads interrupted by
// a crash are removed when the store is opened.
// Thread-safe: uploads are independent files.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"
#include "crypto/sha256.h"
#include "hub/store/artifact_store.h"

namespace keel::hub {

class BlobUpload {
 public:
  ~BlobUpload();  // discards the upload unless finished
  BlobUpload(const BlobUpload&) = delete;
  BlobUpload& operator=(const BlobUpload&) = delete;

  // ResourceExhausted once more than the upload's limit has been written.
  Status Append(std::string_view data);
  // Makes the blob durable under its hash and returns its digest.
  Result<ArtifactFileRef> Finish();

 private:
  friend class BlobStore;
  BlobUpload(std::filesystem::path dir, std::filesystem::path temp, int fd, int64_t max_bytes)
      : dir_(std::move(dir)), temp_(std::move(temp)), fd_(fd), max_bytes_(max_bytes) {}
  void Discard();

  std::filesystem::path dir_, temp_;
  int fd_;
  int64_t max_bytes_;
  int64_t written_ = 0;
  crypto::Sha256Stream hash_;
};

class BlobStore {
 public:
  // Creates `dir` if needed and removes interrupted uploads.
  static Result<std::unique_ptr<BlobStore>> Open(std::filesystem::path dir);

  // A new upload of at most `max_bytes`.
  Result<std::unique_ptr<BlobUpload>> StartUpload(int64_t max_bytes);

  // OK if the blob is present with this length. NotFound (naming the hash)
  // otherwise. The content is trusted to match its name: only Finish
  // creates names.
  Status Check(const ArtifactFileRef& ref) const;

  // The blob's bytes (for validating small files such as manifests);
  // ResourceExhausted if longer than `max_bytes`.
  Result<std::string> Read(std::string_view sha256, int64_t max_bytes) const;

  const std::filesystem::path& dir() const { return dir_; }

 private:
  explicit BlobStore(std::filesystem::path dir) : dir_(std::move(dir)) {}
  std::filesystem::path dir_;
};

// Whether `text` is 64 lower-case hex digits (a SHA-256 as blobs are named).
bool IsSha256Hex(std::string_view text);

}  // namespace keel::hub
