// The device's HTTPS connection to the hub's API for updates: mutual TLS with
// the device's certificate, the hub's certificate verified against the
// device's CA file. Shared by HttpsUpdateSource and HttpsPollTransport.
#pragma once

#include <httplib.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

#include "common/clock.h"
#include "common/endpoint.h"
#include "common/status.h"

namespace keel::edge::ota {

struct HubHttpsOptions {
  Endpoint hub;                     // https://host:port of the hub's API
  std::filesystem::path ca_file;    // the CA that signed the hub's certificate
  std::filesystem::path cert_file;  // the device's certificate and key
  std::filesystem::path key_file;
  int timeout_s = 30;  // connect and read timeouts, seconds
  // HubConnection: a kept connection idle for longer than this is closed
  // instead of reused. The hub's API closes a connection idle for 5 s
  // (cpp-httplib's keep-alive timeout), and a request written into a
  // connection the server has just closed fails.
  int64_t max_idle_ms = 2000;
};

// A client for one call (connection and read timeouts set, the server's
// certificate verified). Reads the certificate, key and CA files.
std::unique_ptr<httplib::SSLClient> NewHubClient(const HubHttpsOptions& options);

// One device's connection to the hub's API, for the calls of one update poll
// (the metadata refresh, the poll, downloads): the TLS context (the device's
// certificate and key, the CA) is read once and the TLS connection is kept
// open from one call to the next (HTTP keep-alive), so a poll costs one
// handshake instead of one per call. A connection idle for longer than
// options.max_idle_ms is closed before the next call, which opens a new one.
//
// Close() ends the connection and drops the TLS context. The owner closes it
// after every poll (OtaManager::Step), so that between polls the device holds
// no connection and the hub no thread waiting on it, and the next poll reads
// the files again (a renewed certificate is presented from then on).
//
// Thread-safe: calls are serialized.
class HubConnection {
 public:
  HubConnection(HubHttpsOptions options, const Clock& clock)
      : options_(std::move(options)), clock_(clock) {}
  HubConnection(const HubConnection&) = delete;
  HubConnection& operator=(const HubConnection&) = delete;

  // Runs `call(httplib::SSLClient&)` on this connection (opened if needed)
  // and returns what it returns. `call` must not keep the client.
  template <typename Call>
  auto Use(Call&& call) {
    std::lock_guard lock(mu_);
    httplib::SSLClient& client = Acquire();
    ++stats_.requests;
    if (!client.is_socket_open()) ++stats_.connections;  // this call connects
    auto result = std::forward<Call>(call)(client);
    last_used_ms_ = clock_.MonotonicMs();
    return result;
  }

  // Closes the connection, if one is open, and drops the TLS context.
  void Close();

  // Counts since construction.
  struct Stats {
    int64_t requests = 0;     // calls of Use
    int64_t connections = 0;  // calls that opened a connection (a TLS handshake)
    int64_t contexts = 0;     // TLS contexts set up (the files read)
  };
  Stats stats() const;

  const HubHttpsOptions& options() const { return options_; }

 private:
  httplib::SSLClient& Acquire();  // with mu_ held

  const HubHttpsOptions options_;
  const Clock& clock_;
  mutable std::mutex mu_;
  std::unique_ptr<httplib::SSLClient> client_;  // guarded by mu_
  int64_t last_used_ms_ = 0;                    // guarded by mu_
  Stats stats_;                                 // guarded by mu_
};

// The Status for a hub reply with HTTP `status` other than success, for the
// call `what`: 404 NotFound, 401 Unauthenticated, 403 PermissionDenied, 409
// FailedPrecondition (signed updates not set up), 400 InvalidArgument, else
// Unavailable (retrying may help). The hub's error message, when `body`
// carries one ({"error": {"message"}}), is appended.
Status HubHttpError(int status, const std::string& what, const std::string& body = "");

}  // namespace keel::edge::ota
