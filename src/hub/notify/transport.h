// Transport: how notification routes reach their receivers, behind an
// interface so that the dispatcher's tests inject failures without a
// network. The real one (NewTlsTransport) speaks HTTPS with cpp-httplib and
// SMTP with libcurl, always over TLS with the server verified against the
// route's CA file, and a client certificate when the route names one.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"
#include "hub/notify/notify_routes.h"

namespace keel::hub::notify {

struct HttpsPost {
  std::string host;
  int port = 0;
  std::string path;  // "/..."
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;  // JSON
  TlsFiles tls;
  int64_t timeout_ms = 10'000;
  int64_t connect_timeout_ms = 5'000;
};

struct MailMessage {
  std::string url;  // smtps://host:port, or smtp://host:port (STARTTLS required)
  std::string from;
  std::vector<std::string> to;
  std::string username, password;  // "" = no AUTH
  std::string content;             // the whole RFC 5322 message, CRLF line ends
  TlsFiles tls;
  int64_t timeout_ms = 10'000;
  int64_t connect_timeout_ms = 5'000;
};

// Thread-compatible: the dispatcher calls it from one thread.
class Transport {
 public:
  virtual ~Transport() = default;
  // The HTTP status of the reply; Unavailable when no reply came
  // (connection refused, TLS handshake or verification failed, timeout).
  virtual Result<int> Post(const HttpsPost& post) = 0;
  // OK once the server accepted the message. Unavailable for what a retry
  // may fix (connection, TLS, timeout, a 4xx SMTP reply); any other code
  // (e.g. PermissionDenied for refused credentials, InvalidArgument for a
  // rejected recipient) is final.
  virtual Status SendMail(const MailMessage& mail) = 0;
};

std::unique_ptr<Transport> NewTlsTransport();

}  // namespace keel::hub::notify
