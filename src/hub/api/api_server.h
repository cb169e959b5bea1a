// ApiServer: the hub's HTTPS API (docs/api.md).
//
// TLS only, with the hub's server certificate. Client certificates are
// requested and verified against the device CA but optional, because an
// enrolling device has none yet:
//   POST /api/v1/enroll                   one-time token + CSR -> certificate
//   POST /api/v1/renew                    requires a device client certificate
// Operator endpoints require `Authorization: Bearer <admin token>`:
//   GET  /api/v1/devices                  POST /api/v1/devices {"id": ...}
//   GET  /api/v1/devices/{id}             POST /api/v1/devices/{id}/token
//   POST /api/v1/devices/{id}/revoke      GET  /api/v1/devices/{id}/series
//   GET  /api/v1/devices/{id}/series/{name}?from=<ms>&to=<ms>&limit=<n>
//        ({name} may contain '/', sent as is or percent-encoded)
//   GET  /api/v1/events?device=&type=&from=&to=&limit=   (event_routes.h)
//   GET  /api/v1/devices/{id}/events?type=&from=&to=&limit=
//   GET  /api/v1/info                     {"mqtt_url": ..., "version": ...}
//   POST /api/v1/blobs  POST /api/v1/artifacts  GET /api/v1/artifacts[/{name}/{version}]
//        (artifact_routes.h)
//   POST|GET /api/v1/deployments[/{id}[/{action}]]  POST /api/v1/devices/{id}/tags
//        (rollout_routes.h)
//   GET /api/v1/incidents[/{id}]  POST /api/v1/incidents/{id}/{ack|resolve|label}
//   GET|POST /api/v1/silences  DELETE /api/v1/silences/{id}  GET /api/v1/notifications
//        (incident_routes.h)
//   GET|PUT /api/v1/topology  GET /api/v1/devices/{id}/context (topology_routes.h)
//   GET|PUT /api/v1/rules (api_server.cpp, RuleRoutes)
//   GET  /metrics (Prometheus text)
// Device endpoints require the client certificate of a device that is not
// revoked (update_routes.h):
//   GET  /api/v1/updates/metadata/{file}   GET /api/v1/updates/targets/{name}
//   POST /api/v1/updates/poll (rollout_routes.h)
//   POST /api/v1/attest/nonce  POST /api/v1/attest (attest_routes.h)
// Unauthenticated: GET /healthz.
// Request bodies are limited to max_body_bytes (413 beyond, before the body
// is read), except blob uploads: max_upload_bytes, accepted only with a
// valid bearer token, checked before the body is read.
// Errors are JSON: {"error": {"code": "<StatusCode name>", "message": "..."}}.
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "common/clock.h"
#include "common/metrics.h"
#include "common/status.h"
#include "hub/alerts/alert_service.h"
#include "hub/attest/attestation_service.h"
#include "hub/models/artifact_registry.h"
#include "hub/models/blob_store.h"
#include "hub/registry/enrollment_service.h"
#include "hub/rollout/rollout_controller.h"
#include "hub/rules/rule_service.h"
#include "hub/store/device_store.h"
#include "hub/store/incident_store.h"
#include "hub/store/rollout_store.h"
#include "hub/store/telemetry_store.h"
#include "hub/topology/topology_service.h"
#include "tuf/repository.h"

namespace keel::hub {

struct ApiOptions {
  std::string bind_address = "127.0.0.1";
  int port = 8443;  // 0 picks a free port
  std::filesystem::path cert_file, key_file, client_ca_file;
  std::string admin_token_sha256;  // hex SHA-256 of the operator bearer token
  std::string mqtt_url;            // where devices connect, reported by GET /api/v1/info
  size_t max_body_bytes = 64 * 1024;
  size_t max_upload_bytes = size_t{1} << 30;
  size_t max_points_per_read = 100000;
  int threads = 8;
};

struct ApiDependencies {
  DeviceStore& devices;
  TelemetryStore& telemetry;
  EnrollmentService& enrollment;
  MetricsRegistry& metrics;
  const Clock& clock;
  // Extra health detail (e.g. broker up); empty string means healthy.
  std::function<std::string()> health_problem;
  // Publishes keel/v1/<device>/cmd/<name> (QoS 1); null: commands are
  // answered Unavailable.
  std::function<Status(const std::string& device, std::string_view name,
                       const std::string& payload)>
      send_command;
  // The signed update repository and its content-addressed target files;
  // null: the update endpoints answer FailedPrecondition (not set up).
  const tuf::Repository* updates = nullptr;
  std::filesystem::path update_targets_dir = {};
  // The artifact registry and the blobs it publishes from; null: the
  // artifact endpoints answer FailedPrecondition.
  ArtifactRegistry* registry = nullptr;
  BlobStore* blobs = nullptr;
  // Deployments and device tags; null: those endpoints answer
  // FailedPrecondition.
  rollout::RolloutController* rollouts = nullptr;
  RolloutStore* rollout_store = nullptr;
  // Measured-load attestation; null: the attest endpoints answer
  // FailedPrecondition and no device is quarantined.
  attest::AttestationService* attestation = nullptr;
  // Contextual alerting (incidents, silences) and its notification outbox;
  // null: those endpoints answer FailedPrecondition.
  alerts::AlertService* alerts = nullptr;
  IncidentStore* incident_store = nullptr;
  // The topology and device context; null: those endpoints answer
  // FailedPrecondition.
  topology::TopologyService* topology = nullptr;
  // The hub rules; null: those endpoints answer FailedPrecondition.
  rules::RuleService* rules = nullptr;
};

class ApiServer {
 public:
  virtual ~ApiServer() = default;
  // Binds and serves on background threads. Fails if TLS material cannot be
  // loaded or the port cannot be bound.
  virtual Status Start() = 0;
  virtual void Stop() = 0;
  // The bound port (after Start).
  virtual int port() const = 0;
};

std::unique_ptr<ApiServer> NewApiServer(ApiOptions options, ApiDependencies deps);

}  // namespace keel::hub
