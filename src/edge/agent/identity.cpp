#include "edge/agent/identity.h"

#include <httplib.h>

#include <nlohmann/json.hpp>

#include "common/endpoint.h"
#include "common/files.h"
#include "crypto/certificate.h"
#include "crypto/csr.h"
#include "crypto/private_key.h"

namespace keel::edge {
namespace {

constexpr auto kKeyMode = std::filesystem::perms(0600);

// POSTs `body` and returns the parsed JSON reply, or the hub's error message.
Result<nlohmann::json> PostJson(httplib::SSLClient& client, const std::string& path,
                                const nlohmann::json& body) {
  client.enable_server_certificate_verification(true);
  client.set_connection_timeout(10, 0);
  client.set_read_timeout(30, 0);
  auto res = client.Post(path, body.dump(), "application/json");
  if (!res) {
    std::string detail = httplib::to_string(res.error());
    const long verify = client.get_openssl_verify_result();
    if (verify != 0) detail += std::string(": ") + X509_verify_cert_error_string(verify);
    return Status::Unavailable("POST " + path + ": " + detail);
  }
  nlohmann::json reply = nlohmann::json::parse(res->body, nullptr, false);
  if (res->status / 100 != 2) {
    std::string message = "HTTP " + std::to_string(res->status);
    if (reply.is_object() && reply.contains("error") && reply["error"].is_object()) {
      const auto& detail = reply["error"];
      if (auto it = detail.find("message"); it != detail.end() && it->is_string()) {
        message += ": " + it->get<std::string>();
      }
    }
    const StatusCode code = res->status == 401   ? StatusCode::kUnauthenticated
                            : res->status == 403 ? StatusCode::kPermissionDenied
                            : res->status == 400 ? StatusCode::kInvalidArgument
                                                 : StatusCode::kUnavailable;
    return Status(code, "POST " + path + ": " + message);
  }
  if (!reply.is_object() || !reply.contains("certificate") || !reply["certificate"].is_string() ||
      !reply.contains("ca") || !reply["ca"].is_string()) {
    return Status::Internal("POST " + path + ": reply lacks certificate/ca");
  }
  return reply;
}

// Checks the returned certificate belongs to `key`, names `device_id` and
// chains to `ca_pem`.
Result<crypto::Certificate> CheckIssued(const nlohmann::json& reply, const crypto::PrivateKey& key,
                                        const std::string& device_id,
                                        const crypto::Certificate& ca) {
  KEEL_ASSIGN_OR_RETURN(auto cert,
                        crypto::Certificate::FromPem(reply["certificate"].get<std::string>()));
  if (!cert.MatchesKey(key)) return Status::Internal("issued certificate is for another key");
  if (cert.SubjectCommonName() != device_id) {
    return Status::Internal("issued certificate names \"" + cert.SubjectCommonName() + "\"");
  }
  KEEL_RETURN_IF_ERROR(cert.VerifyIssuedBy(ca).WithContext("issued certificate"));
  return cert;
}

}  // namespace

Status Enroll(const EnrollRequest& request) {
  const IdentityPaths paths(request.dir);
  if (std::filesystem::exists(paths.cert) || std::filesystem::exists(paths.key)) {
    return Status::FailedPrecondition("an identity already exists in " + request.dir.string() +
                                      " (remove it first to enroll again)");
  }
  KEEL_ASSIGN_OR_RETURN(Endpoint hub, ParseEndpoint(request.hub_url, "https"));
  KEEL_ASSIGN_OR_RETURN(auto ca, crypto::Certificate::LoadFile(request.ca_file));
  KEEL_ASSIGN_OR_RETURN(auto key, crypto::PrivateKey::Generate());
  KEEL_ASSIGN_OR_RETURN(std::string csr, crypto::CreateCsrPem(key, request.device_id));

  httplib::SSLClient client(hub.host, hub.port);
  client.set_ca_cert_path(request.ca_file.c_str());
  KEEL_ASSIGN_OR_RETURN(
      auto reply, PostJson(client, "/api/v1/enroll",
                           {{"id", request.device_id}, {"token", request.token}, {"csr", csr}}));
  KEEL_ASSIGN_OR_RETURN(auto cert, CheckIssued(reply, key, request.device_id, ca));

  std::optional<std::string> update_root;
  if (auto it = reply.find("update_root"); it != reply.end()) {
    if (!it->is_string())
      return Status::Internal("POST /api/v1/enroll: update_root is not a string");
    update_root = it->get<std::string>();
  }

  KEEL_RETURN_IF_ERROR(EnsureDirectory(request.dir, std::filesystem::perms(0700)));
  KEEL_RETURN_IF_ERROR(WriteFileAtomic(paths.ca, ca.ToPem()));
  if (update_root) KEEL_RETURN_IF_ERROR(WriteFileAtomic(paths.update_root, *update_root));
  KEEL_RETURN_IF_ERROR(key.SaveFile(paths.key));
  return WriteFileAtomic(paths.cert, cert.ToPem());
}

Result<int64_t> RenewCertificate(const std::string& hub_url, const std::filesystem::path& dir) {
  const IdentityPaths paths(dir);
  KEEL_ASSIGN_OR_RETURN(Endpoint hub, ParseEndpoint(hub_url, "https"));
  KEEL_ASSIGN_OR_RETURN(auto current, crypto::Certificate::LoadFile(paths.cert));
  KEEL_ASSIGN_OR_RETURN(auto ca, crypto::Certificate::LoadFile(paths.ca));
  const std::string device_id = current.SubjectCommonName();
  KEEL_ASSIGN_OR_RETURN(auto key, crypto::PrivateKey::Generate());
  KEEL_ASSIGN_OR_RETURN(std::string csr, crypto::CreateCsrPem(key, device_id));

  httplib::SSLClient client(hub.host, hub.port, paths.cert.string(), paths.key.string());
  client.set_ca_cert_path(paths.ca.c_str());
  KEEL_ASSIGN_OR_RETURN(auto reply, PostJson(client, "/api/v1/renew", {{"csr", csr}}));
  KEEL_ASSIGN_OR_RETURN(auto cert, CheckIssued(reply, key, device_id, ca));

  // Key first, then certificate: a crash in between leaves a key that does
  // not match device.crt, which the agent detects on start and repairs from
  // the .prev copies.
  KEEL_ASSIGN_OR_RETURN(auto current_key, crypto::PrivateKey::LoadFile(paths.key));
  KEEL_RETURN_IF_ERROR(current_key.SaveFile(paths.key.string() + ".prev"));
  KEEL_RETURN_IF_ERROR(WriteFileAtomic(paths.cert.string() + ".prev", current.ToPem()));
  KEEL_RETURN_IF_ERROR(key.SaveFile(paths.key));
  KEEL_RETURN_IF_ERROR(WriteFileAtomic(paths.cert, cert.ToPem()));
  return cert.NotAfterMs();
}

Status RepairInterruptedRenewal(const std::filesystem::path& dir) {
  const IdentityPaths paths(dir);
  KEEL_ASSIGN_OR_RETURN(auto cert, crypto::Certificate::LoadFile(paths.cert));
  KEEL_ASSIGN_OR_RETURN(auto key, crypto::PrivateKey::LoadFile(paths.key));
  if (cert.MatchesKey(key)) return Status::Ok();
  const std::filesystem::path prev_key = paths.key.string() + ".prev";
  const std::filesystem::path prev_cert = paths.cert.string() + ".prev";
  // Crash after the new key was written but before the new certificate.
  auto old_key = crypto::PrivateKey::LoadFile(prev_key);
  if (old_key.ok() && cert.MatchesKey(*old_key)) return old_key->SaveFile(paths.key);
  auto old_cert = crypto::Certificate::LoadFile(prev_cert);
  if (old_cert.ok() && old_cert->MatchesKey(key)) {
    return WriteFileAtomic(paths.cert, old_cert->ToPem());
  }
  return Status::FailedPrecondition(paths.key.string() + " does not match " + paths.cert.string() +
                                    " and no earlier pair matches; " + "enroll the device again");
}

Result<std::optional<std::string>> LoadUpdateRoot(const std::filesystem::path& dir) {
  auto content = ReadFile(IdentityPaths(dir).update_root);
  if (!content.ok()) {
    if (content.status().code() == StatusCode::kNotFound) return std::optional<std::string>();
    return content.status();
  }
  return std::optional<std::string>(std::move(content).value());
}

Result<int64_t> RenewalDueMs(const std::filesystem::path& dir) {
  KEEL_ASSIGN_OR_RETURN(auto cert, crypto::Certificate::LoadFile(IdentityPaths(dir).cert));
  return cert.NotBeforeMs() + (cert.NotAfterMs() - cert.NotBeforeMs()) * 2 / 3;
}

}  // namespace keel::edge
