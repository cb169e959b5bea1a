// Endpoint URLs: "mqtts://host:port" and "https://host:port". Only TLS
// schemes exist in Keel; a plaintext scheme is refused with a clear error.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace keel {

struct Endpoint {
  std::string scheme;  // "mqtts" or "https"
  std::string host;    // a name, an IPv4 address, or an IPv6 address without brackets
  int port = 0;
  std::string ToString() const;  // scheme://host:port
};

// Parses `url`, which must use `required_scheme` and name a port 1..65535;
// nothing may follow the port except an optional "/".
Result<Endpoint> ParseEndpoint(std::string_view url, std::string_view required_scheme);

}  // namespace keel
