#include "edge/ota/https_update_source.h"

#include <fmt/format.h>
#include <httplib.h>

namespace keel::edge::ota {
namespace {

std::unique_ptr<httplib::SSLClient> Client(const HttpsUpdateSourceOptions& o) {
  auto client = std::make_unique<httplib::SSLClient>(o.hub.host, o.hub.port, o.cert_file.string(),
                                                     o.key_file.string());
  client->set_ca_cert_path(o.ca_file.c_str());
  client->enable_server_certificate_verification(true);
  client->set_connection_timeout(o.timeout_s, 0);
  client->set_read_timeout(o.timeout_s, 0);
  return client;
}

Status HttpStatus(int status, const std::string& what) {
  switch (status) {
    case 404:
      return Status::NotFound(what + ": not on the hub");
    case 401:
      return Status::Unauthenticated(what + ": the hub refused the device certificate");
    case 403:
      return Status::PermissionDenied(what + ": the hub refused this device");
    case 409:
      return Status::FailedPrecondition(what + ": the hub has no signed updates set up");
    default:
      return Status::Unavailable(fmt::format("{}: HTTP {}", what, status));
  }
}

}  // namespace

Result<std::string> HttpsUpdateSource::FetchMetadata(std::string_view file, size_t max_bytes) {
  const std::string what = fmt::format("update metadata {}", file);
  auto client = Client(options_);
  std::string body;
  bool too_long = false;
  auto result = client->Get(fmt::format("/api/v1/updates/metadata/{}", file),
                            [&](const char* data, size_t length) {
                              if (body.size() + length > max_bytes) {
                                too_long = true;
                                return false;
                              }
                              body.append(data, length);
                              return true;
                            });
  if (too_long) {
    return Status::ResourceExhausted(fmt::format("{}: longer than {} bytes", what, max_bytes));
  }
  if (!result) {
    return Status::Unavailable(fmt::format("{}: {}", what, httplib::to_string(result.error())));
  }
  if (result->status != 200) return HttpStatus(result->status, what);
  return body;
}

Status HttpsUpdateSource::FetchTarget(std::string_view name, int64_t offset,
                                      const std::function<Status(std::string_view)>& sink) {
  const std::string what = fmt::format("update target {}", name);
  auto client = Client(options_);
  httplib::Headers headers;
  if (offset > 0) headers.emplace("Range", fmt::format("bytes={}-", offset));
  Status sink_status;
  int status = 0;
  auto result = client->Get(
      fmt::format("/api/v1/updates/targets/{}", name), headers,
      [&](const httplib::Response& response) {
        status = response.status;
        // A 200 to a range request would restart at byte 0: refuse it.
        return status == (offset > 0 ? 206 : 200);
      },
      [&](const char* data, size_t length) {
        sink_status = sink(std::string_view(data, length));
        return sink_status.ok();
      });
  if (!sink_status.ok()) return sink_status;
  if (status != 0 && status != (offset > 0 ? 206 : 200)) return HttpStatus(status, what);
  if (!result) {
    return Status::Unavailable(fmt::format("{}: {}", what, httplib::to_string(result.error())));
  }
  return Status::Ok();
}

}  // namespace keel::edge::ota
