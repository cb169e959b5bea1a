#include "edge/sim/fleet_simulator.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "cli/api_client.h"
#include "common/endpoint.h"
#include "edge/agent/identity.h"

namespace keel::edge {
namespace {

SignalConfig Signal(std::string name, std::string unit, double rate_hz, Waveform waveform,
                    double offset, double amplitude, double period_s, double noise) {
  SignalConfig s;
  s.name = std::move(name);
  s.unit = std::move(unit);
  s.rate_hz = rate_hz;
  s.waveform = waveform;
  s.offset = offset;
  s.amplitude = amplitude;
  s.period_s = period_s;
  s.noise_stddev = noise;
  return s;
}

Result<cli::ApiClient> Api(const FleetOptions& options) {
  return cli::ApiClient::Create({options.hub_url, options.token_file, options.ca_file});
}

}  // namespace

std::vector<SensorConfig> DefaultMotorSensors() {
  SensorConfig motor;
  motor.kind = "simulated";
  motor.name = "motor";
  motor.signals = {Signal("temperature", "degC", 1, Waveform::kSine, 45, 3, 600, 0.1),
                   Signal("vibration_rms", "mm/s", 10, Waveform::kRandomWalk, 2.5, 0.05, 60, 0.02),
                   Signal("current", "A", 10, Waveform::kSine, 12, 1.5, 30, 0.05)};
  return {motor};
}

FleetSimulator::FleetSimulator(FleetOptions options, const Clock& clock, Random& random)
    : options_(std::move(options)), clock_(clock), random_(random) {
  if (options_.sensors.empty()) options_.sensors = DefaultMotorSensors();
}

FleetSimulator::~FleetSimulator() { Stop(); }

std::vector<std::string> FleetSimulator::device_ids() const {
  std::vector<std::string> ids;
  for (int i = 1; i <= options_.devices; ++i) {
    ids.push_back(fmt::format("{}-{:04d}", options_.id_prefix, i));
  }
  return ids;
}

Status EnsureEnrolled(const HubAccess& hub, const std::string& id,
                      const std::filesystem::path& dir) {
  if (std::filesystem::exists(IdentityPaths(dir).cert)) return Status::Ok();
  KEEL_ASSIGN_OR_RETURN(auto api,
                        cli::ApiClient::Create({hub.hub_url, hub.token_file, hub.ca_file}));
  auto added = api.Post("/api/v1/devices", {{"id", id}});
  if (!added.ok() && added.status().code() == StatusCode::kAlreadyExists) {
    added = api.Post("/api/v1/devices/" + id + "/token", nlohmann::json::object());
  }
  if (!added.ok()) return added.status().WithContext("register " + id);
  EnrollRequest request;
  request.hub_url = hub.hub_url;
  request.device_id = id;
  request.token = (*added)["token"].get<std::string>();
  request.dir = dir;
  request.ca_file = hub.ca_file;
  return Enroll(request).WithContext("enroll " + id);
}

Status FleetSimulator::EnsureIdentity(const std::string& id, const std::filesystem::path& dir) {
  return EnsureEnrolled({options_.hub_url, options_.ca_file, options_.token_file}, id, dir);
}

Status FleetSimulator::Start() {
  KEEL_ASSIGN_OR_RETURN(auto api, Api(options_));
  KEEL_ASSIGN_OR_RETURN(auto info, api.Get("/api/v1/info"));
  KEEL_ASSIGN_OR_RETURN(const Endpoint mqtt, ParseEndpoint(options_.mqtt_url_override.empty()
                                                               ? info.value("mqtt_url", "")
                                                               : options_.mqtt_url_override,
                                                           "mqtts"));
  KEEL_ASSIGN_OR_RETURN(const Endpoint api_endpoint, ParseEndpoint(options_.hub_url, "https"));
  for (const auto& id : device_ids()) {
    const auto dir = options_.dir / id;
    KEEL_RETURN_IF_ERROR(EnsureIdentity(id, dir));
    AgentConfig config;
    config.device.id = id;
    config.device.dir = dir;
    config.hub.mqtt = mqtt;
    config.hub.api = api_endpoint;
    config.outbox.path = dir / "outbox.db";
    config.outbox.max_batches = options_.outbox_max_batches;
    config.batch.interval_ms = options_.batch_interval_ms;
    config.batch.encoding =
        options_.encoding == wire::Encoding::kJson ? BatchEncoding::kJson : BatchEncoding::kCbor;
    config.mqtt.reconnect_min_ms = options_.reconnect_min_ms;
    config.mqtt.reconnect_max_ms = options_.reconnect_max_ms;
    config.mqtt.ack_timeout_ms = options_.ack_timeout_ms;
    config.sensors = options_.sensors;
    auto agent = std::make_unique<Agent>(std::move(config), clock_, random_);
    KEEL_RETURN_IF_ERROR(agent->Start().WithContext(id));
    agents_.push_back(std::move(agent));
  }
  return Status::Ok();
}

void FleetSimulator::StopSampling() {
  for (auto& agent : agents_) agent->StopSampling();
}

bool FleetSimulator::WaitDrained(int64_t timeout_ms) {
  const int64_t deadline = clock_.MonotonicMs() + timeout_ms;
  while (clock_.MonotonicMs() < deadline) {
    if (stats().outbox_depth == 0) return true;
    clock_.SleepMs(100);
  }
  return stats().outbox_depth == 0;
}

void FleetSimulator::Stop() {
  for (auto& agent : agents_) agent->Stop();
}

FleetStats FleetSimulator::stats() const {
  FleetStats out;
  for (const auto& agent : agents_) {
    const AgentStats s = agent->stats();
    ++out.devices;
    out.connected += s.connected ? 1 : 0;
    out.samples_read += s.samples_read;
    out.batches_appended += s.batches_appended;
    out.outbox_depth += s.outbox.depth;
    out.resends += s.resends;
    out.renewals += s.renewals;
    out.dropped += s.outbox.dropped_total;
    out.highest_seq = std::max(out.highest_seq, s.outbox.next_seq - 1);
  }
  return out;
}

Result<FleetVerification> FleetSimulator::Verify() const {
  KEEL_ASSIGN_OR_RETURN(auto api, Api(options_));
  FleetVerification out;
  for (const auto& agent : agents_) {
    const AgentStats s = agent->stats();
    const std::string& id = agent->device_id();
    KEEL_ASSIGN_OR_RETURN(auto device, api.Get("/api/v1/devices/" + id));
    KEEL_ASSIGN_OR_RETURN(auto series, api.Get("/api/v1/devices/" + id + "/series"));
    uint64_t points = 0;
    for (const auto& name : series["series"]) {
      // Page through the series: one read is capped by the API.
      int64_t from = 0;
      for (;;) {
        KEEL_ASSIGN_OR_RETURN(auto read, api.Get(fmt::format("/api/v1/devices/{}/series/{}?from={}",
                                                             id, name.get<std::string>(), from)));
        const auto& page = read["points"];
        if (page.empty()) break;
        points += page.size();
        from = page.back()[0].get<int64_t>() + 1;
      }
    }
    const uint64_t stored = device.value("samples_stored", uint64_t{0});
    const uint64_t acked = device.value("acked_seq", uint64_t{0});
    out.samples_produced += s.samples_read;
    out.samples_stored += points;
    if (points != s.samples_read || stored != s.samples_read || acked + 1 != s.outbox.next_seq ||
        s.outbox.depth != 0) {
      out.problems.push_back(fmt::format(
          "{}: produced {} samples in {} batches; hub stored {} (points readable {}), "
          "acked seq {}, outbox depth {}",
          id, s.samples_read, s.outbox.next_seq - 1, stored, points, acked, s.outbox.depth));
    }
  }
  out.exactly_once = out.problems.empty();
  return out;
}

}  // namespace keel::edge
