// HubServer: one keel-hub process. Owns the data directory and wires the
// components together:
//
//   HubPki ─ EnrollmentService ─ ApiServer (HTTPS)
//   BrokerSupervisor (embedded mosquitto) or an external MQTT 5 broker
//   mqtt::Client (hub identity) ─ IngestService ─ SqliteStore
//   IngestService, AttestationService, RolloutController ─ bus::EventBus ─
//     the consumers subscribed in RegisterBusConsumers (hub_server.cpp)
//
// Data directory layout: pki/ (see hub_pki.h), broker/ (config, ACL, log,
// persistence, revoked list), keel.db, admin.token (0600).
#pragma once

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "common/clock.h"
#include "common/metrics.h"
#include "common/random.h"
#include "common/status.h"
#include "hub/registry/enrollment_service.h"

namespace keel::hub {

struct HubOptions {
  std::filesystem::path data_dir = "keel-data";
  std::string http_address = "127.0.0.1";
  int http_port = 8443;  // 0: any free port
  std::string mqtt_address = "127.0.0.1";
  int mqtt_port = 8883;  // embedded broker listener; 0: any free port
  // "mqtts://host:port" to use an external broker instead of the embedded one.
  std::string external_broker;
  std::filesystem::path external_broker_ca;  // default: pki/ca.crt
  // Extra names for the server certificate ("DNS:hub.example", "IP:10.0.0.5").
  std::vector<std::string> server_names;
  std::filesystem::path broker_plugin;  // default: next to the executable
  EnrollmentOptions enrollment;
  // How often devices poll for update directives (told in every poll reply).
  int64_t update_poll_interval_ms = 30'000;
  // How alerts become incidents (hub/alerts CorrelationPolicy, JSON); empty:
  // the defaults (docs/alerts.md).
  std::filesystem::path alert_policy;
  // The hub rules (hub/rules RuleSet, JSON); empty: the API manages them,
  // kept in <data_dir>/rules.json (docs/hub-rules.md).
  std::filesystem::path rules;
  // Where incidents are notified (hub/notify routes, JSON); empty: nowhere,
  // notifications stay in the outbox (docs/alerts.md, "Notification routes").
  std::filesystem::path notify_routes;
};

struct HubEndpoints {
  std::string api_url;   // https://host:port
  std::string mqtt_url;  // mqtts://host:port
  std::filesystem::path ca_cert, admin_token;
};

class HubServer {
 public:
  virtual ~HubServer() = default;
  virtual Status Start() = 0;
  // Stops the API, drains ingest, disconnects, drains the event bus, stops
  // the embedded broker.
  virtual void Stop() = 0;
  virtual HubEndpoints endpoints() const = 0;
  virtual MetricsRegistry& metrics() = 0;
};

std::unique_ptr<HubServer> NewHubServer(HubOptions options, const Clock& clock, Random& random);

}  // namespace keel::hub
