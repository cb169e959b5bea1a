#include "common/endpoint.h"

#include <charconv>

namespace keel {

std::string Endpoint::ToString() const {
  const bool v6 = host.find(':') != std::string::npos;
  return scheme + "://" + (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

Result<Endpoint> ParseEndpoint(std::string_view url, std::string_view required_scheme) {
  const std::string where = "endpoint \"" + std::string(url) + "\"";
  const auto sep = url.find("://");
  if (sep == std::string_view::npos) {
    return Status::InvalidArgument(where + ": expected " + std::string(required_scheme) +
                                   "://host:port");
  }
  Endpoint ep;
  ep.scheme = std::string(url.substr(0, sep));
  if (ep.scheme != required_scheme) {
    return Status::InvalidArgument(where + ": scheme must be " + std::string(required_scheme) +
                                   " (Keel has no plaintext transport)");
  }
  std::string_view rest = url.substr(sep + 3);
  if (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  std::string_view port_text;
  if (!rest.empty() && rest.front() == '[') {
    const auto close = rest.find(']');
    if (close == std::string_view::npos || close + 1 >= rest.size() || rest[close + 1] != ':') {
      return Status::InvalidArgument(where + ": bad IPv6 address; use [addr]:port");
    }
    ep.host = std::string(rest.substr(1, close - 1));
    port_text = rest.substr(close + 2);
  } else {
    const auto colon = rest.rfind(':');
    if (colon == std::string_view::npos) {
      return Status::InvalidArgument(where + ": missing :port");
    }
    ep.host = std::string(rest.substr(0, colon));
    port_text = rest.substr(colon + 1);
  }
  if (ep.host.empty()) return Status::InvalidArgument(where + ": missing host");
  if (ep.host.find_first_of("/?#@ ") != std::string::npos) {
    return Status::InvalidArgument(where + ": host contains a character that is not allowed");
  }
  const auto [end, ec] =
      std::from_chars(port_text.data(), port_text.data() + port_text.size(), ep.port);
  if (ec != std::errc() || end != port_text.data() + port_text.size() || ep.port < 1 ||
      ep.port > 65535) {
    return Status::InvalidArgument(where + ": port must be 1..65535");
  }
  return ep;
}

}  // namespace keel
