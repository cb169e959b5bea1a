// HttpsUpdateSource: the hub's update endpoints (docs/ota.md) as an
// UpdateSource, over HTTPS with the device's client certificate; the hub's
// certificate is verified against the device's CA file. Downloads resume with
// "Range: bytes=<offset>-". Built from options: one connection per call;
// built on a HubConnection: the calls share it (and the owner closes it).
// Thread-compatible.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "edge/ota/hub_https.h"
#include "edge/ota/update_source.h"

namespace keel::edge::ota {

using HttpsUpdateSourceOptions = HubHttpsOptions;

class HttpsUpdateSource final : public UpdateSource {
 public:
  explicit HttpsUpdateSource(HttpsUpdateSourceOptions options);
  explicit HttpsUpdateSource(std::shared_ptr<HubConnection> connection)
      : connection_(std::move(connection)) {}

  // NotFound for 404; Unavailable when the hub cannot be reached or the
  // connection breaks; the hub's own error (e.g. PermissionDenied) otherwise.
  Result<std::string> FetchMetadata(std::string_view file, size_t max_bytes) override;
  Status FetchTarget(std::string_view name, int64_t offset,
                     const std::function<Status(std::string_view)>& sink) override;

 private:
  std::shared_ptr<HubConnection> connection_;
  bool close_after_call_ = false;
};

}  // namespace keel::edge::ota
