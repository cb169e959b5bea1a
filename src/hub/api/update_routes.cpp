#include "hub/api/update_routes.h"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <memory>
#include <regex>

#include "hub/api/http_json.h"

namespace keel::hub {
namespace {}  // namespace

void ServeUpdateMetadata(const httplib::Request&, httplib::Response& res,
                         const tuf::Repository& repository, const std::string& file) {
  static const std::regex kRoot(R"(root\.([1-9][0-9]{0,8})\.json)");
  std::smatch m;
  Result<std::string> bytes = Status::NotFound(fmt::format("no update metadata \"{}\"", file));
  if (file == "timestamp.json") {
    bytes = repository.Metadata(tuf::Role::kTimestamp);
  } else if (file == "snapshot.json") {
    bytes = repository.Metadata(tuf::Role::kSnapshot);
  } else if (file == "targets.json") {
    bytes = repository.Metadata(tuf::Role::kTargets);
  } else if (std::regex_match(file, m, kRoot)) {
    bytes = repository.RootVersion(std::stoll(m[1]));
  }
  if (!bytes.ok()) return ReplyError(res, bytes.status());
  res.set_header("Cache-Control", "no-store");
  res.set_content(*bytes, "application/json");
}

void ServeUpdateTarget(const httplib::Request&, httplib::Response& res,
                       const tuf::Repository& repository, const std::filesystem::path& targets_dir,
                       const std::string& name) {
  const tuf::TargetsMetadata targets = repository.targets();
  const auto it = targets.targets.find(name);
  if (it == targets.targets.end()) {
    return ReplyError(res, Status::NotFound(fmt::format("no update target \"{}\"", name)));
  }
  const std::filesystem::path path = targets_dir / it->second.sha256;
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (ec || static_cast<int64_t>(size) != it->second.length) {
    return ReplyError(
        res, Status::IoError(fmt::format(
                 "update target \"{}\": its file is missing or has the wrong size", name)));
  }
  // Streamed from the file in chunks (artifacts can be large and many devices
  // download at once); cpp-httplib answers a Range request by asking the
  // provider for that part only (206 with Content-Range, 416 when outside).
  res.set_content_provider(static_cast<size_t>(size), "application/octet-stream",
                           [in = std::make_shared<std::ifstream>(path, std::ios::binary)](
                               size_t offset, size_t length, httplib::DataSink& sink) {
                             if (!in->seekg(static_cast<std::streamoff>(offset))) return false;
                             constexpr size_t kChunk = 64 * 1024;
                             std::string buffer(std::min(length, kChunk), '\0');
                             in->read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
                             const auto got = static_cast<size_t>(in->gcount());
                             return got > 0 && sink.write(buffer.data(), got);
                           });
}

}  // namespace keel::hub
