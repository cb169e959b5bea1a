// The device's HTTPS connection to the hub's API for updates: mutual TLS with
// the device's certificate, the hub's certificate verified against the
// device's CA file. Shared by HttpsUpdateSource and HttpsPollTransport.
#pragma once

#include <httplib.h>

#include <filesystem>
#include <memory>
#include <string>

#include "common/endpoint.h"
#include "common/status.h"

namespace keel::edge::ota {

struct HubHttpsOptions {
  Endpoint hub;                     // https://host:port of the hub's API
  std::filesystem::path ca_file;    // the CA that signed the hub's certificate
  std::filesystem::path cert_file;  // the device's certificate and key
  std::filesystem::path key_file;
  int timeout_s = 30;  // connect and read timeouts, seconds
};

// A client for one call (connection and read timeouts set, the server's
// certificate verified).
std::unique_ptr<httplib::SSLClient> NewHubClient(const HubHttpsOptions& options);

// The Status for a hub reply with HTTP `status` other than success, for the
// call `what`: 404 NotFound, 401 Unauthenticated, 403 PermissionDenied, 409
// FailedPrecondition (signed updates not set up), 400 InvalidArgument, else
// Unavailable (retrying may help). The hub's error message, when `body`
// carries one ({"error": {"message"}}), is appended.
Status HubHttpError(int status, const std::string& what, const std::string& body = "");

}  // namespace keel::edge::ota
