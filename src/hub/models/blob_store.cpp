#include "hub/models/blob_store.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <system_error>

#include "crypto/tokens.h"

namespace keel::hub {
namespace {

constexpr std::string_view kUploadPrefix = ".upload-";

Status Errno(std::string_view what, const std::filesystem::path& path) {
  return Status::IoError(
      fmt::format("blob store: {} {}: {}", what, path.string(), std::strerror(errno)));
}

Status SyncDir(const std::filesystem::path& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Errno("open", dir);
  const int rc = ::fsync(fd);
  ::close(fd);
  return rc == 0 ? Status::Ok() : Errno("fsync", dir);
}

}  // namespace

bool IsSha256Hex(std::string_view text) {
  if (text.size() != 64) return false;
  for (char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

BlobUpload::~BlobUpload() { Discard(); }

void BlobUpload::Discard() {
  if (fd_ < 0) return;
  ::close(fd_);
  fd_ = -1;
  std::error_code ignored;
  std::filesystem::remove(temp_, ignored);
}

Status BlobUpload::Append(std::string_view data) {
  if (fd_ < 0) return Status::FailedPrecondition("blob store: upload already finished");
  if (written_ + static_cast<int64_t>(data.size()) > max_bytes_) {
    Discard();
    return Status::ResourceExhausted(
        fmt::format("blob store: upload exceeds the limit of {} bytes", max_bytes_));
  }
  hash_.Update(data);
  while (!data.empty()) {
    const ssize_t n = ::write(fd_, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      Status error = Errno("write", temp_);
      Discard();
      return error;
    }
    written_ += n;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return Status::Ok();
}

Result<ArtifactFileRef> BlobUpload::Finish() {
  if (fd_ < 0) return Status::FailedPrecondition("blob store: upload already finished");
  if (::fsync(fd_) != 0) {
    Status error = Errno("fsync", temp_);
    Discard();
    return error;
  }
  ::close(fd_);
  fd_ = -1;
  ArtifactFileRef ref{hash_.FinishHex(), written_};
  const auto final_path = dir_ / ref.sha256;
  std::error_code ec;
  std::filesystem::rename(temp_, final_path, ec);
  if (ec) {
    std::filesystem::remove(temp_, ec);
    return Status::IoError(
        fmt::format("blob store: rename to {}: {}", final_path.string(), ec.message()));
  }
  KEEL_RETURN_IF_ERROR(SyncDir(dir_));
  return ref;
}

Result<std::unique_ptr<BlobStore>> BlobStore::Open(std::filesystem::path dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    return Status::IoError(fmt::format("blob store: create {}: {}", dir.string(), ec.message()));
  }
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (entry.path().filename().string().starts_with(kUploadPrefix)) {
      std::filesystem::remove(entry.path(), ec);
    }
  }
  if (ec) {
    return Status::IoError(fmt::format("blob store: list {}: {}", dir.string(), ec.message()));
  }
  return std::unique_ptr<BlobStore>(new BlobStore(std::move(dir)));
}

Result<std::unique_ptr<BlobUpload>> BlobStore::StartUpload(int64_t max_bytes) {
  const auto temp = dir_ / (std::string(kUploadPrefix) + crypto::RandomToken(12));
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
  if (fd < 0) return Errno("create", temp);
  return std::unique_ptr<BlobUpload>(new BlobUpload(dir_, temp, fd, max_bytes));
}

Status BlobStore::Check(const ArtifactFileRef& ref) const {
  if (!IsSha256Hex(ref.sha256)) {
    return Status::InvalidArgument(
        fmt::format("\"{}\" is not a SHA-256 (64 lower-case hex digits)", ref.sha256));
  }
  std::error_code ec;
  const auto size = std::filesystem::file_size(dir_ / ref.sha256, ec);
  if (ec) return Status::NotFound(fmt::format("no uploaded blob {}", ref.sha256));
  if (static_cast<int64_t>(size) != ref.length) {
    return Status::InvalidArgument(
        fmt::format("blob {} has {} bytes, not {}", ref.sha256, size, ref.length));
  }
  return Status::Ok();
}

Result<std::string> BlobStore::Read(std::string_view sha256, int64_t max_bytes) const {
  if (!IsSha256Hex(sha256)) {
    return Status::InvalidArgument(fmt::format("\"{}\" is not a SHA-256", sha256));
  }
  const auto path = dir_ / std::string(sha256);
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (ec) return Status::NotFound(fmt::format("no uploaded blob {}", sha256));
  if (static_cast<int64_t>(size) > max_bytes) {
    return Status::ResourceExhausted(
        fmt::format("blob {} has {} bytes, more than {}", sha256, size, max_bytes));
  }
  std::ifstream in(path, std::ios::binary);
  std::string bytes(size, '\0');
  if (!in.read(bytes.data(), static_cast<std::streamsize>(size))) return Errno("read", path);
  return bytes;
}

}  // namespace keel::hub
