#include "hub/api/api_server.h"

#include <fmt/format.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <spdlog/spdlog.h>

#include <charconv>
#include <limits>
#include <optional>
#include <thread>

#include "crypto/tokens.h"
#include "hub/api/artifact_routes.h"
#include "hub/api/attest_routes.h"
#include "hub/api/event_routes.h"
#include "hub/api/http_json.h"
#include "hub/api/incident_routes.h"
#include "hub/api/rollout_routes.h"
#include "hub/api/topology_routes.h"
#include "hub/api/update_routes.h"
#include "wire/messages.h"
#include "wire/topics.h"

namespace keel::hub {
namespace {

using nlohmann::json;

std::string_view DeviceStateName(DeviceState state) {
  switch (state) {
    case DeviceState::kRegistered:
      return "registered";
    case DeviceState::kActive:
      return "active";
    case DeviceState::kRevoked:
      return "revoked";
  }
  return "unknown";
}

json DeviceJson(const DeviceRecord& d) {
  return {{"id", d.id},
          {"state", DeviceStateName(d.state)},
          {"created_ms", d.created_ms},
          {"enrolled_ms", d.enrolled_ms},
          {"last_seen_ms", d.last_seen_ms},
          {"cert_serial", d.cert_serial},
          {"cert_not_after_ms", d.cert_not_after_ms},
          {"acked_seq", d.acked_seq},
          {"samples_stored", d.samples_stored},
          {"report",
           {{"t_ms", d.report.t_ms},
            {"outbox_depth", d.report.outbox_depth},
            {"outbox_bytes", d.report.outbox_bytes},
            {"dropped_total", d.report.dropped_total},
            {"cert_not_after_ms", d.report.cert_not_after_ms},
            {"agent", d.report.agent}}}};
}

json IssuedJson(const IssuedCertificate& issued) {
  return {{"certificate", issued.certificate_pem},
          {"ca", issued.ca_pem},
          {"not_after_ms", issued.not_after_ms}};
}

// The verified client certificate of this TLS connection, if any.
Result<crypto::Certificate> PeerCertificate(const httplib::Request& req) {
  SSL* ssl = const_cast<SSL*>(req.ssl);  // NOLINT: OpenSSL's getters take non-const
  if (ssl == nullptr) return Status::Unauthenticated("not a TLS connection");
  X509* peer = SSL_get1_peer_certificate(ssl);
  if (peer == nullptr) return Status::Unauthenticated("a client certificate is required");
  if (SSL_get_verify_result(ssl) != X509_V_OK) {
    X509_free(peer);
    return Status::Unauthenticated("client certificate did not verify");
  }
  return crypto::Certificate(peer);  // takes the reference SSL_get1_peer_certificate added
}

class ApiServerImpl : public ApiServer {
 public:
  ApiServerImpl(ApiOptions options, ApiDependencies deps)
      : options_(std::move(options)), deps_(std::move(deps)) {}
  ~ApiServerImpl() override { Stop(); }

  Status Start() override;
  void Stop() override;
  int port() const override { return port_; }

 private:
  bool SetupTls(SSL_CTX& ctx);
  bool Authorized(const httplib::Request& req, httplib::Response& res) const;
  // The id of the device whose verified client certificate this is, if it
  // exists and is not revoked; otherwise replies with the error.
  std::optional<std::string> AuthorizedDevice(const httplib::Request& req,
                                              httplib::Response& res) const;
  bool DeviceAuthorized(const httplib::Request& req, httplib::Response& res) const {
    return AuthorizedDevice(req, res).has_value();
  }
  void Routes();
  void ArtifactRoutes();
  void RolloutRoutes();
  void AttestRoutes();
  void IncidentRoutes();
  void TopologyRoutes();
  void RuleRoutes();
  // Refuses, before the body is read, what no route would accept.
  httplib::Server::HandlerResponse CheckBodyLimits(const httplib::Request& req,
                                                   httplib::Response& res) const;

  ApiOptions options_;
  ApiDependencies deps_;
  std::unique_ptr<httplib::SSLServer> server_;
  std::thread thread_;
  int port_ = 0;
  std::string tls_error_;
};

bool ApiServerImpl::SetupTls(SSL_CTX& ctx) {
  auto fail = [&](const std::string& what) {
    tls_error_ = what + ": " + ERR_error_string(ERR_get_error(), nullptr);
    return false;
  };
  SSL_CTX_set_min_proto_version(&ctx, TLS1_2_VERSION);
  // No session tickets: Keel's clients do not resume sessions, and a TLS 1.3
  // server makes two tickets per handshake, each re-encoding and re-parsing
  // the session with the client's certificate (a tenth of the API's CPU time
  // under the fleet test).
  SSL_CTX_set_options(&ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_TICKET);
  SSL_CTX_set_num_tickets(&ctx, 0);
  if (SSL_CTX_use_certificate_chain_file(&ctx, options_.cert_file.c_str()) != 1) {
    return fail("load " + options_.cert_file.string());
  }
  if (SSL_CTX_use_PrivateKey_file(&ctx, options_.key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
    return fail("load " + options_.key_file.string());
  }
  if (SSL_CTX_check_private_key(&ctx) != 1) return fail("server key does not match certificate");
  if (SSL_CTX_load_verify_locations(&ctx, options_.client_ca_file.c_str(), nullptr) != 1) {
    return fail("load " + options_.client_ca_file.string());
  }
  SSL_CTX_set_client_CA_list(&ctx, SSL_load_client_CA_file(options_.client_ca_file.c_str()));
  // Ask for a client certificate and verify it if sent; do not require one,
  // since enrolling devices and operators (bearer token) have none.
  SSL_CTX_set_verify(&ctx, SSL_VERIFY_PEER, nullptr);
  return true;
}

bool ApiServerImpl::Authorized(const httplib::Request& req, httplib::Response& res) const {
  const std::string header = req.get_header_value("Authorization");
  constexpr std::string_view kBearer = "Bearer ";
  if (header.size() > kBearer.size() && header.compare(0, kBearer.size(), kBearer) == 0 &&
      crypto::ConstantTimeEquals(crypto::Sha256Hex(header.substr(kBearer.size())),
                                 options_.admin_token_sha256)) {
    return true;
  }
  res.set_header("WWW-Authenticate", "Bearer");
  ReplyError(res, Status::Unauthenticated("a valid bearer token is required"));
  return false;
}

std::optional<std::string> ApiServerImpl::AuthorizedDevice(const httplib::Request& req,
                                                           httplib::Response& res) const {
  auto peer = PeerCertificate(req);
  if (!peer.ok()) {
    ReplyError(res, peer.status());
    return std::nullopt;
  }
  const std::string id = peer->SubjectCommonName();
  auto device = deps_.devices.GetDevice(id);
  if (!device.ok() || device->state == DeviceState::kRevoked) {
    ReplyError(res, Status::PermissionDenied("device \"" + id + "\" is unknown or revoked"));
    return std::nullopt;
  }
  return id;
}

Status ApiServerImpl::Start() {
  server_ = std::make_unique<httplib::SSLServer>([this](SSL_CTX& ctx) { return SetupTls(ctx); });
  if (!server_->is_valid()) return Status::InvalidArgument("API TLS setup: " + tls_error_);
  server_->set_payload_max_length(std::max(options_.max_body_bytes, options_.max_upload_bytes));
  server_->set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    return CheckBodyLimits(req, res);
  });
  server_->new_task_queue = [n = options_.threads] { return new httplib::ThreadPool(n); };
  server_->set_read_timeout(10, 0);
  server_->set_write_timeout(10, 0);
  Routes();
  if (options_.port == 0) {
    port_ = server_->bind_to_any_port(options_.bind_address);
  } else {
    port_ = server_->bind_to_port(options_.bind_address, options_.port) ? options_.port : -1;
  }
  if (port_ <= 0) {
    return Status::Unavailable("API: cannot bind " + options_.bind_address + ":" +
                               std::to_string(options_.port));
  }
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  return Status::Ok();
}

void ApiServerImpl::Stop() {
  if (server_) server_->stop();
  if (thread_.joinable()) thread_.join();
}

constexpr const char* kBlobsPath = "/api/v1/blobs";

httplib::Server::HandlerResponse ApiServerImpl::CheckBodyLimits(const httplib::Request& req,
                                                                httplib::Response& res) const {
  using httplib::Server;
  const bool chunked = req.has_header("Transfer-Encoding");
  const bool has_length = req.has_header("Content-Length");
  uint64_t length = 0;
  if (has_length) {
    const std::string text = req.get_header_value("Content-Length");
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), length);
    if (ec != std::errc() || ptr != text.data() + text.size()) {
      ReplyError(res, Status::InvalidArgument("Content-Length is not a number"));
      return Server::HandlerResponse::Handled;
    }
  }
  if (req.method == "POST" && req.path == kBlobsPath) {
    if (!Authorized(req, res)) return Server::HandlerResponse::Handled;
    if (!has_length || chunked) {
      ReplyError(res, Status::InvalidArgument("blob upload: Content-Length is required"), 411);
      return Server::HandlerResponse::Handled;
    }
    if (length > options_.max_upload_bytes) {
      ReplyError(res,
                 Status::ResourceExhausted(
                     fmt::format("blob upload: {} bytes is more than the limit of {}", length,
                                 options_.max_upload_bytes)),
                 413);
      return Server::HandlerResponse::Handled;
    }
    return Server::HandlerResponse::Unhandled;
  }
  if (chunked || length > options_.max_body_bytes) {
    ReplyError(res,
               Status::ResourceExhausted(
                   fmt::format("request body: more than {} bytes", options_.max_body_bytes)),
               413);
    return Server::HandlerResponse::Handled;
  }
  return Server::HandlerResponse::Unhandled;
}

void ApiServerImpl::ArtifactRoutes() {
  auto& s = *server_;
  auto unavailable = [](httplib::Response& res) {
    ReplyError(res, Status::FailedPrecondition("the artifact registry is not set up"));
  };
  s.Post(kBlobsPath, [this, unavailable](const httplib::Request& req, httplib::Response& res,
                                         const httplib::ContentReader& content) {
    // Authorized and size-checked by CheckBodyLimits before the body is read.
    if (deps_.blobs == nullptr) return unavailable(res);
    ServeBlobUpload(req, res, content, *deps_.blobs,
                    static_cast<int64_t>(options_.max_upload_bytes));
  });
  s.Post("/api/v1/artifacts",
         [this, unavailable](const httplib::Request& req, httplib::Response& res) {
           if (!Authorized(req, res)) return;
           if (deps_.registry == nullptr) return unavailable(res);
           ServePublish(req, res, *deps_.registry);
         });
  s.Get("/api/v1/artifacts",
        [this, unavailable](const httplib::Request& req, httplib::Response& res) {
          if (!Authorized(req, res)) return;
          if (deps_.registry == nullptr) return unavailable(res);
          ServeArtifactList(req, res, *deps_.registry);
        });
  s.Get(R"(/api/v1/artifacts/([^/]+)/([^/]+))",
        [this, unavailable](const httplib::Request& req, httplib::Response& res) {
          if (!Authorized(req, res)) return;
          if (deps_.registry == nullptr) return unavailable(res);
          ServeArtifact(res, *deps_.registry, req.matches[1].str(), req.matches[2].str());
        });
}

void ApiServerImpl::RolloutRoutes() {
  auto& s = *server_;
  auto unavailable = [](httplib::Response& res) {
    ReplyError(res, Status::FailedPrecondition("rollouts are not set up"));
  };
  s.Post("/api/v1/updates/poll", [this, unavailable](const httplib::Request& req,
                                                     httplib::Response& res) {
    auto device = AuthorizedDevice(req, res);
    if (!device) return;
    if (deps_.rollouts == nullptr) return unavailable(res);
    if (deps_.attestation != nullptr && deps_.attestation->IsQuarantined(*device)) {
      return ServeQuarantinedUpdatePoll(req, res, *deps_.rollouts, *deps_.attestation, *device);
    }
    ServeUpdatePoll(req, res, *deps_.rollouts, *device);
  });
  s.Post("/api/v1/deployments",
         [this, unavailable](const httplib::Request& req, httplib::Response& res) {
           if (!Authorized(req, res)) return;
           if (deps_.rollouts == nullptr) return unavailable(res);
           ServeCreateDeployment(req, res, *deps_.rollouts);
         });
  s.Get("/api/v1/deployments",
        [this, unavailable](const httplib::Request& req, httplib::Response& res) {
          if (!Authorized(req, res)) return;
          if (deps_.rollouts == nullptr) return unavailable(res);
          ServeDeploymentList(res, *deps_.rollouts);
        });
  s.Get(R"(/api/v1/deployments/([^/]+))",
        [this, unavailable](const httplib::Request& req, httplib::Response& res) {
          if (!Authorized(req, res)) return;
          if (deps_.rollouts == nullptr) return unavailable(res);
          ServeDeployment(res, *deps_.rollouts, req.matches[1].str());
        });
  s.Post(R"(/api/v1/deployments/([^/]+)/(pause|resume|abort|rollback))",
         [this, unavailable](const httplib::Request& req, httplib::Response& res) {
           if (!Authorized(req, res)) return;
           if (deps_.rollouts == nullptr) return unavailable(res);
           ServeDeploymentAction(res, *deps_.rollouts, req.matches[1].str(), req.matches[2].str());
         });
  s.Post(R"(/api/v1/devices/([^/]+)/tags)",
         [this, unavailable](const httplib::Request& req, httplib::Response& res) {
           if (!Authorized(req, res)) return;
           if (deps_.rollout_store == nullptr) return unavailable(res);
           ServeSetTags(req, res, *deps_.rollout_store, req.matches[1].str());
         });
}

void ApiServerImpl::AttestRoutes() {
  auto& s = *server_;
  auto unavailable = [](httplib::Response& res) {
    ReplyError(res, Status::FailedPrecondition("attestation is not set up"));
  };
  s.Post("/api/v1/attest/nonce",
         [this, unavailable](const httplib::Request& req, httplib::Response& res) {
           auto device = AuthorizedDevice(req, res);
           if (!device) return;
           if (deps_.attestation == nullptr) return unavailable(res);
           ServeAttestNonce(res, *deps_.attestation, *device);
         });
  s.Post("/api/v1/attest",
         [this, unavailable](const httplib::Request& req, httplib::Response& res) {
           auto device = AuthorizedDevice(req, res);
           if (!device) return;
           if (deps_.attestation == nullptr) return unavailable(res);
           auto peer = PeerCertificate(req);  // verified by AuthorizedDevice
           if (!peer.ok()) return ReplyError(res, peer.status());
           ServeAttest(req, res, *deps_.attestation, *device, *peer);
         });
}

void ApiServerImpl::IncidentRoutes() {
  auto& s = *server_;
  auto unavailable = [](httplib::Response& res) {
    ReplyError(res, Status::FailedPrecondition("alerting is not set up"));
  };
  s.Get("/api/v1/incidents",
        [this, unavailable](const httplib::Request& req, httplib::Response& res) {
          if (!Authorized(req, res)) return;
          if (deps_.alerts == nullptr) return unavailable(res);
          ServeIncidentList(req, res, *deps_.alerts);
        });
  s.Get(R"(/api/v1/incidents/([^/]+))",
        [this, unavailable](const httplib::Request& req, httplib::Response& res) {
          if (!Authorized(req, res)) return;
          if (deps_.alerts == nullptr) return unavailable(res);
          ServeIncident(res, *deps_.alerts, req.matches[1].str());
        });
  s.Post(R"(/api/v1/incidents/([^/]+)/(ack|resolve|label))",
         [this, unavailable](const httplib::Request& req, httplib::Response& res) {
           if (!Authorized(req, res)) return;
           if (deps_.alerts == nullptr) return unavailable(res);
           ServeIncidentAction(req, res, *deps_.alerts, req.matches[1].str(), req.matches[2].str());
         });
  s.Get("/api/v1/silences",
        [this, unavailable](const httplib::Request& req, httplib::Response& res) {
          if (!Authorized(req, res)) return;
          if (deps_.alerts == nullptr) return unavailable(res);
          ServeSilenceList(res, *deps_.alerts);
        });
  s.Post("/api/v1/silences",
         [this, unavailable](const httplib::Request& req, httplib::Response& res) {
           if (!Authorized(req, res)) return;
           if (deps_.alerts == nullptr) return unavailable(res);
           ServeCreateSilence(req, res, *deps_.alerts);
         });
  s.Delete(R"(/api/v1/silences/([^/]+))",
           [this, unavailable](const httplib::Request& req, httplib::Response& res) {
             if (!Authorized(req, res)) return;
             if (deps_.alerts == nullptr) return unavailable(res);
             ServeExpireSilence(req, res, *deps_.alerts, req.matches[1].str());
           });
  s.Get("/api/v1/notifications",
        [this, unavailable](const httplib::Request& req, httplib::Response& res) {
          if (!Authorized(req, res)) return;
          if (deps_.incident_store == nullptr) return unavailable(res);
          ServeNotifications(req, res, *deps_.incident_store);
        });
}

void ApiServerImpl::TopologyRoutes() {
  auto& s = *server_;
  auto unavailable = [](httplib::Response& res) {
    ReplyError(res, Status::FailedPrecondition("the topology is not set up"));
  };
  s.Get("/api/v1/topology",
        [this, unavailable](const httplib::Request& req, httplib::Response& res) {
          if (!Authorized(req, res)) return;
          if (deps_.topology == nullptr) return unavailable(res);
          ServeGetTopology(res, *deps_.topology);
        });
  s.Put("/api/v1/topology",
        [this, unavailable](const httplib::Request& req, httplib::Response& res) {
          if (!Authorized(req, res)) return;
          if (deps_.topology == nullptr) return unavailable(res);
          ServePutTopology(req, res, *deps_.topology);
        });
  s.Get(R"(/api/v1/devices/([^/]+)/context)",
        [this, unavailable](const httplib::Request& req, httplib::Response& res) {
          if (!Authorized(req, res)) return;
          if (deps_.topology == nullptr) return unavailable(res);
          ServeDeviceContext(res, *deps_.topology, req.matches[1].str());
        });
}

// The hub rules (docs/hub-rules.md): GET describes them and what they raised;
// PUT replaces them (400 with the parser's message for an invalid
// document, 409 when they are managed by a file).
void ApiServerImpl::RuleRoutes() {
  auto& s = *server_;
  auto unavailable = [](httplib::Response& res) {
    ReplyError(res, Status::FailedPrecondition("the rules are not set up"));
  };
  s.Get("/api/v1/rules", [this, unavailable](const httplib::Request& req, httplib::Response& res) {
    if (!Authorized(req, res)) return;
    if (deps_.rules == nullptr) return unavailable(res);
    ReplyJson(res, deps_.rules->Describe());
  });
  s.Put("/api/v1/rules", [this, unavailable](const httplib::Request& req, httplib::Response& res) {
    if (!Authorized(req, res)) return;
    if (deps_.rules == nullptr) return unavailable(res);
    auto replaced = deps_.rules->Replace(req.body);
    if (!replaced.ok()) return ReplyError(res, replaced.status());
    ReplyJson(res, *replaced);
  });
}

void ApiServerImpl::Routes() {
  ArtifactRoutes();
  RolloutRoutes();
  AttestRoutes();
  IncidentRoutes();
  TopologyRoutes();
  RuleRoutes();
  auto& s = *server_;
  s.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
    ReplyError(res, Status::Internal("unexpected error"));
  });

  s.Get("/healthz", [this](const httplib::Request&, httplib::Response& res) {
    const std::string problem = deps_.health_problem ? deps_.health_problem() : "";
    if (problem.empty()) {
      ReplyJson(res, {{"status", "ok"}});
    } else {
      ReplyJson(res, {{"status", "unhealthy"}, {"problem", problem}}, 503);
    }
  });

  s.Get("/metrics", [this](const httplib::Request& req, httplib::Response& res) {
    if (!Authorized(req, res)) return;
    res.set_content(deps_.metrics.RenderPrometheus(), "text/plain; version=0.0.4");
  });

  s.Get("/api/v1/info", [this](const httplib::Request& req, httplib::Response& res) {
    if (!Authorized(req, res)) return;
    ReplyJson(res, {{"mqtt_url", options_.mqtt_url}, {"version", "0.1.0"}});
  });

  s.Post("/api/v1/enroll", [this](const httplib::Request& req, httplib::Response& res) {
    auto body = ParseJsonObject(req);
    if (!body.ok()) return ReplyError(res, body.status());
    auto id = RequireString(*body, "id");
    auto token = RequireString(*body, "token");
    auto csr = RequireString(*body, "csr");
    for (const auto* r : {&id, &token, &csr}) {
      if (!r->ok()) return ReplyError(res, r->status());
    }
    auto issued = deps_.enrollment.Enroll(*id, *token, *csr);
    if (!issued.ok()) {
      spdlog::warn("api: enrollment of \"{}\" refused: {}", *id, issued.status().ToString());
      const StatusCode code = issued.status().code();
      if (code == StatusCode::kUnauthenticated || code == StatusCode::kPermissionDenied ||
          code == StatusCode::kNotFound) {
        // One answer for every credential problem, so the endpoint does not
        // reveal which device ids exist or what state they are in.
        return ReplyError(res, Status::Unauthenticated(
                                   "enrollment refused: unknown device, or the token is wrong, "
                                   "used or expired (the hub log has the reason)"));
      }
      return ReplyError(res, issued.status());
    }
    spdlog::info("api: enrolled device \"{}\"", *id);
    json reply = IssuedJson(*issued);
    // The device pins the update repository's current root at enrollment
    // (docs/ota.md); absent when signed updates are not set up.
    if (deps_.updates != nullptr) {
      auto root = deps_.updates->Metadata(tuf::Role::kRoot);
      if (root.ok()) reply["update_root"] = *root;
    }
    ReplyJson(res, reply, 201);
  });

  s.Post("/api/v1/renew", [this](const httplib::Request& req, httplib::Response& res) {
    auto peer = PeerCertificate(req);
    if (!peer.ok()) return ReplyError(res, peer.status());
    auto body = ParseJsonObject(req);
    if (!body.ok()) return ReplyError(res, body.status());
    auto csr = RequireString(*body, "csr");
    if (!csr.ok()) return ReplyError(res, csr.status());
    auto issued = deps_.enrollment.Renew(*peer, *csr);
    if (!issued.ok()) return ReplyError(res, issued.status());
    spdlog::info("api: renewed certificate of \"{}\"", peer->SubjectCommonName());
    ReplyJson(res, IssuedJson(*issued));
  });

  s.Get(R"(/api/v1/updates/metadata/([^/]+))",
        [this](const httplib::Request& req, httplib::Response& res) {
          if (!DeviceAuthorized(req, res)) return;
          if (deps_.updates == nullptr) {
            return ReplyError(res, Status::FailedPrecondition("signed updates are not set up"));
          }
          ServeUpdateMetadata(req, res, *deps_.updates, req.matches[1].str());
        });
  s.Get(R"(/api/v1/updates/targets/(.+))", [this](const httplib::Request& req,
                                                  httplib::Response& res) {
    if (!DeviceAuthorized(req, res)) return;
    if (deps_.updates == nullptr) {
      return ReplyError(res, Status::FailedPrecondition("signed updates are not set up"));
    }
    ServeUpdateTarget(req, res, *deps_.updates, deps_.update_targets_dir, req.matches[1].str());
  });

  s.Get("/api/v1/devices", [this](const httplib::Request& req, httplib::Response& res) {
    if (!Authorized(req, res)) return;
    auto devices = deps_.devices.ListDevices();
    if (!devices.ok()) return ReplyError(res, devices.status());
    json list = json::array();
    for (const auto& d : *devices) list.push_back(DeviceJson(d));
    ReplyJson(res, {{"devices", list}});
  });

  s.Post("/api/v1/devices", [this](const httplib::Request& req, httplib::Response& res) {
    if (!Authorized(req, res)) return;
    auto body = ParseJsonObject(req);
    if (!body.ok()) return ReplyError(res, body.status());
    auto id = RequireString(*body, "id");
    if (!id.ok()) return ReplyError(res, id.status());
    auto token = deps_.enrollment.AddDevice(*id);
    if (!token.ok()) return ReplyError(res, token.status());
    ReplyJson(res, {{"id", *id}, {"token", *token}}, 201);
  });

  s.Get(R"(/api/v1/devices/([^/]+))", [this](const httplib::Request& req, httplib::Response& res) {
    if (!Authorized(req, res)) return;
    auto device = deps_.devices.GetDevice(req.matches[1].str());
    if (!device.ok()) return ReplyError(res, device.status());
    json reply = DeviceJson(*device);
    if (deps_.rollout_store != nullptr) {
      auto tags = deps_.rollout_store->ListDeviceTags();
      if (!tags.ok()) return ReplyError(res, tags.status());
      auto it = tags->find(device->id);
      reply["tags"] = it == tags->end() ? DeviceTags{} : it->second;
    }
    if (deps_.attestation != nullptr) {
      reply["quarantined"] = QuarantineJson(deps_.attestation->Quarantine(device->id));
    }
    ReplyJson(res, reply);
  });

  s.Post(R"(/api/v1/devices/([^/]+)/token)",
         [this](const httplib::Request& req, httplib::Response& res) {
           if (!Authorized(req, res)) return;
           const std::string id = req.matches[1].str();
           auto token = deps_.enrollment.IssueToken(id);
           if (!token.ok()) return ReplyError(res, token.status());
           ReplyJson(res, {{"id", id}, {"token", *token}});
         });

  s.Post(R"(/api/v1/devices/([^/]+)/revoke)",
         [this](const httplib::Request& req, httplib::Response& res) {
           if (!Authorized(req, res)) return;
           const std::string id = req.matches[1].str();
           Status revoked = deps_.enrollment.Revoke(id);
           if (!revoked.ok()) return ReplyError(res, revoked);
           spdlog::info("api: revoked device \"{}\"", id);
           ReplyJson(res, {{"id", id}, {"state", "revoked"}});
         });

  s.Post(R"(/api/v1/devices/([^/]+)/raw)", [this](const httplib::Request& req,
                                                  httplib::Response& res) {
    if (!Authorized(req, res)) return;
    const std::string id = req.matches[1].str();
    auto request = wire::DecodeRawRequest(req.body);
    if (!request.ok()) return ReplyError(res, request.status());
    auto device = deps_.devices.GetDevice(id);
    if (!device.ok()) return ReplyError(res, device.status());
    if (device->state != DeviceState::kActive) {
      return ReplyError(res,
                        Status::FailedPrecondition("device \"" + id + "\" is " +
                                                   std::string(DeviceStateName(device->state))));
    }
    if (deps_.attestation != nullptr) {
      if (auto quarantine = deps_.attestation->Quarantine(id)) {
        return ReplyError(res, Status::FailedPrecondition(
                                   "device \"" + id + "\" is quarantined: " + quarantine->reason));
      }
    }
    if (!deps_.send_command) {
      return ReplyError(res, Status::Unavailable("commands cannot be sent"));
    }
    Status sent = deps_.send_command(id, wire::kRawCommand, wire::EncodeRawRequest(*request));
    if (!sent.ok()) return ReplyError(res, sent);
    spdlog::info("api: asked \"{}\" for {} s of raw samples", id, request->seconds);
    ReplyJson(res, {{"id", id}, {"command", "raw"}, {"seconds", request->seconds}}, 202);
  });

  s.Get(R"(/api/v1/devices/([^/]+)/series)",
        [this](const httplib::Request& req, httplib::Response& res) {
          if (!Authorized(req, res)) return;
          auto names = deps_.telemetry.ListSeries(req.matches[1].str());
          if (!names.ok()) return ReplyError(res, names.status());
          ReplyJson(res, {{"series", *names}});
        });

  s.Get("/api/v1/events", [this](const httplib::Request& req, httplib::Response& res) {
    if (!Authorized(req, res)) return;
    ServeEvents(req, res, deps_.telemetry, std::nullopt);
  });

  s.Get(R"(/api/v1/devices/([^/]+)/events)",
        [this](const httplib::Request& req, httplib::Response& res) {
          if (!Authorized(req, res)) return;
          ServeEvents(req, res, deps_.telemetry, req.matches[1].str());
        });

  s.Get(R"(/api/v1/devices/([^/]+)/series/(.+))",
        [this](const httplib::Request& req, httplib::Response& res) {
          if (!Authorized(req, res)) return;
          auto from = IntQueryParam(req, "from");
          auto to = IntQueryParam(req, "to");
          auto limit = IntQueryParam(req, "limit");
          for (const auto* r : {&from, &to, &limit}) {
            if (!r->ok()) return ReplyError(res, r->status());
          }
          const int64_t from_ms = from->value_or(0);
          const int64_t to_ms = to->value_or(std::numeric_limits<int64_t>::max());
          if (to_ms < from_ms) {
            return ReplyError(res, Status::InvalidArgument("query: to is before from"));
          }
          size_t max_points = options_.max_points_per_read;
          if (limit->has_value()) {
            if (**limit <= 0)
              return ReplyError(res, Status::InvalidArgument("query: limit must be > 0"));
            max_points = std::min(max_points, static_cast<size_t>(**limit));
          }
          auto points = deps_.telemetry.ReadSeries(req.matches[1].str(), req.matches[2].str(),
                                                   from_ms, to_ms, max_points);
          if (!points.ok()) return ReplyError(res, points.status());
          json out = json::array();
          for (const auto& p : *points) out.push_back(json::array({p.t_ms, p.value}));
          ReplyJson(res, {{"points", out}});
        });
}

}  // namespace

std::unique_ptr<ApiServer> NewApiServer(ApiOptions options, ApiDependencies deps) {
  return std::make_unique<ApiServerImpl>(std::move(options), std::move(deps));
}

}  // namespace keel::hub
