#include "cli/api_client.h"

#include <httplib.h>

#include <fstream>
#include <vector>

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
    case 411:
      return StatusCode::kInvalidArgument;
    case 413:
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

std::unique_ptr<httplib::SSLClient> ApiClient::Connect() const {
  auto client = std::make_unique<httplib::SSLClient>(host_, port_);
  client->set_ca_cert_path(ca_.c_str());
  client->enable_server_certificate_verification(true);
  client->set_connection_timeout(10, 0);
  client->set_read_timeout(60, 0);
  client->set_write_timeout(60, 0);
  return client;
}

httplib::Headers ApiClient::Headers() const {
  httplib::Headers headers;
  if (!token_.empty()) headers.emplace("Authorization", "Bearer " + token_);
  return headers;
}

Result<std::string> ApiClient::Reply(const std::string& what, const httplib::Result& res,
                                     const httplib::SSLClient& client) {
  if (!res) {
    std::string detail = httplib::to_string(res.error());
    const long verify = client.get_openssl_verify_result();
    if (verify != 0) detail += std::string(": ") + X509_verify_cert_error_string(verify);
    return Status::Unavailable(what + ": " + detail);
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

Result<std::string> ApiClient::Send(const std::string& method, const std::string& path,
                                    const std::string& body) const {
  auto client = Connect();
  auto res = method == "GET"      ? client->Get(path, Headers())
             : method == "DELETE" ? client->Delete(path, Headers())
                                  : client->Post(path, Headers(), body, "application/json");
  return Reply(method + " " + path, res, *client);
}

Result<nlohmann::json> ApiClient::UploadFile(const std::string& path,
                                             const std::filesystem::path& file) const {
  std::ifstream in(file, std::ios::binary);
  std::error_code ec;
  const auto size = std::filesystem::file_size(file, ec);
  if (!in || ec) return Status::NotFound("cannot read " + file.string());
  auto client = Connect();
  std::vector<char> buffer(64 << 10);
  bool read_failed = false;
  auto res = client->Post(
      path, Headers(), static_cast<size_t>(size),
      [&](size_t offset, size_t length, httplib::DataSink& sink) {
        in.seekg(static_cast<std::streamoff>(offset));
        const size_t n = std::min(length, buffer.size());
        if (!in.read(buffer.data(), static_cast<std::streamsize>(n))) {
          read_failed = true;
          return false;
        }
        sink.write(buffer.data(), n);
        return true;
      },
      "application/octet-stream");
  if (read_failed) return Status::IoError("reading " + file.string() + " failed mid-upload");
  KEEL_ASSIGN_OR_RETURN(std::string reply, Reply("POST " + path, res, *client));
  auto json = nlohmann::json::parse(reply, nullptr, false);
  if (json.is_discarded()) return Status::Internal("POST " + path + ": reply is not JSON");
  return json;
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

Result<nlohmann::json> ApiClient::Put(const std::string& path, const std::string& body,
                                      const httplib::Headers& extra) const {
  auto client = Connect();
  httplib::Headers headers = Headers();
  headers.insert(extra.begin(), extra.end());
  auto res = client->Put(path, headers, body, "application/json");
  KEEL_ASSIGN_OR_RETURN(std::string reply, Reply("PUT " + path, res, *client));
  auto json = nlohmann::json::parse(reply, nullptr, false);
  if (json.is_discarded()) return Status::Internal("PUT " + path + ": reply is not JSON");
  return json;
}

Result<nlohmann::json> ApiClient::Delete(const std::string& path) const {
  KEEL_ASSIGN_OR_RETURN(std::string reply, Send("DELETE", path, ""));
  auto json = nlohmann::json::parse(reply, nullptr, false);
  if (json.is_discarded()) return Status::Internal("DELETE " + path + ": reply is not JSON");
  return json;
}

}  // namespace keel::cli
