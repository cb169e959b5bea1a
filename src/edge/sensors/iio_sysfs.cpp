#include "edge/sensors/iio_sysfs.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <system_error>
#include <vector>

namespace keel::edge {
namespace {

namespace fs = std::filesystem;

constexpr size_t kMaxAttributeBytes = 127;
constexpr std::string_view kDirPrefix = "iio:device";
constexpr std::string_view kBlanks = " \t\r\n";

std::string_view Trim(std::string_view text) {
  const size_t begin = text.find_first_not_of(kBlanks);
  if (begin == std::string_view::npos) return {};
  const size_t end = text.find_last_not_of(kBlanks);
  return text.substr(begin, end - begin + 1);
}

Result<std::string> ReadSmallFile(const fs::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return Status::Unavailable(
        fmt::format("{}: cannot open: {}", path.string(), std::strerror(errno)));
  }
  std::string text(kMaxAttributeBytes + 1, '\0');
  size_t size = 0;
  while (size < text.size()) {
    const ssize_t n = ::read(fd, text.data() + size, text.size() - size);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      ::close(fd);
      return Status::Unavailable(
          fmt::format("{}: cannot read: {}", path.string(), std::strerror(err)));
    }
    if (n == 0) break;
    size += static_cast<size_t>(n);
  }
  ::close(fd);
  if (size > kMaxAttributeBytes) {
    return Status::Unavailable(
        fmt::format("{}: longer than {} bytes", path.string(), kMaxAttributeBytes));
  }
  text.resize(size);
  return text;
}

std::optional<fs::path> ExistingFile(const fs::path& dir, const std::string& name) {
  std::error_code ec;
  fs::path path = dir / name;
  if (fs::is_regular_file(path, ec)) return path;
  return std::nullopt;
}

}  // namespace

Result<fs::path> FindIioDevice(const fs::path& root, std::string_view device) {
  if (device.empty() || device.find('/') != std::string_view::npos) {
    return Status::InvalidArgument(
        fmt::format("device \"{}\": must be a device name or \"iio:deviceN\"", device));
  }
  std::error_code ec;
  if (!fs::is_directory(root, ec)) {
    return Status::NotFound(fmt::format("{}: no such directory", root.string()));
  }
  if (device.starts_with(kDirPrefix)) {
    fs::path dir = root / device;
    if (fs::is_directory(dir, ec)) return dir;
    return Status::NotFound(fmt::format("{}: no such device directory", dir.string()));
  }
  std::vector<fs::path> matches;
  std::vector<std::string> seen;
  fs::directory_iterator it(root, ec);
  if (ec) return Status::NotFound(fmt::format("{}: cannot list: {}", root.string(), ec.message()));
  for (const fs::directory_entry& entry : it) {
    const std::string dir_name = entry.path().filename().string();
    if (!dir_name.starts_with(kDirPrefix)) continue;
    auto name = ReadSmallFile(entry.path() / "name");
    if (!name.ok()) continue;
    const std::string_view trimmed = Trim(*name);
    seen.push_back(fmt::format("{} ({})", trimmed, dir_name));
    if (trimmed == device) matches.push_back(entry.path());
  }
  std::sort(matches.begin(), matches.end());
  std::sort(seen.begin(), seen.end());
  if (matches.empty()) {
    return Status::NotFound(
        fmt::format("device \"{}\": not found in {} (devices: {})", device, root.string(),
                    seen.empty() ? "none" : fmt::format("{}", fmt::join(seen, ", "))));
  }
  if (matches.size() > 1) {
    std::vector<std::string> dirs;
    for (const fs::path& m : matches) dirs.push_back(m.filename().string());
    return Status::InvalidArgument(fmt::format(
        "device \"{}\": matches {}; select one by directory name", device, fmt::join(dirs, ", ")));
  }
  return matches.front();
}

std::string IioChannelType(std::string_view channel) {
  const size_t end = channel.find_first_of("0123456789_-");
  return std::string(channel.substr(0, end));
}

Result<IioChannelFiles> LocateIioChannel(const fs::path& device_dir, std::string_view channel) {
  const std::string prefix = fmt::format("in_{}", channel);
  IioChannelFiles files;
  if (auto input = ExistingFile(device_dir, prefix + "_input")) {
    files.value = *input;
    files.processed = true;
    return files;
  }
  auto raw = ExistingFile(device_dir, prefix + "_raw");
  if (!raw) {
    return Status::NotFound(
        fmt::format("no {0}_input or {0}_raw in {1}", prefix, device_dir.string()));
  }
  files.value = *raw;
  const std::string type = IioChannelType(channel);
  auto attribute = [&](std::string_view suffix) -> std::optional<fs::path> {
    if (auto own = ExistingFile(device_dir, fmt::format("{}_{}", prefix, suffix))) return own;
    if (type.empty() || type == channel) return std::nullopt;
    return ExistingFile(device_dir, fmt::format("in_{}_{}", type, suffix));
  };
  files.scale = attribute("scale");
  files.offset = attribute("offset");
  return files;
}

Result<double> ReadIioNumber(const fs::path& path) {
  KEEL_ASSIGN_OR_RETURN(std::string text, ReadSmallFile(path));
  const std::string_view trimmed = Trim(text);
  if (trimmed.empty()) return Status::Unavailable(fmt::format("{}: empty", path.string()));
  double value = 0;
  const char* end = trimmed.data() + trimmed.size();
  auto [ptr, ec] = std::from_chars(trimmed.data(), end, value);
  if (ec != std::errc() || ptr != end || !std::isfinite(value)) {
    constexpr size_t kShown = 32;
    return Status::Unavailable(fmt::format("{}: not a finite number: \"{}{}\"", path.string(),
                                           trimmed.substr(0, kShown),
                                           trimmed.size() > kShown ? "..." : ""));
  }
  return value;
}

}  // namespace keel::edge
