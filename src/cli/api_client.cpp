#include "cli/api_client.h"

#include <httplib.h>

#include "common/endpoint.h"
#include "common/files.h"

namespace keel::cli {
namespace {

StatusCode CodeForHttp(int status) {
  switch (status) {
    case 400:
      return StatusCode::kInvalidArgument;
    case 401:
      return StatusCode::kUnauthenticated;
    case 403:
      return StatusCode::kPermissionDenied;
    case 404:
      return StatusCode::kNotFound;
    case 409:
      return StatusCode::kAlreadyExists;
    case 429:
      return StatusCode::kResourceExhausted;
    case 503:
      return StatusCode::kUnavailable;
    default:
      return StatusCode::kInternal;
  }
}

}  // namespace

Result<ApiClient> ApiClient::Create(const ApiClientOptions& options) {
  if (options.hub_url.empty()) {
    return Status::InvalidArgument("no hub: pass --hub https://HOST:PORT or set KEEL_HUB");
  }
  KEEL_ASSIGN_OR_RETURN(Endpoint hub, ParseEndpoint(options.hub_url, "https"));
  if (options.ca_file.empty()) {
    return Status::InvalidArgument(
        "no CA: pass --cacert <hub data dir>/pki/ca.crt or set KEEL_CACERT");
  }
  if (!std::filesystem::exists(options.ca_file)) {
    return Status::NotFound("CA file " + options.ca_file.string() + " does not exist");
  }
  std::string token;
  if (!options.token_file.empty()) {
    KEEL_ASSIGN_OR_RETURN(token, ReadFile(options.token_file));
    while (!token.empty() && (token.back() == '\n' || token.back() == '\r')) token.pop_back();
  }
  return ApiClient(hub.host, hub.port, token, options.ca_file);
}

Result<std::string> ApiClient::Send(const std::string& method, const std::string& path,
                                    const std::string& body) const {
  httplib::SSLClient client(host_, port_);
  client.set_ca_cert_path(ca_.c_str());
  client.enable_server_certificate_verification(true);
  client.set_connection_timeout(10, 0);
  client.set_read_timeout(60, 0);
  httplib::Headers headers;
  if (!token_.empty()) headers.emplace("Authorization", "Bearer " + token_);
  auto res = method == "GET" ? client.Get(path, headers)
                             : client.Post(path, headers, body, "application/json");
  if (!res) {
    std::string detail = httplib::to_string(res.error());
    const long verify = client.get_openssl_verify_result();
    if (verify != 0) detail += std::string(": ") + X509_verify_cert_error_string(verify);
    return Status::Unavailable(method + " " + path + ": " + detail);
  }
  if (res->status / 100 != 2) {
    std::string message = "HTTP " + std::to_string(res->status);
    auto error = nlohmann::json::parse(res->body, nullptr, false);
    if (error.is_object() && error.contains("error") && error["error"].is_object()) {
      const auto& detail = error["error"];
      if (auto it = detail.find("message"); it != detail.end() && it->is_string()) {
        message = it->get<std::string>();
      }
    }
    return Status(CodeForHttp(res->status), message);
  }
  return res->body;
}

Result<std::string> ApiClient::GetText(const std::string& path) const {
  return Send("GET", path, "");
}

Result<nlohmann::json> ApiClient::Get(const std::string& path) const {
  KEEL_ASSIGN_OR_RETURN(std::string body, Send("GET", path, ""));
  auto json = nlohmann::json::parse(body, nullptr, false);
  if (json.is_discarded()) return Status::Internal("GET " + path + ": reply is not JSON");
  return json;
}

Result<nlohmann::json> ApiClient::Post(const std::string& path, const nlohmann::json& body) const {
  KEEL_ASSIGN_OR_RETURN(std::string reply, Send("POST", path, body.dump()));
  auto json = nlohmann::json::parse(reply, nullptr, false);
  if (json.is_discarded()) return Status::Internal("POST " + path + ": reply is not JSON");
  return json;
}

}  // namespace keel::cli
