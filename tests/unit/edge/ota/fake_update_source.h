// A test UpdateSource over a tuf::Repository, with faults on demand, and
// helpers to set up such a repository.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/files.h"
#include "crypto/tokens.h"
#include "edge/ota/update_source.h"
#include "tuf/repository.h"
#include "unit/tuf/tuf_test_repo.h"

namespace keel::edge::ota::testing {

using tuf::Role;

inline crypto::PrivateKey CopyOf(const crypto::PrivateKey& key) {
  return crypto::PrivateKey::FromPem(key.ToPem()).value();
}

// Writes root version 1 of `keys` as `dir`/root.json and opens a Repository
// there with the online keys; *pinned gets the root a device pins.
inline std::unique_ptr<tuf::Repository> OpenTestRepository(tuf::testing::Repo& keys,
                                                           const std::filesystem::path& dir,
                                                           std::string* pinned);

// Copies of the repository's online keys.
inline tuf::OnlineKeys OnlineKeysOf(tuf::testing::Repo& keys) {
  return {CopyOf(keys.key(Role::kTargets)), CopyOf(keys.key(Role::kSnapshot)),
          CopyOf(keys.key(Role::kTimestamp))};
}

// Serves a tuf::Repository and target payloads, with faults on demand.
class FakeSource final : public UpdateSource {
 public:
  explicit FakeSource(const tuf::Repository& repo) : repo_(repo) {}

  Result<std::string> FetchMetadata(std::string_view file, size_t max_bytes) override {
    std::string bytes;
    if (auto it = overrides_.find(std::string(file)); it != overrides_.end()) {
      bytes = it->second;
    } else if (file == "timestamp.json") {
      bytes = repo_.Metadata(Role::kTimestamp).value();
    } else if (file == "snapshot.json") {
      bytes = repo_.Metadata(Role::kSnapshot).value();
    } else if (file == "targets.json") {
      bytes = repo_.Metadata(Role::kTargets).value();
    } else if (file.starts_with("root.")) {
      const int64_t n = std::stoll(std::string(file.substr(5)));
      KEEL_ASSIGN_OR_RETURN(bytes, repo_.RootVersion(n));
    } else {
      return Status::NotFound(std::string(file));
    }
    if (bytes.size() > max_bytes) return Status::ResourceExhausted("too long");
    return bytes;
  }

  Status FetchTarget(std::string_view name, int64_t offset,
                     const std::function<Status(std::string_view)>& sink) override {
    offsets_.push_back(offset);
    auto it = payloads_.find(std::string(name));
    if (it == payloads_.end()) return Status::NotFound(std::string(name));
    const std::string& data = it->second;
    for (auto at = static_cast<size_t>(offset); at < data.size(); at += 512) {
      if (break_after_ >= 0 && static_cast<int64_t>(at) >= break_after_) {
        break_after_ = -1;
        return Status::Unavailable("connection reset");
      }
      const std::string_view chunk = std::string_view(data).substr(at, 512);
      bytes_served_ += static_cast<int64_t>(chunk.size());
      KEEL_RETURN_IF_ERROR(sink(chunk));
    }
    return Status::Ok();
  }

  std::map<std::string, std::string> payloads_;
  std::map<std::string, std::string> overrides_;  // metadata file -> bytes served instead
  int64_t break_after_ = -1;                      // break the next transfer at this byte
  std::vector<int64_t> offsets_;
  int64_t bytes_served_ = 0;  // target bytes handed to sinks, over all transfers

 private:
  const tuf::Repository& repo_;
};

inline std::unique_ptr<tuf::Repository> OpenTestRepository(tuf::testing::Repo& keys,
                                                           const std::filesystem::path& dir,
                                                           std::string* pinned) {
  *pinned = keys.SignedRoot(keys.Root());
  EXPECT_TRUE(EnsureDirectory(dir).ok());
  EXPECT_TRUE(WriteFileAtomic(dir / "root.json", *pinned).ok());
  auto repo = tuf::Repository::Open(dir, OnlineKeysOf(keys), keys.clock);
  EXPECT_TRUE(repo.ok()) << repo.status().ToString();
  return repo.ok() ? std::move(repo).value() : nullptr;
}

// Publishes `content` as target `name` with `custom` data and serves it.
inline void PublishTarget(tuf::Repository& repo, FakeSource& source, const std::string& name,
                          const std::string& content,
                          nlohmann::json custom = nlohmann::json::object()) {
  const Status added = repo.AddTarget(
      name, {static_cast<int64_t>(content.size()), crypto::Sha256Hex(content), std::move(custom)});
  EXPECT_TRUE(added.ok()) << added.ToString();
  source.payloads_[name] = content;
}

}  // namespace keel::edge::ota::testing
