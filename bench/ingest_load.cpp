// keel-bench-ingest: measures the whole ingest path as a device fleet sees
// it — MQTT over mutual TLS through the embedded broker into keel-hub's
// store, counted when the hub's application-level ack arrives — and the
// CPU a simulated agent costs, and the latency from a device publishing a
// detection to the incident it opens in the hub. Starts its own keel-hub (from the same bin
// directory) on free loopback ports in a temporary directory and prints one
// JSON object per measurement on stdout.
#include <fmt/format.h>
#include <sys/resource.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <numeric>
#include <thread>

#include "bench_hub.h"
#include "bench_stats.h"
#include "cli/api_client.h"
#include "common/logging.h"
#include "common/random.h"
#include "common/sigpipe_guard.h"
#include "edge/agent/identity.h"
#include "edge/sim/fleet_simulator.h"
#include "mqtt/client.h"
#include "test_util/temp_dir.h"
#include "wire/messages.h"
#include "wire/telemetry_codec.h"
#include "wire/topics.h"

namespace keel {
namespace {

// utime + stime of a process, seconds.
double ProcessCpuSeconds(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string field;
  std::vector<std::string> fields;
  while (in >> field) fields.push_back(field);
  if (fields.size() < 15) return 0;
  return (std::stod(fields[13]) + std::stod(fields[14])) /
         static_cast<double>(sysconf(_SC_CLK_TCK));
}

double SelfCpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

long SelfRssKb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

// One device publishing `messages` pre-encoded batches with at most `window`
// unacknowledged, as fast as the hub acknowledges.
class LoadDevice {
 public:
  LoadDevice(const std::string& id, const std::filesystem::path& identity, const Hub& hub,
             Random& random)
      : id_(id) {
    mqtt::ClientOptions o;
    o.client_id = id;
    o.host = "127.0.0.1";
    o.port = hub.mqtt_port;
    o.ca_file = (identity / "ca.crt").string();
    o.cert_file = (identity / "device.crt").string();
    o.key_file = (identity / "device.key").string();
    o.max_inflight = 1000;
    client_ = std::make_unique<mqtt::Client>(o, SystemClock(), random);
    client_->on_message([this](const mqtt::Message& m) {
      auto ack = wire::DecodeAck(m.payload);
      if (ack.ok()) acked_.store(ack->seq);
    });
    client_->on_connect([this](bool) { (void)client_->Subscribe(wire::CommandFilter(id_), 1); });
  }

  Status Connect() {
    KEEL_RETURN_IF_ERROR(client_->Start());
    for (int i = 0; i < 500 && !client_->connected(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));  // subscription applied
    return client_->connected() ? Status::Ok() : client_->last_error();
  }

  void Run(const std::vector<std::string>& payloads, uint64_t window) {
    const std::string topic = wire::TelemetryTopic(id_);
    uint64_t sent = 0;
    while (acked_.load() < payloads.size()) {
      while (sent < payloads.size() && sent < acked_.load() + window) {
        if (!client_->Publish(topic, payloads[sent], 1, false, "application/cbor").ok()) break;
        ++sent;
      }
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
  }

  // One message, without waiting for its ack.
  Status PublishOne(const std::string& payload) {
    return client_->Publish(wire::TelemetryTopic(id_), payload, 1, false, "application/cbor")
        .status();
  }

  void Stop() { client_->Stop(); }

 private:
  std::string id_;
  std::atomic<uint64_t> acked_{0};
  std::unique_ptr<mqtt::Client> client_;
};

// Registers and enrolls `devices` devices load-NNNN and connects them.
std::vector<std::unique_ptr<LoadDevice>> EnrollFleet(const Hub& hub, const cli::ApiClient& api,
                                                     const std::filesystem::path& dir, int devices,
                                                     Random& random) {
  std::vector<std::unique_ptr<LoadDevice>> fleet;
  for (int d = 0; d < devices; ++d) {
    const std::string id = fmt::format("load-{:04d}", d);
    auto added = api.Post("/api/v1/devices", {{"id", id}});
    if (!added.ok()) throw std::runtime_error(added.status().ToString());
    edge::EnrollRequest request{hub.api, id, (*added)["token"], dir / id, hub.dir / "pki/ca.crt"};
    Status enrolled = edge::Enroll(request);
    if (!enrolled.ok()) throw std::runtime_error(enrolled.ToString());
    fleet.push_back(std::make_unique<LoadDevice>(id, dir / id, hub, random));
    Status connected = fleet.back()->Connect();
    if (!connected.ok()) throw std::runtime_error(connected.ToString());
  }
  return fleet;
}

nlohmann::json MeasureIngest(const std::filesystem::path& bin, int devices, int messages,
                             int series, int points) {
  TempDir tmp;
  Hub hub = StartHub(bin, tmp.path());
  auto api = cli::ApiClient::Create({hub.api, hub.dir / "admin.token", hub.dir / "pki/ca.crt"});
  if (!api.ok()) throw std::runtime_error(api.status().ToString());
  SeededRandom random(1);
  std::vector<std::unique_ptr<LoadDevice>> fleet =
      EnrollFleet(hub, *api, tmp.path(), devices, random);
  if (fleet.empty()) throw std::runtime_error("no devices");
  // Realistic timestamps near now: series of `points` samples 1 ms apart.
  const int64_t t0 = SystemClock().NowMs() - 3'600'000;
  std::vector<std::string> payloads;
  for (int m = 0; m < messages; ++m) {
    wire::TelemetryBatch batch;
    batch.seq = static_cast<uint64_t>(m + 1);
    for (int s = 0; s < series; ++s) {
      wire::Series ser{fmt::format("s{}", s), {}};
      for (int p = 0; p < points; ++p) {
        ser.points.push_back({t0 + m * points + p, 20.0 + 0.001 * p + s});
      }
      batch.series.push_back(std::move(ser));
    }
    payloads.push_back(wire::EncodeTelemetry(batch, wire::Encoding::kCbor));
  }
  const double hub_cpu0 = ProcessCpuSeconds(hub.process->pid());
  const double broker_cpu0 = ProcessCpuSeconds(hub.BrokerPid());
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  for (auto& device : fleet) {
    threads.emplace_back([&, d = device.get()] { d->Run(payloads, 64); });
  }
  for (auto& t : threads) t.join();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const double hub_cpu = ProcessCpuSeconds(hub.process->pid()) - hub_cpu0;
  const double broker_cpu = ProcessCpuSeconds(hub.BrokerPid()) - broker_cpu0;
  for (auto& device : fleet) device->Stop();
  const double total_messages = static_cast<double>(devices) * messages;
  const double total_samples = total_messages * series * points;
  hub.process->KillAndWait(SIGTERM);
  return {{"benchmark", "hub_ingest_mqtt_tls"},
          {"devices", devices},
          {"messages", total_messages},
          {"samples_per_message", series * points},
          {"payload_bytes", payloads[0].size()},
          {"seconds", seconds},
          {"samples_per_s", total_samples / seconds},
          {"messages_per_s", total_messages / seconds},
          {"hub_cpu_s", hub_cpu},
          {"broker_cpu_s", broker_cpu},
          {"samples_per_hub_cpu_s", hub_cpu > 0 ? total_samples / hub_cpu : 0}};
}

// Publish -> incident: a device publishes a detection (sensor_fault.raised
// with a signal of its own, so that under group_by [device, signal] it
// opens an incident of its own) through the broker; the latency is the
// incident's opened_ms (the hub's clock when the correlator opened it)
// minus the wall-clock time just before the publish call, both read on this
// host. It covers the device's MQTT client, the broker, ingest (decode,
// store commit), the bus and the correlator, not the notification delay
// (group_wait, which is policy). One detection at a time, `gap_ms` apart.
nlohmann::json MeasureIncidentLatency(const std::filesystem::path& bin, int devices, int detections,
                                      int gap_ms) {
  TempDir tmp;
  const auto policy = tmp.path() / "alert-policy.json";
  std::ofstream(policy) << R"({"group_by": ["device", "signal"]})";
  Hub hub = StartHub(bin, tmp.path(), {"--alert-policy", policy.string()});
  auto api = cli::ApiClient::Create({hub.api, hub.dir / "admin.token", hub.dir / "pki/ca.crt"});
  if (!api.ok()) throw std::runtime_error(api.status().ToString());
  SeededRandom random(3);
  std::vector<std::unique_ptr<LoadDevice>> fleet =
      EnrollFleet(hub, *api, tmp.path(), devices, random);
  std::vector<double> latencies;
  int missing = 0;
  std::vector<uint64_t> seqs(fleet.size(), 0);
  for (int k = 0; k < detections; ++k) {
    const size_t d = static_cast<size_t>(k) % fleet.size();
    const std::string signal = fmt::format("probe-{}", k);
    wire::TelemetryBatch batch;
    batch.seq = ++seqs[d];
    const int64_t published_ms = SystemClock().NowMs();
    batch.events.push_back({"sensor_fault.raised", published_ms, {{"signal", signal}}});
    const std::string payload = wire::EncodeTelemetry(batch, wire::Encoding::kCbor);
    const int64_t before_ms = SystemClock().NowMs();
    if (!fleet[d]->PublishOne(payload).ok()) throw std::runtime_error("publish failed");
    // Find the incident it opened (newest first); its opened_ms is the hub's.
    int64_t opened_ms = 0;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (opened_ms == 0 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      auto listed = api->Get("/api/v1/incidents?limit=20");
      if (!listed.ok()) continue;
      const nlohmann::json incidents = (*listed)["incidents"];
      for (const auto& incident : incidents) {
        for (const auto& m : incident["members"]) {
          if (m["labels"].value("signal", "") == signal) opened_ms = incident["opened_ms"];
        }
      }
    }
    if (opened_ms == 0) {
      ++missing;
    } else {
      latencies.push_back(static_cast<double>(opened_ms - before_ms));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(gap_ms));
  }
  for (auto& device : fleet) device->Stop();
  hub.process->KillAndWait(SIGTERM);
  if (latencies.empty()) throw std::runtime_error("no incident opened");
  const double mean = std::accumulate(latencies.begin(), latencies.end(), 0.0) /
                      static_cast<double>(latencies.size());
  return {{"benchmark", "publish_to_incident_latency"},
          {"devices", devices},
          {"detections", detections},
          {"missing", missing},
          {"p50_ms", Percentile(latencies, 0.50)},
          {"p90_ms", Percentile(latencies, 0.90)},
          {"p99_ms", Percentile(latencies, 0.99)},
          {"max_ms", *std::max_element(latencies.begin(), latencies.end())},
          {"mean_ms", mean}};
}

nlohmann::json MeasureAgents(const std::filesystem::path& bin, int devices, int seconds) {
  TempDir tmp;
  Hub hub = StartHub(bin, tmp.path());
  edge::FleetOptions options;
  options.hub_url = hub.api;
  options.ca_file = hub.dir / "pki/ca.crt";
  options.token_file = hub.dir / "admin.token";
  options.dir = tmp.path() / "fleet";
  options.devices = devices;
  SeededRandom random(2);
  edge::FleetSimulator fleet(options, SystemClock(), random);
  Status started = fleet.Start();
  if (!started.ok()) throw std::runtime_error(started.ToString());
  std::this_thread::sleep_for(std::chrono::seconds(2));  // enrollment and connect settle
  const double cpu0 = SelfCpuSeconds();
  const uint64_t samples0 = fleet.stats().samples_read;
  std::this_thread::sleep_for(std::chrono::seconds(seconds));
  const double cpu = SelfCpuSeconds() - cpu0;
  const uint64_t samples = fleet.stats().samples_read - samples0;
  fleet.Stop();
  hub.process->KillAndWait(SIGTERM);
  return {{"benchmark", "agent_cpu"},
          {"devices", devices},
          {"seconds", seconds},
          {"samples_per_s_per_device", static_cast<double>(samples) / seconds / devices},
          {"cpu_percent_of_one_core_per_device", 100.0 * cpu / seconds / devices},
          {"process_max_rss_mb", static_cast<double>(SelfRssKb()) / 1024.0}};
}

}  // namespace
}  // namespace keel

int main(int argc, char** argv) {
  keel::IgnoreSigpipeInThisProcess();
  CLI::App app{"keel-bench-ingest: hub ingest through the real broker, and agent CPU"};
  int devices = 20, messages = 200, series = 10, points = 100;
  int agent_devices = 20, agent_seconds = 20;
  int latency_devices = 10, latency_detections = 200, latency_gap_ms = 50;
  app.add_option("--devices", devices, "Publishing devices");
  app.add_option("--messages", messages, "Messages per device");
  app.add_option("--series", series, "Series per message");
  app.add_option("--points", points, "Points per series");
  app.add_option("--agent-devices", agent_devices, "Simulated agents for the CPU measurement");
  app.add_option("--agent-seconds", agent_seconds, "Duration of the CPU measurement");
  app.add_option("--latency-devices", latency_devices, "Devices for publish -> incident latency");
  app.add_option("--latency-detections", latency_detections,
                 "Detections for publish -> incident latency (0: skip)");
  app.add_option("--latency-gap-ms", latency_gap_ms, "Pause between two detections");
  CLI11_PARSE(app, argc, argv);
  keel::ConfigureLogging("error", "bench");
  const auto bin = std::filesystem::read_symlink("/proc/self/exe").parent_path();
  try {
    std::cout << keel::MeasureIngest(bin, devices, messages, series, points).dump() << std::endl;
    std::cout << keel::MeasureAgents(bin, agent_devices, agent_seconds).dump() << std::endl;
    if (latency_detections > 0) {
      std::cout << keel::MeasureIncidentLatency(bin, latency_devices, latency_detections,
                                                latency_gap_ms)
                       .dump()
                << std::endl;
    }
  } catch (const std::exception& e) {
    std::cerr << "keel-bench-ingest: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
