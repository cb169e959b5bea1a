// keel-eval: replays a benchmark (SKAB or NAB) through one detector
// configuration, writes per-row predictions under --out, and prints the
// benchmark score as one JSON line on stdout when labels are available.
// The pipeline lives in src/eval (benchmark_run.h).
// `keel-eval alerts` replays a recorded event stream through the hub's
// incident correlation (hub/alerts alert_replay.h), optionally after the
// hub rules (hub/rules), and prints its report.
#include <CLI/CLI.hpp>
#include <fstream>
#include <iostream>

#include "common/files.h"
#include "common/logging.h"
#include "edge/inference/detector.h"
#include "eval/benchmark_run.h"
#include "eval/detector_params.h"
#include "hub/alerts/alert_replay.h"
#include "hub/rules/rule_engine.h"
#include "hub/topology/topology.h"

namespace {

struct CommonArgs {
  std::string data;
  std::string out;
  std::string detector;
  std::vector<std::string> params;
};

void AddCommon(CLI::App* sub, CommonArgs& args, const char* default_detector) {
  args.detector = default_detector;
  sub->add_option("--data", args.data, "Benchmark directory (searched recursively for *.csv)")
      ->required();
  sub->add_option("--out", args.out, "Output directory (same relative paths)")->required();
  std::string kinds;
  for (const auto& kind : keel::edge::inference::DetectorKinds()) {
    kinds += kinds.empty() ? kind : "|" + kind;
  }
  sub->add_option("--detector", args.detector, "Detector kind (" + kinds + ")");
  sub->add_option("--param", args.params,
                  "Detector parameter name=value (repeatable; smoothed_<kind> passes "
                  "inner.<name> to the wrapped detector)");
}

int Fail(const keel::Status& status) {
  std::cerr << "keel-eval: " << status.ToString() << "\n";
  return 1;
}

struct AlertArgs {
  std::string topology, events, policy, rules;
};

int RunAlerts(const AlertArgs& args) {
  using namespace keel::hub;
  alerts::ReplayOptions options;
  if (!args.policy.empty()) {
    auto text = keel::ReadFile(args.policy);
    if (!text.ok()) return Fail(text.status());
    auto policy = alerts::ParseCorrelationPolicy(*text, args.policy);
    if (!policy.ok()) return Fail(policy.status());
    options.policy = *policy;
  }
  topology::Topology topology;
  if (!args.topology.empty()) {
    auto text = keel::ReadFile(args.topology);
    if (!text.ok()) return Fail(text.status());
    auto parsed = topology::ParseTopology(*text, args.topology);
    if (!parsed.ok()) return Fail(parsed.status());
    topology = std::move(*parsed);
  }
  options.context = [&topology](const std::string& device) {
    return topology::ContextOf(topology, device);
  };
  // Hub rules: the same RuleEngine as keel-hub's "rules" stage, on the
  // replay clock (absence is measured in event time).
  keel::hub::rules::RuleEngine engine;
  if (!args.rules.empty()) {
    auto text = keel::ReadFile(args.rules);
    if (!text.ok()) return Fail(text.status());
    auto rules = rules::ParseRuleSet(*text, args.rules);
    if (!rules.ok()) return Fail(rules.status());
    engine = rules::RuleEngine(std::move(*rules));
    options.derive = [&](const bus::Event* event, int64_t now_ms) {
      if (event == nullptr) return engine.Tick(now_ms);
      return engine.OnEvent(*event, options.context(event->device), now_ms);
    };
  }
  std::ifstream events(args.events);
  if (!events) return Fail(keel::Status::NotFound("cannot read " + args.events));
  auto report = alerts::ReplayAlerts(events, args.events, options);
  if (!report.ok()) return Fail(report.status());
  std::cout << report->dump(2) << std::endl;
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "keel-eval: score Keel's detectors on the SKAB and NAB benchmarks, replay alert streams"};
  app.require_subcommand(1);
  std::string log_level = "warn";
  app.add_option("--log-level", log_level, "trace|debug|info|warn|error");
  CommonArgs skab_args, nab_args;
  std::string labels, profiles;
  CLI::App* skab = app.add_subcommand("skab", "SKAB: fit on each file's first 400 rows");
  AddCommon(skab, skab_args, "pca");
  CLI::App* nab = app.add_subcommand("nab", "NAB: univariate, fit on the probationary rows");
  AddCommon(nab, nab_args, "ewma");
  nab->add_option("--labels", labels, "combined_windows.json (default: found above --data)");
  nab->add_option("--profiles", profiles, "profiles.json (default: found above --data)");
  AlertArgs alert_args;
  CLI::App* alerts = app.add_subcommand(
      "alerts", "Replay a recorded event stream through the hub's incident correlation");
  alerts->add_option("--events", alert_args.events, "Events, JSON Lines (docs/alerts.md)")
      ->required();
  alerts->add_option("--topology", alert_args.topology, "Topology document (docs/topology.md)");
  alerts->add_option("--policy", alert_args.policy, "Correlation policy (default built in)");
  alerts->add_option("--rules", alert_args.rules,
                     "Hub rules evaluated on the stream (docs/hub-rules.md)");
  CLI11_PARSE(app, argc, argv);
  keel::ConfigureLogging(log_level, "keel-eval");
  if (alerts->parsed()) return RunAlerts(alert_args);

  const CommonArgs& args = skab->parsed() ? skab_args : nab_args;
  auto params = keel::eval::ParseDetectorParams(args.params);
  if (!params.ok()) return Fail(params.status());
  const keel::edge::inference::DetectorConfig config{args.detector, *params};
  auto probe = keel::edge::inference::CreateDetector(config);
  if (!probe.ok()) return Fail(probe.status());
  keel::eval::DetectorFactory factory = [config] {
    return keel::edge::inference::CreateDetector(config);
  };

  if (skab->parsed()) {
    keel::eval::SkabRunOptions options;
    options.data_dir = args.data;
    options.out_dir = args.out;
    options.make_detector = factory;
    auto report = keel::eval::RunSkab(options);
    if (!report.ok()) return Fail(report.status());
    std::cout << keel::eval::SkabReportJson(*report) << std::endl;
    return 0;
  }
  keel::eval::NabRunOptions options;
  options.data_dir = args.data;
  options.out_dir = args.out;
  options.make_detector = factory;
  if (!labels.empty()) options.windows_file = labels;
  if (!profiles.empty()) options.profiles_file = profiles;
  auto report = keel::eval::RunNab(options);
  if (!report.ok()) return Fail(report.status());
  std::cout << keel::eval::NabReportJson(*report) << std::endl;
  return 0;
}
