// keel-bench-alerts: the alerting benchmark (issue 5; docs/benchmarks.md,
// "Alerting"; examples/plant-alerts/README.md).
//   generate --out DIR --seed N   writes a simulated plant scenario
//   compare --scenario DIR        Keel's correlation (ReplayAlerts: counts,
//                                 fault coverage, throughput as the median
//                                 of --runs replays) and the real
//                                 prometheus-alertmanager with the
//                                 equivalent configuration fed the same
//                                 events in accelerated time; one JSON
//                                 document on stdout
#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <iostream>
#include <nlohmann/json.hpp>

#include "alerts/alert_scenario.h"
#include "alerts/alertmanager_run.h"
#include "alerts/scenario_check.h"
#include "common/files.h"
#include "common/sigpipe_guard.h"

namespace keel::bench {
namespace {

using nlohmann::json;

template <typename T>
T OrDie(Result<T> result) {
  if (!result.ok()) throw std::runtime_error(result.status().ToString());
  return std::move(result).value();
}

json KeelFigures(const LoadedScenario& scenario, const hub::alerts::CorrelationPolicy& policy,
                 int runs, int64_t drain_ms, const std::string& report_file) {
  std::vector<double> seconds;
  json report;
  for (int i = 0; i < std::max(1, runs); ++i) {
    const auto start = std::chrono::steady_clock::now();
    report = OrDie(ReplayScenario(scenario, policy, drain_ms));
    seconds.push_back(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  if (!report_file.empty()) {
    if (auto status = WriteFileAtomic(report_file, report.dump(1) + "\n"); !status.ok()) {
      throw std::runtime_error(status.ToString());
    }
  }
  std::sort(seconds.begin(), seconds.end());
  const double median = seconds[seconds.size() / 2];
  const auto events = report["events"].get<uint64_t>();
  const auto raw = report["raw_detections"].get<uint64_t>();
  const auto notifications = report["notifications"].get<uint64_t>();
  uint64_t notified = 0;
  for (const auto& incident : report["incidents"]) notified += incident["notified"].get<bool>();
  json faults = json::array();
  uint64_t covered = 0;
  for (const auto& c : CoverFaults(scenario, report)) {
    covered += c.covered();
    faults.push_back(
        {{"id", c.id}, {"kind", c.kind}, {"events", c.events}, {"incidents", c.incidents}});
  }
  return {{"events", events},
          {"raw_detections", raw},
          {"notifications", notifications},
          {"notifications_per_raw_detection",
           raw ? static_cast<double>(notifications) / static_cast<double>(raw) : 0.0},
          {"notifications_by_reason", report["notifications_by_reason"]},
          {"incidents", report["incidents"].size()},
          {"incidents_notified", notified},
          {"faults", scenario.faults.size()},
          {"faults_covered", covered},
          {"fault_coverage", faults},
          {"correlator", report["correlator"]},
          {"replay_runs", seconds.size()},
          {"replay_seconds_median", median},
          {"events_per_second_median", static_cast<double>(events) / median}};
}

int Main(int argc, char** argv) {
  CLI::App app{
      "keel-bench-alerts: Keel's incident correlation vs Alertmanager on a simulated plant"};
  app.require_subcommand(1);

  ScenarioOptions gen;
  std::string out_dir;
  CLI::App* generate = app.add_subcommand("generate", "write a simulated plant scenario");
  generate->add_option("--out", out_dir, "directory for topology.json, events.jsonl, faults.json")
      ->required();
  generate->add_option("--seed", gen.seed, "random seed");
  generate->add_option("--hours", gen.hours, "simulated hours")->check(CLI::Range(2, 168));
  generate->add_option("--devices-per-site", gen.devices_per_site)->check(CLI::Range(4, 500));
  generate
      ->add_option("--blips-per-device-hour", gen.blips_per_device_hour,
                   "false anomaly blips per healthy device and hour")
      ->check(CLI::Range(0.0, 60.0));

  std::string scenario_dir, policy_file, report_file,
      alertmanager = "/usr/bin/prometheus-alertmanager";
  int runs = 5;
  AlertmanagerRunOptions am;
  bool keel_only = false;
  CLI::App* compare = app.add_subcommand("compare", "Keel vs Alertmanager on a scenario");
  compare->add_option("--scenario", scenario_dir, "a directory written by generate")->required();
  compare->add_option("--policy", policy_file, "Keel correlation policy JSON (default: built in)");
  compare->add_option("--runs", runs, "Keel replays for the throughput median")
      ->check(CLI::Range(1, 100));
  compare->add_option("--speedup", am.speedup, "simulated seconds per real second (Alertmanager)")
      ->check(CLI::Range(1.0, 3600.0));
  compare->add_option("--alertmanager", alertmanager, "the Alertmanager executable");
  int64_t keel_drain_ms = -1;
  compare->add_option("--keel-drain-ms", keel_drain_ms,
                      "Keel's replay after the last event, simulated ms (default: group_wait + "
                      "1 s, as keel-eval alerts)");
  compare->add_option("--report", report_file, "write Keel's full replay report (JSON) here");
  compare->add_flag("--keel-only", keel_only, "skip Alertmanager");

  CLI11_PARSE(app, argc, argv);

  if (generate->parsed()) {
    const Scenario s = GenerateScenario(gen);
    if (auto status = WriteScenario(s, out_dir); !status.ok()) {
      throw std::runtime_error(status.ToString());
    }
    std::cerr << "keel-bench-alerts: " << s.events.size() << " events, " << s.faults.size()
              << " faults -> " << out_dir << "\n";
    return 0;
  }

  const LoadedScenario scenario = OrDie(LoadScenario(scenario_dir));
  hub::alerts::CorrelationPolicy policy;
  if (!policy_file.empty()) {
    policy = OrDie(hub::alerts::ParseCorrelationPolicy(OrDie(ReadFile(policy_file)), policy_file));
  }
  json out = {{"scenario", scenario_dir},
              {"keel", KeelFigures(scenario, policy, runs, keel_drain_ms, report_file)}};
  if (!keel_only) {
    am.executable = alertmanager;
    const json figures = OrDie(RunAlertmanager(scenario, policy, am));
    out["alertmanager"] = figures;
    const double keel = out["keel"]["notifications"].get<double>();
    const double theirs = figures["notifications"].get<double>();
    out["alertmanager_notifications_per_keel_notification"] = keel > 0 ? theirs / keel : 0.0;
  }
  std::cout << out.dump() << "\n";
  return 0;
}

}  // namespace
}  // namespace keel::bench

int main(int argc, char** argv) {
  keel::IgnoreSigpipeInThisProcess();
  try {
    return keel::bench::Main(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "keel-bench-alerts: " << e.what() << "\n";
    return 1;
  }
}
