#include "edge/ota/hub_https.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

namespace keel::edge::ota {

std::unique_ptr<httplib::SSLClient> NewHubClient(const HubHttpsOptions& o) {
  auto client = std::make_unique<httplib::SSLClient>(o.hub.host, o.hub.port, o.cert_file.string(),
                                                     o.key_file.string());
  client->set_ca_cert_path(o.ca_file.c_str());
  client->enable_server_certificate_verification(true);
  client->set_connection_timeout(o.timeout_s, 0);
  client->set_read_timeout(o.timeout_s, 0);
  return client;
}

httplib::SSLClient& HubConnection::Acquire() {
  if (client_ == nullptr) {
    client_ = NewHubClient(options_);
    client_->set_keep_alive(true);
    ++stats_.contexts;
  } else if (clock_.MonotonicMs() - last_used_ms_ > options_.max_idle_ms) {
    client_->stop();  // the next request connects again, with the same context
  }
  return *client_;
}

void HubConnection::Close() {
  std::lock_guard lock(mu_);
  client_.reset();  // sends close_notify on an open connection
}

HubConnection::Stats HubConnection::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

Status HubHttpError(int status, const std::string& what, const std::string& body) {
  std::string detail;
  const auto reply = nlohmann::json::parse(body, nullptr, false);
  if (reply.is_object() && reply.contains("error") && reply["error"].is_object()) {
    const auto& error = reply["error"];
    if (auto it = error.find("message"); it != error.end() && it->is_string()) {
      detail = ": " + it->get<std::string>();
    }
  }
  switch (status) {
    case 400:
      return Status::InvalidArgument(what + ": the hub refused the request" + detail);
    case 404:
      return Status::NotFound(what + ": not on the hub" + detail);
    case 401:
      return Status::Unauthenticated(what + ": the hub refused the device certificate" + detail);
    case 403:
      return Status::PermissionDenied(what + ": the hub refused this device" + detail);
    case 409:
      return Status::FailedPrecondition(what + ": the hub has no signed updates set up" + detail);
    default:
      return Status::Unavailable(fmt::format("{}: HTTP {}{}", what, status, detail));
  }
}

}  // namespace keel::edge::ota
