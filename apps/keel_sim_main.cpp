// keel-sim: a fleet of simulated keel-edge agents in one process, with a
// live summary. With --duration it stops by itself, lets every outbox drain
// and exits 0 only if the hub stored every produced sample exactly once.
// With --ota it runs devices that only take part in rollouts (OtaFleet).
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <iostream>
#include <map>
#include <random>
#include <sstream>

#include "cli/api_client.h"
#include "common/logging.h"
#include "common/random.h"
#include "common/sigpipe_guard.h"
#include "common/termination_signals.h"
#include "edge/sim/fleet_simulator.h"
#include "edge/sim/ota_fleet.h"

namespace {

// Sums the samples of every line of `metric` (with or without labels).
double SumMetric(const std::string& text, const std::string& metric) {
  double total = 0;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(metric, 0) != 0) continue;
    const char next = line.size() > metric.size() ? line[metric.size()] : '\0';
    if (next != ' ' && next != '{') continue;
    total += std::stod(line.substr(line.rfind(' ') + 1));
  }
  return total;
}

// The --ota mode: steps an OtaFleet every `step_ms` until a signal or the
// duration, with a summary line of the model versions the devices run.
int RunOtaFleet(keel::edge::OtaFleetOptions options, int64_t step_ms, int duration_s, int summary_s,
                keel::TerminationSignals& signals) {
  std::cout << "keel-sim: enrolling " << options.devices << " OTA devices" << std::endl;
  auto fleet = keel::edge::OtaFleet::Create(std::move(options), keel::SystemClock());
  if (!fleet.ok()) {
    std::cerr << "keel-sim: " << fleet.status().ToString() << "\n";
    return 1;
  }
  const auto start = std::chrono::steady_clock::now();
  auto last_summary = start;
  for (;;) {
    (*fleet)->StepAll();
    const auto now = std::chrono::steady_clock::now();
    const double elapsed = std::chrono::duration<double>(now - start).count();
    if (now - last_summary >= std::chrono::seconds(summary_s)) {
      last_summary = now;
      std::map<std::string, int> versions;
      for (const auto& [device, version] : (*fleet)->ModelVersions()) {
        ++versions[version.empty() ? "none" : version];
      }
      std::string text;
      for (const auto& [version, n] : versions) text += fmt::format(" {}x{}", n, version);
      const auto s = (*fleet)->stats();
      std::cout << fmt::format(
                       "[{:6.1f}s] ota devices run:{} | lost replies {} | health failures {}",
                       elapsed, text, s.lost_replies, s.health_failures)
                << std::endl;
    }
    if (signals.WaitFor(std::chrono::milliseconds(step_ms)) > 0) break;
    if (duration_s > 0 && elapsed >= duration_s) break;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  keel::IgnoreSigpipeInThisProcess();
  CLI::App app{"keel-sim: run a simulated fleet of Keel agents"};
  keel::edge::FleetOptions options;
  std::string ca, token, dir = "sim-data", encoding = "cbor", log_level = "warn";
  int duration_s = 0;
  int summary_s = 5;
  app.add_option("--hub", options.hub_url, "Hub API URL https://HOST:PORT")->required();
  app.add_option("--cacert", ca, "The hub's CA certificate (pki/ca.crt)")->required();
  app.add_option("--token-file", token, "Operator token file (admin.token)")->required();
  app.add_option("--devices", options.devices, "Number of devices")->check(CLI::Range(1, 100000));
  app.add_option("--dir", dir, "Directory for device identities and outboxes");
  app.add_option("--prefix", options.id_prefix, "Device id prefix");
  app.add_option("--interval-ms", options.batch_interval_ms, "Batch interval")
      ->check(CLI::Range(10, 600000));
  app.add_option("--encoding", encoding, "cbor|json")->check(CLI::IsMember({"cbor", "json"}));
  app.add_option("--duration", duration_s, "Stop after this many seconds and verify (0: run)");
  app.add_option("--summary-every", summary_s, "Seconds between summary lines");
  app.add_option("--log-level", log_level, "trace|debug|info|warn|error");
  bool ota = false;
  std::string fail_version;
  double fail_share = 0.3, lost_replies = 0;
  int64_t step_ms = 500;
  app.add_flag("--ota", ota, "Run devices that only take part in rollouts (no sensors)");
  app.add_option("--fail-version", fail_version,
                 "--ota: this model version fails the health check on --fail-share of devices");
  app.add_option("--fail-share", fail_share, "--ota: share of devices (default 0.3)")
      ->check(CLI::Range(0.0, 1.0));
  app.add_option("--lost-replies", lost_replies, "--ota: share of poll replies lost")
      ->check(CLI::Range(0.0, 1.0));
  app.add_option("--step-ms", step_ms, "--ota: pause between polls of every device");
  CLI11_PARSE(app, argc, argv);
  keel::ConfigureLogging(log_level, "keel-sim");
  options.ca_file = ca;
  options.token_file = token;
  options.dir = dir;
  options.encoding = encoding == "json" ? keel::wire::Encoding::kJson : keel::wire::Encoding::kCbor;

  keel::TerminationSignals signals;  // before any thread starts
  if (ota) {
    keel::edge::OtaFleetOptions ota_options;
    ota_options.hub = {options.hub_url, ca, token};
    ota_options.dir = dir;
    ota_options.devices = options.devices;
    ota_options.id_prefix = options.id_prefix;
    ota_options.lost_reply_probability = lost_replies;
    ota_options.fails_health = [fail_version, fail_share](const std::string& device,
                                                          const std::string& version) {
      return !fail_version.empty() && version == fail_version &&
             keel::edge::DeviceFraction(device) < fail_share;
    };
    return RunOtaFleet(std::move(ota_options), step_ms, duration_s, summary_s, signals);
  }

  keel::SeededRandom random(std::random_device{}());
  keel::edge::FleetSimulator fleet(options, keel::SystemClock(), random);
  std::cout << "keel-sim: enrolling and starting " << options.devices << " devices" << std::endl;
  keel::Status started = fleet.Start();
  if (!started.ok()) {
    std::cerr << "keel-sim: " << started.ToString() << "\n";
    return 1;
  }
  auto api = keel::cli::ApiClient::Create({options.hub_url, options.token_file, options.ca_file});

  const auto start = std::chrono::steady_clock::now();
  uint64_t last_samples = 0;
  double last_elapsed = 0;

  for (;;) {
    const int sig = signals.WaitFor(std::chrono::seconds(summary_s));
    const double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const auto s = fleet.stats();
    double stored = 0, rejected = 0;
    if (api.ok()) {
      if (auto metrics = api->GetText("/metrics"); metrics.ok()) {
        stored = SumMetric(*metrics, "keel_store_samples");
        rejected = SumMetric(*metrics, "keel_ingest_rejected_total");
      }
    }
    const double rate = (s.samples_read - last_samples) / std::max(elapsed - last_elapsed, 1e-3);
    std::cout << fmt::format(
                     "[{:6.1f}s] devices connected {}/{} | {:8.0f} samples/s | produced {} | "
                     "stored {:.0f} | rejected {:.0f} | outbox {} | resends {}",
                     elapsed, s.connected, s.devices, rate, s.samples_read, stored, rejected,
                     s.outbox_depth, s.resends)
              << std::endl;
    last_samples = s.samples_read;
    last_elapsed = elapsed;
    if (sig > 0) break;
    if (duration_s > 0 && elapsed >= duration_s) break;
  }

  if (duration_s == 0) {
    fleet.Stop();
    return 0;
  }
  std::cout << "keel-sim: stopping sensors, draining outboxes" << std::endl;
  fleet.StopSampling();
  if (!fleet.WaitDrained(120'000)) std::cout << "keel-sim: outboxes did not drain" << std::endl;
  auto verification = fleet.Verify();
  fleet.Stop();
  if (!verification.ok()) {
    std::cerr << "keel-sim: verification failed: " << verification.status().ToString() << "\n";
    return 1;
  }
  for (const auto& problem : verification->problems) std::cout << "  MISMATCH " << problem << "\n";
  std::cout << fmt::format("keel-sim: {} samples produced, {} stored: {}",
                           verification->samples_produced, verification->samples_stored,
                           verification->exactly_once ? "every sample stored exactly once"
                                                      : "NOT exactly once")
            << std::endl;
  return verification->exactly_once ? 0 : 1;
}
