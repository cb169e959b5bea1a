#include "common/files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace keel {
namespace {

Status ErrnoStatus(std::string_view what, const std::filesystem::path& path) {
  return Status::IoError(std::string(what) + " " + path.string() + ": " + std::strerror(errno));
}

}  // namespace

Status WriteFileAtomic(const std::filesystem::path& path, std::string_view content,
                       std::filesystem::perms mode) {
  const std::filesystem::path tmp = path.string() + ".tmp";
  const int fd =
      ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, static_cast<mode_t>(mode));
  if (fd < 0) return ErrnoStatus("open", tmp);
  // open() applies the umask; fchmod makes the mode exact before any data.
  if (::fchmod(fd, static_cast<mode_t>(mode)) != 0) {
    ::close(fd);
    return ErrnoStatus("chmod", tmp);
  }
  size_t written = 0;
  while (written < content.size()) {
    const ssize_t n = ::write(fd, content.data() + written, content.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      ::close(fd);
      return ErrnoStatus("write", tmp);
    }
    written += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) {
    ::close(fd);
    return ErrnoStatus("fsync", tmp);
  }
  if (::close(fd) != 0) return ErrnoStatus("close", tmp);
  if (::rename(tmp.c_str(), path.c_str()) != 0) return ErrnoStatus("rename", path);
  const auto dir = path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
  const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return Status::Ok();
}

Result<std::string> ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (!std::filesystem::exists(path)) return Status::NotFound("no such file: " + path.string());
    return Status::IoError("cannot read " + path.string());
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) return Status::IoError("read failed: " + path.string());
  return buffer.str();
}

Status EnsureDirectory(const std::filesystem::path& dir, std::filesystem::perms mode) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::IoError("create directory " + dir.string() + ": " + ec.message());
  std::filesystem::permissions(dir, mode, ec);
  if (ec) return Status::IoError("chmod " + dir.string() + ": " + ec.message());
  return Status::Ok();
}

}  // namespace keel
