// ApiClient: keelctl's HTTPS client for the hub API (docs/api.md). The hub's
// certificate is verified against the given CA file; the operator token is
// sent as a bearer token.
#pragma once

#include <httplib.h>

#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "common/status.h"

namespace keel::cli {

struct ApiClientOptions {
  std::string hub_url;  // https://host:port
  std::filesystem::path token_file;
  std::filesystem::path ca_file;
};

class ApiClient {
 public:
  static Result<ApiClient> Create(const ApiClientOptions& options);

  // Each returns the parsed JSON body of a 2xx reply, or the hub's error as a
  // Status (code from the HTTP status, message from the error body).
  Result<nlohmann::json> Get(const std::string& path) const;
  Result<nlohmann::json> Post(const std::string& path, const nlohmann::json& body) const;
  Result<nlohmann::json> Delete(const std::string& path) const;
  // PUT of `body` as is (application/json), with `extra` headers (e.g.
  // If-Match).
  Result<nlohmann::json> Put(const std::string& path, const std::string& body,
                             const httplib::Headers& extra = {}) const;
  // GET returning the raw body (e.g. /metrics).
  Result<std::string> GetText(const std::string& path) const;
  // POSTs the bytes of `file`, streamed (never held in memory whole).
  Result<nlohmann::json> UploadFile(const std::string& path,
                                    const std::filesystem::path& file) const;

 private:
  ApiClient(std::string host, int port, std::string token, std::filesystem::path ca)
      : host_(std::move(host)), port_(port), token_(std::move(token)), ca_(std::move(ca)) {}
  Result<std::string> Send(const std::string& method, const std::string& path,
                           const std::string& body) const;
  std::unique_ptr<httplib::SSLClient> Connect() const;
  httplib::Headers Headers() const;
  // The body of a 2xx reply, or the hub's error as a Status.
  static Result<std::string> Reply(const std::string& what, const httplib::Result& res,
                                   const httplib::SSLClient& client);

  std::string host_;
  int port_;
  std::string token_;
  std::filesystem::path ca_;
};

}  // namespace keel::cli
