#include "hub/api/topology_routes.h"

#include <fmt/format.h>

#include <charconv>

#include "hub/api/http_json.h"

namespace keel::hub {

Result<int64_t> ParseIfMatchVersion(std::string_view header) {
  std::string_view text = header;
  if (text.size() >= 2 && text.front() == '"' && text.back() == '"') {
    text = text.substr(1, text.size() - 2);
  }
  int64_t version = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), version);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size() || version < 1) {
    return Status::InvalidArgument(fmt::format(
        "If-Match: \"{}\" is not a topology version (a positive integer)", header.substr(0, 64)));
  }
  return version;
}

void ServeGetTopology(httplib::Response& res, topology::TopologyService& topology) {
  auto current = topology.GetVersioned();
  if (!current.ok()) return ReplyError(res, current.status());
  res.set_header("ETag", fmt::format("\"{}\"", current->version));
  ReplyJson(res, {{"version", current->version},
                  {"updated_ms", current->updated_ms},
                  {"topology", topology::TopologyToJson(current->topology)}});
}

void ServePutTopology(const httplib::Request& req, httplib::Response& res,
                      topology::TopologyService& topology) {
  int64_t expected = 0;
  if (req.has_header("If-Match")) {
    auto version = ParseIfMatchVersion(req.get_header_value("If-Match"));
    if (!version.ok()) return ReplyError(res, version.status());
    expected = *version;
  }
  auto stored = topology.Put(req.body, expected);
  if (!stored.ok()) return ReplyError(res, stored.status());
  res.set_header("ETag", fmt::format("\"{}\"", *stored));
  ReplyJson(res, {{"version", *stored}});
}

void ServeDeviceContext(httplib::Response& res, topology::TopologyService& topology,
                        const std::string& device) {
  ReplyJson(res, {{"id", device}, {"labels", topology.ContextOf(device)}});
}

}  // namespace keel::hub
