#include "edge/ota/https_update_source.h"

#include <fmt/format.h>

namespace keel::edge::ota {

HttpsUpdateSource::HttpsUpdateSource(HttpsUpdateSourceOptions options)
    : connection_(std::make_shared<HubConnection>(std::move(options), SystemClock())),
      close_after_call_(true) {}

Result<std::string> HttpsUpdateSource::FetchMetadata(std::string_view file, size_t max_bytes) {
  const std::string what = fmt::format("update metadata {}", file);
  std::string body;
  bool too_long = false;
  auto result = connection_->Use([&](httplib::SSLClient& client) {
    return client.Get(fmt::format("/api/v1/updates/metadata/{}", file),
                      [&](const char* data, size_t length) {
                        if (body.size() + length > max_bytes) {
                          too_long = true;
                          return false;
                        }
                        body.append(data, length);
                        return true;
                      });
  });
  if (close_after_call_) connection_->Close();
  if (too_long) {
    return Status::ResourceExhausted(fmt::format("{}: longer than {} bytes", what, max_bytes));
  }
  if (!result) {
    return Status::Unavailable(fmt::format("{}: {}", what, httplib::to_string(result.error())));
  }
  if (result->status != 200) return HubHttpError(result->status, what);
  return body;
}

Status HttpsUpdateSource::FetchTarget(std::string_view name, int64_t offset,
                                      const std::function<Status(std::string_view)>& sink) {
  const std::string what = fmt::format("update target {}", name);
  httplib::Headers headers;
  if (offset > 0) headers.emplace("Range", fmt::format("bytes={}-", offset));
  Status sink_status;
  int status = 0;
  auto result = connection_->Use([&](httplib::SSLClient& client) {
    return client.Get(
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
  });
  if (close_after_call_) connection_->Close();
  if (!sink_status.ok()) return sink_status;
  if (status != 0 && status != (offset > 0 ? 206 : 200)) return HubHttpError(status, what);
  if (!result) {
    return Status::Unavailable(fmt::format("{}: {}", what, httplib::to_string(result.error())));
  }
  return Status::Ok();
}

}  // namespace keel::edge::ota
