#include "hub/server/hub_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <functional>

#include "common/endpoint.h"
#include "common/files.h"
#include "crypto/private_key.h"
#include "crypto/tokens.h"
#include "hub/alerts/alert_service.h"
#include "hub/api/api_server.h"
#include "hub/attest/attestation_service.h"
#include "hub/broker/broker_config.h"
#include "hub/broker/broker_supervisor.h"
#include "hub/bus/event_bus.h"
#include "hub/ingest/ingest_service.h"
#include "hub/models/artifact_registry.h"
#include "hub/models/blob_store.h"
#include "hub/notify/notification_dispatcher.h"
#include "hub/rollout/rollout_controller.h"
#include "hub/rules/rule_service.h"
#include "hub/server/hub_pki.h"
#include "hub/store/sqlite_store.h"
#include "hub/topology/topology_service.h"
#include "mqtt/client.h"
#include "tuf/repository.h"
#include "wire/messages.h"
#include "wire/topics.h"

namespace keel::hub {
namespace {

constexpr int64_t kMaintenanceIntervalMs = 60 * 60 * 1000;  // CRL refresh

std::filesystem::path DefaultPluginPath() {
  std::error_code ec;
  const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return {};
  return exe.parent_path().parent_path() / "lib" / "libkeel_mosquitto_plugin.so";
}

// Binds port 0 on `address` to learn a free port.
Result<int> PickFreePort(const std::string& address) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  if (::inet_pton(AF_INET, address.c_str(), &addr.sin_addr) != 1) {
    ::close(fd);
    return Status::InvalidArgument("cannot pick a port on \"" + address + "\" (IPv4 only)");
  }
  socklen_t len = sizeof addr;
  const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
                  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0;
  ::close(fd);
  if (!ok) return Status::Unavailable("cannot bind " + address);
  return static_cast<int>(ntohs(addr.sin_port));
}

bool IsIpAddress(const std::string& text) {
  in6_addr buffer{};
  return ::inet_pton(AF_INET, text.c_str(), &buffer) == 1 ||
         ::inet_pton(AF_INET6, text.c_str(), &buffer) == 1;
}

// The admin token is created once and kept in <data-dir>/admin.token (0600);
// the hub keeps only its hash in memory.
Result<std::string> LoadOrCreateAdminTokenHash(const std::filesystem::path& path) {
  auto existing = ReadFile(path);
  if (existing.ok()) {
    std::string token = *existing;
    while (!token.empty() && (token.back() == '\n' || token.back() == '\r')) token.pop_back();
    if (token.size() < 32) {
      return Status::InvalidArgument(path.string() + ": token is too short (< 32 characters)");
    }
    return crypto::Sha256Hex(token);
  }
  if (existing.status().code() != StatusCode::kNotFound) return existing.status();
  const std::string token = crypto::RandomToken(32);
  KEEL_RETURN_IF_ERROR(WriteFileAtomic(path, token + "\n", std::filesystem::perms(0600)));
  return crypto::Sha256Hex(token);
}

class HubServerImpl : public HubServer {
 public:
  HubServerImpl(HubOptions options, const Clock& clock, Random& random)
      : options_(std::move(options)), clock_(clock), random_(random) {}
  ~HubServerImpl() override { Stop(); }

  Status Start() override;
  void Stop() override;
  HubEndpoints endpoints() const override { return endpoints_; }
  MetricsRegistry& metrics() override { return metrics_; }

 private:
  Status StartBroker(Endpoint* mqtt);
  Status StartMqtt(const Endpoint& mqtt);
  Status PublishRevocations();
  // Refreshes the CRL and the update metadata (hourly).
  void Maintain();
  // Runs `work` every `period` until Stop(); the threads below use it.
  void RunEvery(std::chrono::milliseconds period, const std::function<void()>& work);
  // Subscribes the bus consumers (stages); see its definition.
  Status RegisterBusConsumers();

  HubOptions options_;
  const Clock& clock_;
  Random& random_;
  MetricsRegistry metrics_;
  HubEndpoints endpoints_;

  std::unique_ptr<HubPki> pki_;
  std::unique_ptr<SqliteStore> store_;
  // The hub's event bus (docs/events.md): created before its publishers
  // (ingest_, attestation_, rollouts_), started once RegisterBusConsumers
  // subscribed every consumer, stopped (drained) after ingest_ and before
  // store_ goes away.
  std::unique_ptr<bus::EventBus> bus_;
  std::unique_ptr<attest::AttestationService> attestation_;  // used by ingest_ and api_
  std::unique_ptr<EnrollmentService> enrollment_;
  std::unique_ptr<BrokerSupervisor> broker_;
  std::unique_ptr<mqtt::Client> mqtt_;
  std::unique_ptr<IngestService> ingest_;
  std::unique_ptr<ApiServer> api_;
  std::unique_ptr<tuf::Repository> updates_;  // null until `keelctl keys init` set it up
  std::unique_ptr<BlobStore> blobs_;          // <data-dir>/updates/targets
  std::unique_ptr<ArtifactRegistry> registry_;
  std::unique_ptr<rollout::RolloutController> rollouts_;
  std::filesystem::path revoked_ids_file_;
  // Serializes PublishRevocations: API threads and the maintenance thread
  // rewrite the same files.
  std::mutex revocations_mu_;

  // Opens <data-dir>/updates when it holds root.json (keelctl keys init
  // --online <data-dir>/updates): the signed update repository.
  Status OpenUpdates();

  std::mutex maintenance_mu_;
  std::condition_variable maintenance_wake_;
  bool stopping_ = false;
  std::thread maintenance_;
  std::thread rollout_ticker_;
  std::thread alert_ticker_;
  // Notification routes (--notify-routes): the dispatcher drains the
  // incident outbox every second on notify_ticker_; null without routes.
  std::unique_ptr<notify::Transport> notify_transport_;
  std::unique_ptr<notify::NotificationDispatcher> notify_;
  std::thread notify_ticker_;
  Status OpenNotify();
  std::unique_ptr<topology::TopologyService> topology_;
  std::unique_ptr<alerts::AlertService> alerts_;  // the bus stage "alerts"
  std::unique_ptr<rules::RuleService> rules_;     // the bus stage "rules"
  Status OpenAlerts();
  Status OpenRules();
};

Status HubServerImpl::Start() {
  KEEL_RETURN_IF_ERROR(EnsureDirectory(options_.data_dir, std::filesystem::perms(0700)));
  // Absolute, because the broker runs with its own working directory.
  options_.data_dir = std::filesystem::absolute(options_.data_dir);
  const auto& dir = options_.data_dir;
  std::vector<std::string> names = {"DNS:localhost", "IP:127.0.0.1"};
  for (const auto* address : {&options_.http_address, &options_.mqtt_address}) {
    const std::string name = (IsIpAddress(*address) ? "IP:" : "DNS:") + *address;
    if (*address != "0.0.0.0" && std::find(names.begin(), names.end(), name) == names.end()) {
      names.push_back(name);
    }
  }
  names.insert(names.end(), options_.server_names.begin(), options_.server_names.end());
  KEEL_ASSIGN_OR_RETURN(pki_, HubPki::LoadOrCreate(dir / "pki", names, clock_));
  KEEL_ASSIGN_OR_RETURN(std::string admin_hash, LoadOrCreateAdminTokenHash(dir / "admin.token"));
  KEEL_ASSIGN_OR_RETURN(store_, OpenSqliteStore(dir / "keel.db"));
  enrollment_ =
      std::make_unique<EnrollmentService>(*store_, pki_->ca(), clock_, options_.enrollment);

  revoked_ids_file_ = dir / "broker" / "revoked_ids";
  KEEL_RETURN_IF_ERROR(EnsureDirectory(dir / "broker", std::filesystem::perms(0700)));
  KEEL_RETURN_IF_ERROR(PublishRevocations());

  Endpoint mqtt;
  if (options_.external_broker.empty()) {
    KEEL_RETURN_IF_ERROR(StartBroker(&mqtt));
  } else {
    KEEL_ASSIGN_OR_RETURN(mqtt, ParseEndpoint(options_.external_broker, "mqtts"));
  }

  bus_ = std::make_unique<bus::EventBus>(clock_, metrics_);
  KEEL_ASSIGN_OR_RETURN(
      attestation_, attest::AttestationService::Open(*store_, *store_, *store_, clock_, metrics_,
                                                     {}, bus_.get()));
  IngestOptions ingest_options;
  ingest_options.require_identity_property = options_.external_broker.empty();
  ingest_options.bus = bus_.get();
  ingest_options.is_quarantined = [this](const std::string& device) {
    return attestation_->IsQuarantined(device);
  };
  // rules_ is set in OpenRules, before ingest starts.
  ingest_options.attach_points = [this](const std::string& series) {
    return rules_ && rules_->Watches(series);
  };
  ingest_ = std::make_unique<IngestService>(
      *store_, *store_, clock_, metrics_, ingest_options,
      [this](const std::string& device, uint64_t seq) {
        auto sent = mqtt_->Publish(wire::CommandTopic(device, wire::kAckCommand),
                                   wire::EncodeAck(wire::Ack{seq}), 1);
        if (!sent.ok())
          spdlog::debug("ingest: ack to {} not sent: {}", device, sent.status().ToString());
      });
  enrollment_->SetRevocationListener([this](const std::string& device) {
    ingest_->OnDeviceRevoked(device);
    Status s = PublishRevocations();
    if (!s.ok()) spdlog::error("revocation of {}: {}", device, s.ToString());
  });
  KEEL_RETURN_IF_ERROR(OpenUpdates());
  KEEL_ASSIGN_OR_RETURN(blobs_, BlobStore::Open(options_.data_dir / "updates" / "targets"));
  registry_ = std::make_unique<ArtifactRegistry>(*store_, *blobs_, updates_.get(), clock_);
  KEEL_RETURN_IF_ERROR(registry_->Reconcile().status());
  rollout::RolloutOptions rollout_options;
  rollout_options.poll_interval_ms = options_.update_poll_interval_ms;
  rollout_options.bus = bus_.get();
  // topology_ is opened in OpenAlerts, before the API can create deployments.
  rollout_options.context = [this](const std::string& device) {
    return topology_ ? topology_->ContextOf(device) : DeviceTags{};
  };
  KEEL_ASSIGN_OR_RETURN(rollouts_, rollout::RolloutController::Open(*store_, *store_, *store_,
                                                                    clock_, rollout_options));
  KEEL_RETURN_IF_ERROR(OpenAlerts());
  KEEL_RETURN_IF_ERROR(OpenRules());
  KEEL_RETURN_IF_ERROR(RegisterBusConsumers());
  bus_->Start();
  ingest_->Start();
  KEEL_RETURN_IF_ERROR(StartMqtt(mqtt));
  metrics_.AddCallbackGauge("keel_connected_devices", "Devices whose agent reported itself online",
                            [this] { return static_cast<double>(ingest_->ConnectedDevices()); });
  // Store totals survive restarts, unlike this process's ingest counters.
  metrics_.AddCallbackGauge("keel_store_samples", "Samples in the store", [this] {
    auto stats = store_->Stats();
    return stats.ok() ? static_cast<double>(stats->samples) : -1.0;
  });
  metrics_.AddCallbackGauge(
      "keel_store_duplicates", "Redelivered batches dropped, all time", [this] {
        auto stats = store_->Stats();
        return stats.ok() ? static_cast<double>(stats->duplicates_total) : -1.0;
      });
  metrics_.AddCallbackGauge("keel_store_events", "Device events in the store", [this] {
    auto stats = store_->Stats();
    return stats.ok() ? static_cast<double>(stats->events) : -1.0;
  });
  metrics_.AddCallbackGauge("keel_store_gap_batches",
                            "Batches devices reported dropped from full outboxes, all time",
                            [this] {
                              auto stats = store_->Stats();
                              return stats.ok() ? static_cast<double>(stats->gaps_total) : -1.0;
                            });
  metrics_.AddCallbackGauge(
      "keel_broker_restarts", "Times the supervised broker was restarted",
      [this] { return broker_ ? static_cast<double>(broker_->restarts()) : 0.0; });

  ApiOptions api_options;
  api_options.bind_address = options_.http_address;
  api_options.port = options_.http_port;
  api_options.cert_file = pki_->paths().server_cert;
  api_options.key_file = pki_->paths().server_key;
  api_options.client_ca_file = pki_->paths().ca_cert;
  api_options.admin_token_sha256 = admin_hash;
  api_options.mqtt_url = mqtt.ToString();
  auto health_problem = [this] {
    return mqtt_->connected() ? std::string() : std::string("MQTT disconnected");
  };
  auto send_command = [this](const std::string& device, std::string_view name,
                             const std::string& payload) -> Status {
    return mqtt_->Publish(wire::CommandTopic(device, name), payload, 1).status();
  };
  ApiDependencies deps{*store_, *store_,        *enrollment_, metrics_,
                       clock_,  health_problem, send_command};
  deps.updates = updates_.get();
  deps.update_targets_dir = blobs_->dir();
  deps.registry = registry_.get();
  deps.blobs = blobs_.get();
  deps.rollouts = rollouts_.get();
  deps.rollout_store = store_.get();
  deps.attestation = attestation_.get();
  deps.alerts = alerts_.get();
  deps.incident_store = store_.get();
  deps.topology = topology_.get();
  deps.rules = rules_.get();
  api_ = NewApiServer(api_options, std::move(deps));
  KEEL_RETURN_IF_ERROR(api_->Start());

  endpoints_.api_url =
      Endpoint{"https", options_.http_address == "0.0.0.0" ? "127.0.0.1" : options_.http_address,
               api_->port()}
          .ToString();
  endpoints_.mqtt_url = mqtt.ToString();
  endpoints_.ca_cert = pki_->paths().ca_cert;
  endpoints_.admin_token = dir / "admin.token";
  maintenance_ = std::thread([this] {
    RunEvery(std::chrono::milliseconds(kMaintenanceIntervalMs), [this] { Maintain(); });
  });
  // The rollout controller (timeouts, gates, waves) and the alert correlator
  // (group_wait, repeats, auto-resolve) are ticked every second, each on its
  // own thread so that a slow one never delays the other.
  rollout_ticker_ = std::thread([this] {
    RunEvery(std::chrono::seconds(1), [this] {
      Status ticked = rollouts_->Tick();
      if (!ticked.ok()) spdlog::error("hub: rollout tick: {}", ticked.ToString());
    });
  });
  alert_ticker_ = std::thread([this] {
    RunEvery(std::chrono::seconds(1), [this] {
      rules_->Tick();
      alerts_->Tick();
    });
  });
  KEEL_RETURN_IF_ERROR(OpenNotify());
  spdlog::info("hub: API {} MQTT {} data {}", endpoints_.api_url, endpoints_.mqtt_url,
               dir.string());
  return Status::Ok();
}

Status HubServerImpl::StartBroker(Endpoint* mqtt) {
  int port = options_.mqtt_port;
  if (port == 0) {
    KEEL_ASSIGN_OR_RETURN(port, PickFreePort(options_.mqtt_address));
  }
  BrokerConfig config;
  config.bind_address = options_.mqtt_address;
  config.port = port;
  config.dir = options_.data_dir / "broker";
  config.ca_file = pki_->paths().ca_cert;
  config.cert_file = pki_->paths().server_cert;
  config.key_file = pki_->paths().server_key;
  config.crl_file = pki_->paths().crl;
  config.plugin_path =
      options_.broker_plugin.empty() ? DefaultPluginPath() : options_.broker_plugin;
  if (!std::filesystem::exists(config.plugin_path)) {
    return Status::FailedPrecondition("broker plugin not found at " + config.plugin_path.string() +
                                      " (revocation and identity stamping need it)");
  }
  config.revoked_ids_file = revoked_ids_file_;
  broker_ = std::make_unique<BrokerSupervisor>(config, clock_);
  KEEL_RETURN_IF_ERROR(broker_->Start());
  const std::string host = options_.mqtt_address == "0.0.0.0" ? "127.0.0.1" : options_.mqtt_address;
  *mqtt = Endpoint{"mqtts", host, port};
  return Status::Ok();
}

Status HubServerImpl::StartMqtt(const Endpoint& mqtt) {
  mqtt::ClientOptions client_options;
  client_options.client_id = "keel-hub-ingest";
  client_options.host = mqtt.host;
  client_options.port = mqtt.port;
  client_options.ca_file = options_.external_broker_ca.empty()
                               ? pki_->paths().ca_cert.string()
                               : options_.external_broker_ca.string();
  client_options.cert_file = pki_->paths().client_cert.string();
  client_options.key_file = pki_->paths().client_key.string();
  // A persistent session: while the hub restarts, the broker queues what
  // devices send (the device outbox covers whatever the broker loses).
  client_options.clean_start = false;
  client_options.session_expiry_s = 24 * 3600;
  client_options.reconnect_min_ms = 100;
  client_options.reconnect_max_ms = 5000;
  client_options.max_inflight = 1000;
  mqtt_ = std::make_unique<mqtt::Client>(client_options, clock_, random_);
  mqtt_->on_message([this](const mqtt::Message& m) { ingest_->OnMessage(m); });
  mqtt_->on_connect([this](bool /*session_present*/) {
    for (std::string_view filter :
         {wire::kAllTelemetryFilter, wire::kAllEventsFilter, wire::kAllStateFilter}) {
      Status s = mqtt_->Subscribe("$share/keel-hub/" + std::string(filter), 1);
      if (!s.ok()) spdlog::error("hub: subscribe {}: {}", filter, s.ToString());
    }
  });
  KEEL_RETURN_IF_ERROR(mqtt_->Start());
  // Report ready only once ingest is subscribed, unless the broker is slow:
  // then the client keeps retrying in the background and /healthz says so.
  const int64_t deadline = clock_.MonotonicMs() + 5000;
  while (!mqtt_->connected() && clock_.MonotonicMs() < deadline) clock_.SleepMs(20);
  if (!mqtt_->connected()) {
    spdlog::warn("hub: not yet connected to the broker: {}", mqtt_->last_error().ToString());
  }
  return Status::Ok();
}

Status HubServerImpl::PublishRevocations() {
  std::lock_guard lock(revocations_mu_);
  KEEL_ASSIGN_OR_RETURN(auto revoked, store_->ListRevokedCertificates());
  std::vector<crypto::RevokedCertificate> entries;
  for (const auto& r : revoked) entries.push_back({r.serial_hex, r.revoked_ms});
  KEEL_RETURN_IF_ERROR(pki_->WriteCrl(entries));
  KEEL_ASSIGN_OR_RETURN(auto ids, store_->ListRevokedDeviceIds());
  std::string text;
  for (const auto& id : ids) text += id + "\n";
  KEEL_RETURN_IF_ERROR(WriteFileAtomic(revoked_ids_file_, text));
  if (broker_) return broker_->Reload();
  return Status::Ok();
}

Status HubServerImpl::OpenUpdates() {
  const auto dir = options_.data_dir / "updates";
  if (!std::filesystem::exists(dir / "root.json")) {
    spdlog::info("hub: signed updates not set up ({} has no root.json)", dir.string());
    return Status::Ok();
  }
  auto load = [&](const char* name) { return crypto::PrivateKey::LoadFile(dir / name); };
  KEEL_ASSIGN_OR_RETURN(auto targets, load("targets.pem"));
  KEEL_ASSIGN_OR_RETURN(auto snapshot, load("snapshot.pem"));
  KEEL_ASSIGN_OR_RETURN(auto timestamp, load("timestamp.pem"));
  KEEL_RETURN_IF_ERROR(EnsureDirectory(dir / "targets", std::filesystem::perms(0700)));
  KEEL_ASSIGN_OR_RETURN(
      updates_, tuf::Repository::Open(
                    dir, {std::move(targets), std::move(snapshot), std::move(timestamp)}, clock_));
  KEEL_RETURN_IF_ERROR(updates_->Refresh().status());
  spdlog::info("hub: signed updates from {}", dir.string());
  return Status::Ok();
}

// ---- Bus consumers -------------------------------------------------------
// Every consumer of the hub's events subscribes here, as one stage of
// bus_ (bus::EventBus::Subscribe: its own bounded queue and thread; pick
// its capacity, max_block_ms and filter). Called once from Start, after
// store_, attestation_, ingest_ (not yet started), registry_ and rollouts_
// exist and before the bus, ingest and the API start, so no event is
// published before a consumer is subscribed. The API is not up yet.
// Stages are named after their consumer ("alerts", "twin", ...): the name
// is the `stage` label of the keel_bus_* metrics.
Status HubServerImpl::OpenAlerts() {
  KEEL_ASSIGN_OR_RETURN(topology_, topology::TopologyService::Open(*store_, *store_, clock_));
  alerts::CorrelationPolicy policy;
  if (!options_.alert_policy.empty()) {
    KEEL_ASSIGN_OR_RETURN(std::string text, ReadFile(options_.alert_policy));
    KEEL_ASSIGN_OR_RETURN(policy,
                          alerts::ParseCorrelationPolicy(text, options_.alert_policy.string()));
  }
  KEEL_ASSIGN_OR_RETURN(
      alerts_,
      alerts::AlertService::Open(
          *store_, [this](const std::string& device) { return topology_->ContextOf(device); },
          clock_, metrics_, std::move(policy)));
  return Status::Ok();
}

// The hub rules (hub/rules): from --rules FILE, else kept by the API in
// <data-dir>/rules.json. What they detect goes back onto the bus.
Status HubServerImpl::OpenRules() {
  rules::RuleServiceOptions rule_options;
  rule_options.file = options_.rules;
  rule_options.state_path = options_.data_dir / "rules.json";
  KEEL_ASSIGN_OR_RETURN(
      rules_,
      rules::RuleService::Open(
          rule_options, [this](const std::string& device) { return topology_->ContextOf(device); },
          [this](bus::Event event) { bus_->Publish(std::move(event)); }, clock_, metrics_));
  // Absence rules also watch the devices that never report after a restart.
  KEEL_ASSIGN_OR_RETURN(auto devices, store_->ListDevices());
  for (const auto& device : devices) {
    if (device.state == DeviceState::kActive) rules_->Track(device.id);
  }
  return Status::Ok();
}

// Delivers the incidents' notifications through the routes of
// --notify-routes (docs/alerts.md, "Notification routes"), on its own
// thread so that a slow receiver never delays the correlator.
Status HubServerImpl::OpenNotify() {
  if (options_.notify_routes.empty()) return Status::Ok();
  KEEL_ASSIGN_OR_RETURN(std::string text, ReadFile(options_.notify_routes));
  KEEL_ASSIGN_OR_RETURN(notify::RoutesConfig routes,
                        notify::ParseNotifyRoutes(text, options_.notify_routes.string()));
  KEEL_RETURN_IF_ERROR(notify::LoadRouteSecrets(routes));
  notify_transport_ = notify::NewTlsTransport();
  KEEL_ASSIGN_OR_RETURN(
      notify_, notify::NotificationDispatcher::Open(std::move(routes), *store_, *notify_transport_,
                                                    clock_, random_, metrics_));
  notify_ticker_ =
      std::thread([this] { RunEvery(std::chrono::seconds(1), [this] { notify_->Poll(); }); });
  return Status::Ok();
}

Status HubServerImpl::RegisterBusConsumers() {
  // Contextual alerting sees everything but telemetry summaries, which are
  // never alerts and are the bulk of the bus.
  bus::EventBus::SubscriberOptions alerting;
  alerting.stage = "alerts";
  alerting.filter = [](const bus::Event& e) { return e.kind != bus::EventKind::kTelemetry; };
  KEEL_RETURN_IF_ERROR(bus_->Subscribe(
      std::move(alerting), [this](const bus::Event& event) { alerts_->OnEvent(event); }));
  // The rules read what devices report (telemetry with the samples of the
  // series they watch, detections, events), never what the rules emitted.
  bus::EventBus::SubscriberOptions ruling;
  ruling.stage = "rules";
  ruling.filter = [this](const bus::Event& e) {
    if (!rules_->active() || e.device.empty() || e.data.value("source", "") == "hub") return false;
    return e.kind == bus::EventKind::kTelemetry || e.kind == bus::EventKind::kDetection ||
           e.kind == bus::EventKind::kDeviceEvent || e.kind == bus::EventKind::kDeviceOnline;
  };
  return bus_->Subscribe(std::move(ruling),
                         [this](const bus::Event& event) { rules_->OnEvent(event); });
}

void HubServerImpl::RunEvery(std::chrono::milliseconds period, const std::function<void()>& work) {
  std::unique_lock lock(maintenance_mu_);
  while (!maintenance_wake_.wait_for(lock, period, [this] { return stopping_; })) {
    lock.unlock();
    work();
    lock.lock();
  }
}

void HubServerImpl::Maintain() {
  Status s = PublishRevocations();
  if (!s.ok()) spdlog::error("hub: CRL refresh: {}", s.ToString());
  if (updates_) {
    auto refreshed = updates_->Refresh();
    if (!refreshed.ok())
      spdlog::error("hub: update metadata refresh: {}", refreshed.status().ToString());
  }
}

void HubServerImpl::Stop() {
  {
    std::lock_guard lock(maintenance_mu_);
    stopping_ = true;
  }
  maintenance_wake_.notify_all();
  if (maintenance_.joinable()) maintenance_.join();
  if (rollout_ticker_.joinable()) rollout_ticker_.join();
  if (alert_ticker_.joinable()) alert_ticker_.join();
  if (notify_ticker_.joinable()) notify_ticker_.join();
  if (api_) api_->Stop();
  if (mqtt_) mqtt_->Stop();
  if (ingest_) ingest_->Stop();
  if (bus_) bus_->Stop();  // after its last publishers; drains what is queued
  if (broker_) broker_->Stop();
}

}  // namespace

std::unique_ptr<HubServer> NewHubServer(HubOptions options, const Clock& clock, Random& random) {
  return std::make_unique<HubServerImpl>(std::move(options), clock, random);
}

}  // namespace keel::hub
