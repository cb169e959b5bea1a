// HttpsUpdateSource: the hub's update endpoints (docs/ota.md) as an
// UpdateSource, over HTTPS with the device's client certificate; the hub's
// certificate is verified against the device's CA file. Downloads resume with
// "Range: bytes=<offset>-". One connection per call; thread-compatible.
#pragma once

#include <filesystem>
#include <string>

#include "common/endpoint.h"
#include "edge/ota/update_source.h"

namespace keel::edge::ota {

struct HttpsUpdateSourceOptions {
  Endpoint hub;                     // https://host:port of the hub's API
  std::filesystem::path ca_file;    // the CA that signed the hub's certificate
  std::filesystem::path cert_file;  // the device's certificate and key
  std::filesystem::path key_file;
  int timeout_s = 30;
};

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
