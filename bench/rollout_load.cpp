// keel-bench-rollout: how fast a deployment reaches a fleet, and how fast a
// device that fails the health check runs its previous version again.
// Starts its own keel-hub (same bin directory) with signed updates set up
// by the offline key ceremony, N simulated devices running the device's own
// update code (OtaFleet: enrolled, mTLS polls, signed metadata, A/B slots),
// publishes three versions of a model and prints one JSON object per
// measurement:
//   rollout_enroll     enrolling the fleet
//   rollout_complete   create -> completed for canary 1% + waves 10,50,100
//                      (wave soak 0: the time is the protocol's, not a wait)
//   rollout_rollback   a version failing health on 30% of the devices:
//                      create -> rolled_back, and per failing device the ms
//                      from the failed check to running the previous version
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "bench_hub.h"
#include "bench_stats.h"
#include "cli/keelctl.h"
#include "common/files.h"
#include "common/logging.h"
#include "common/sigpipe_guard.h"
#include "edge/sim/ota_fleet.h"
#include "test_util/temp_dir.h"

namespace keel {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

class Bench {
 public:
  Bench(const Hub& hub, const std::filesystem::path& root) : hub_(hub), root_(root) {}

  json Keelctl(std::vector<std::string> args) const {
    std::vector<std::string> all = {"keelctl",      "--json",
                                    "--hub",        hub_.api,
                                    "--cacert",     (hub_.dir / "pki" / "ca.crt").string(),
                                    "--token-file", (hub_.dir / "admin.token").string()};
    all.insert(all.end(), args.begin(), args.end());
    std::vector<const char*> argv;
    for (const auto& a : all) argv.push_back(a.c_str());
    std::ostringstream out, err;
    if (cli::RunKeelctl(static_cast<int>(argv.size()), argv.data(), out, err) != 0) {
      throw std::runtime_error("keelctl " + args[0] + ": " + err.str());
    }
    return json::parse(out.str());
  }

  void Publish(const std::string& version) const {
    const auto dir = root_ / ("pump-ae-" + version);
    if (!EnsureDirectory(dir).ok()) throw std::runtime_error("mkdir " + dir.string());
    const json manifest = {{"name", "pump-ae"},
                           {"version", version},
                           {"backend", "builtin"},
                           {"inputs", {"vibration.rms", "current.mean"}},
                           {"builtin", {{"kind", "mahalanobis"}, {"params", {{"threshold", 8}}}}},
                           {"health", {{"golden", json::array()}, {"latency_budget_us", 1000}}}};
    if (!WriteFileAtomic(dir / "manifest.json", manifest.dump()).ok()) {
      throw std::runtime_error("write manifest");
    }
    Keelctl({"model", "push", dir.string()});
  }

  // Creates a deployment and steps the fleet until it ends; returns
  // {seconds, rounds, final status}.
  std::tuple<double, int, json> Run(edge::OtaFleet& fleet, std::vector<std::string> create) const {
    create.insert(create.begin(), {"deploy", "create"});
    const auto start = Clock::now();
    const int64_t id = Keelctl(create).value("id", int64_t{0});
    for (int round = 1; round <= 500; ++round) {
      fleet.StepAll();
      json d = Keelctl({"deploy", "status", std::to_string(id)});
      const std::string state = d.value("state", "");
      if (state == "completed" || state == "rolled_back" || state == "aborted") {
        return {SecondsSince(start), round, d};
      }
    }
    throw std::runtime_error("deployment did not end");
  }

 private:
  const Hub& hub_;
  std::filesystem::path root_;
};

int Main(int argc, char** argv) {
  CLI::App app{"keel-bench-rollout: deployment time to a simulated fleet"};
  int devices = 1000, threads = 16;
  app.add_option("--devices", devices, "Fleet size")->check(CLI::Range(1, 100000));
  app.add_option("--threads", threads, "Threads stepping the fleet")->check(CLI::Range(1, 256));
  CLI11_PARSE(app, argc, argv);
  ConfigureLogging("warn", "keel-bench-rollout");
  const auto bin = std::filesystem::canonical("/proc/self/exe").parent_path();
  TempDir tmp;
  {
    const std::vector<std::string> args = {"keelctl",
                                           "keys",
                                           "init",
                                           "--offline",
                                           (tmp.path() / "offline").string(),
                                           "--online",
                                           (tmp.path() / "hub" / "updates").string()};
    std::vector<const char*> argv_c;
    for (const auto& a : args) argv_c.push_back(a.c_str());
    std::ostringstream out, err;
    if (cli::RunKeelctl(static_cast<int>(argv_c.size()), argv_c.data(), out, err) != 0) {
      std::cerr << "keys init: " << err.str();
      return 1;
    }
  }
  Hub hub = StartHub(bin, tmp.path(), {"--update-poll-seconds", "1"});
  Bench bench(hub, tmp.path());
  for (const char* v : {"1.0.0", "1.1.0", "1.2.0"}) bench.Publish(v);

  edge::OtaFleetOptions options;
  options.hub = {hub.api, hub.dir / "pki" / "ca.crt", hub.dir / "admin.token"};
  options.dir = tmp.path() / "fleet";
  options.devices = devices;
  options.threads = threads;
  options.fails_health = [](const std::string& device, const std::string& version) {
    return version == "1.2.0" && edge::DeviceFraction(device) < 0.3;
  };
  auto start = Clock::now();
  auto fleet = edge::OtaFleet::Create(options, SystemClock());
  if (!fleet.ok()) {
    std::cerr << fleet.status().ToString() << "\n";
    return 1;
  }
  std::cout << json{{"name", "rollout_enroll"},
                    {"devices", devices},
                    {"seconds", SecondsSince(start)}}
                   .dump()
            << std::endl;

  bench.Run(**fleet, {"--artifact", "pump-ae@1.0.0", "--canary", "0", "--waves", "100",
                      "--wave-soak", "0s"});
  const std::string canary = std::to_string(std::max(1, devices / 100));
  auto [seconds, rounds, done] =
      bench.Run(**fleet, {"--artifact", "pump-ae@1.1.0", "--canary", canary, "--waves", "10,50,100",
                          "--wave-soak", "0s", "--max-failures", "5%"});
  std::cout << json{{"name", "rollout_complete"},
                    {"devices", devices},
                    {"state", done.value("state", "")},
                    {"committed", done["counts"].value("committed", 0)},
                    {"seconds", seconds},
                    {"rounds", rounds},
                    {"threads", threads}}
                   .dump()
            << std::endl;

  auto [bad_seconds, bad_rounds, bad] =
      bench.Run(**fleet, {"--artifact", "pump-ae@1.2.0", "--canary", canary, "--waves", "10,50,100",
                          "--wave-soak", "0s", "--max-failures", "5%"});
  const auto stats = (*fleet)->stats();
  std::cout << json{{"name", "rollout_rollback"},
                    {"devices", devices},
                    {"state", bad.value("state", "")},
                    {"wave", bad.value("wave", 0)},
                    {"failed", bad["counts"].value("failed", 0)},
                    {"seconds_to_rolled_back", bad_seconds},
                    {"rounds", bad_rounds},
                    {"health_failures", stats.health_failures},
                    {"failed_check_to_previous_version_ms_p50", Percentile(stats.rollback_ms, 0.5)},
                    {"failed_check_to_previous_version_ms_p99",
                     Percentile(stats.rollback_ms, 0.99)}}
                   .dump()
            << std::endl;
  return 0;
}

}  // namespace
}  // namespace keel

int main(int argc, char** argv) {
  keel::IgnoreSigpipeInThisProcess();
  try {
    return keel::Main(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "keel-bench-rollout: " << e.what() << "\n";
    return 1;
  }
}
