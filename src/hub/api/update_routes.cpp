#include "hub/api/update_routes.h"

#include <fmt/format.h>

#include <regex>

#include "common/files.h"
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
  auto content = ReadFile(targets_dir / it->second.sha256);
  if (!content.ok()) return ReplyError(res, content.status());
  // cpp-httplib answers a Range request on this content itself (206 with
  // Content-Range, 416 when out of range).
  res.set_content(std::move(*content), "application/octet-stream");
}

}  // namespace keel::hub
