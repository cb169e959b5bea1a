// UpdateSource: where a device gets update metadata and artifacts — the hub
// over HTTPS with the device's client certificate in production, a test
// repository in tests.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace keel::edge::ota {

class UpdateSource {
 public:
  virtual ~UpdateSource() = default;

  // A metadata file by name ("timestamp.json", "root.3.json", ...): its
  // bytes, at most `max_bytes` (ResourceExhausted beyond). NotFound when
  // the repository has no such file (e.g. the next root version).
  virtual Result<std::string> FetchMetadata(std::string_view file, size_t max_bytes) = 0;

  // Streams target `name` from byte `offset` to `sink` in chunks; stops at
  // the first error `sink` returns and returns it. Unavailable when the
  // connection breaks (the caller resumes from what it kept).
  virtual Status FetchTarget(std::string_view name, int64_t offset,
                             const std::function<Status(std::string_view)>& sink) = 0;
};

}  // namespace keel::edge::ota
