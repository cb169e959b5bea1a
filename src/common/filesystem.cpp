#include "common/filesystem.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <system_error>

#include "common/files.h"

namespace keel {
namespace {

Status Errno(std::string_view what, const std::filesystem::path& path) {
  return Status::IoError(std::string(what) + " " + path.string() + ": " + std::strerror(errno));
}

Status SyncPath(const std::filesystem::path& path, int flags) {
  const int fd = ::open(path.c_str(), flags | O_CLOEXEC);
  if (fd < 0) return Errno("open", path);
  const int rc = ::fsync(fd);
  ::close(fd);
  return rc == 0 ? Status::Ok() : Errno("fsync", path);
}

class Posix final : public FileSystem {
 public:
  Result<std::string> Read(const std::filesystem::path& path) const override {
    return ReadFile(path);
  }
  bool Exists(const std::filesystem::path& path) const override {
    std::error_code ec;
    return std::filesystem::exists(path, ec);
  }
  Status Write(const std::filesystem::path& path, std::string_view data) override {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return Errno("create", path);
    size_t done = 0;
    while (done < data.size()) {
      const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        Status status = Errno("write", path);
        ::close(fd);
        return status;
      }
      done += static_cast<size_t>(n);
    }
    return ::close(fd) == 0 ? Status::Ok() : Errno("close", path);
  }
  Status Sync(const std::filesystem::path& path) override { return SyncPath(path, O_RDONLY); }
  Status SyncDir(const std::filesystem::path& dir) override {
    return SyncPath(dir, O_RDONLY | O_DIRECTORY);
  }
  Status Rename(const std::filesystem::path& from, const std::filesystem::path& to) override {
    return ::rename(from.c_str(), to.c_str()) == 0 ? Status::Ok() : Errno("rename", from);
  }
  Status Remove(const std::filesystem::path& path) override {
    if (::unlink(path.c_str()) == 0 || errno == ENOENT) return Status::Ok();
    return Errno("unlink", path);
  }
  Status MakeDirs(const std::filesystem::path& dir) override { return EnsureDirectory(dir); }
};

}  // namespace

Status WriteDurably(FileSystem& fs, const std::filesystem::path& path, std::string_view data) {
  const std::filesystem::path tmp = path.string() + ".tmp";
  KEEL_RETURN_IF_ERROR(fs.Write(tmp, data));
  KEEL_RETURN_IF_ERROR(fs.Sync(tmp));
  KEEL_RETURN_IF_ERROR(fs.Rename(tmp, path));
  return fs.SyncDir(path.parent_path());
}

FileSystem& PosixFileSystem() {
  static auto* fs = new Posix();
  return *fs;
}

}  // namespace keel
