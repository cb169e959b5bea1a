#include "edge/attest/file_digest_cache.h"

#include <sys/stat.h>

#include <atomic>
#include <mutex>
#include <optional>
#include <tuple>

#include "edge/attest/measurement_log.h"

namespace keel::edge::attest {
namespace {

struct FileIdentity {
  dev_t device = 0;
  ino_t inode = 0;
  off_t size = 0;
  int64_t mtime_ns = 0;
  int64_t ctime_ns = 0;
  bool operator==(const FileIdentity&) const = default;
};

std::optional<FileIdentity> Identify(const std::filesystem::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return std::nullopt;
  auto ns = [](const timespec& t) { return int64_t{t.tv_sec} * 1'000'000'000 + t.tv_nsec; };
  return FileIdentity{st.st_dev, st.st_ino, st.st_size, ns(st.st_mtim), ns(st.st_ctim)};
}

struct Cached {
  FileIdentity identity;
  MeasuredFile measured;
};

std::mutex& CacheMutex() {
  static std::mutex mu;
  return mu;
}
std::map<std::string, Cached>& Cache() {  // guarded by CacheMutex()
  static std::map<std::string, Cached> cache;
  return cache;
}
std::atomic<int64_t> reads{0};

Result<MeasuredFile> MeasureFileCached(const std::filesystem::path& path, const Clock& clock) {
  const std::optional<FileIdentity> before = Identify(path);
  if (before) {
    std::lock_guard lock(CacheMutex());
    auto it = Cache().find(path.string());
    if (it != Cache().end() && it->second.identity == *before) return it->second.measured;
  }
  KEEL_ASSIGN_OR_RETURN(MeasuredFile measured, MeasureFile(path));
  ++reads;
  const std::optional<FileIdentity> after = Identify(path);
  const bool settled = before && before->ctime_ns / 1'000'000 <= clock.NowMs() - kSettledMs;
  if (before && after == before && settled) {
    std::lock_guard lock(CacheMutex());
    Cache()[path.string()] = Cached{*before, measured};
  }
  return measured;
}

}  // namespace

Result<std::string> MeasureFilesCached(const std::map<std::string, std::filesystem::path>& files,
                                       const Clock& clock) {
  std::map<std::string, MeasuredFile> measured;
  for (const auto& [name, path] : files) {
    KEEL_ASSIGN_OR_RETURN(measured[name], MeasureFileCached(path, clock));
  }
  return FilesDigest(measured);
}

int64_t CachedMeasureReads() { return reads.load(); }

}  // namespace keel::edge::attest
