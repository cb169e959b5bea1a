// HttpsUpdateSource: the hub's update endpoints (docs/ota.md) as an
// UpdateSource, over HTTPS with the device's client certificate; the hub's
// certificate is verified against the device's CA file. Downloads resume with
// "Range: bytes=<offset>-". One connection per call; thread-compatible.
#pragma once

#include <filesystem>
#include <string>

#include "edge/ota/hub_https.h"
#include "edge/ota/update_source.h"

namespace keel::edge::ota {

using HttpsUpdateSourceOptions = HubHttpsOptions;

class HttpsUpdateSource final : public UpdateSource {
 public:
  explicit HttpsUpdateSource(HttpsUpdateSourceOptions options) : options_(std::move(options)) {}

  // NotFound for 404; Unavailable when the hub cannot be reached or the
  // connection breaks; the hub's own error (e.g. PermissionDenied) otherwise.
  Result<std::string> FetchMetadata(std::string_view file, size_t max_bytes) override;
  Status FetchTarget(std::string_view name, int64_t offset,
                     const std::function<Status(std::string_view)>& sink) override;

 private:
  HttpsUpdateSourceOptions options_;
};

}  // namespace keel::edge::ota
