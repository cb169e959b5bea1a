// keel-bench-edge (edge_load.h): one JSON object per measurement on stdout;
// exits 1 with the reason on stderr when a measurement cannot run.
#include "edge_load.h"

#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <iostream>
#include <string>

#include "common/logging.h"
#include "common/sigpipe_guard.h"
#include "unit/edge/analytics/pump_config.h"

namespace keel::bench {

double LoadAverage1m() {
  double load[1] = {0};
  return getloadavg(load, 1) == 1 ? load[0] : -1;
}

std::string PumpSchedule(int seconds) {
  std::string schedule = "on@0s";
  for (int cycle = 0; cycle * 120 + 100 < seconds; ++cycle) {
    schedule += fmt::format(";off@{}s;on@{}s", cycle * 120 + 100, cycle * 120 + 120);
  }
  return schedule;
}

std::string PumpAnalyticsToml(const std::string& rules) {
  std::string section = kPumpAnalytics;
  const std::string head = "[analytics]\n";
  const auto at = section.find(head);
  if (!rules.empty() && at != std::string::npos) {
    section.insert(at + head.size(), fmt::format("rules = \"{}\"\n", rules));
  }
  return section;
}

std::string PumpRulesToml(bool gpio) {
  const std::string vibration_actions = gpio ? R"(["publish", "gpio:alarm-lamp", "command:notify"])"
                                             : R"(["publish", "command:notify"])";
  const std::string stopped_actions =
      gpio ? R"(["publish", "gpio:run-lamp"])" : R"(["publish", "command:notify"])";
  std::string text = fmt::format(R"(
[[rule]]
name = "vibration-high"
input = "pump.vibration.rms"
kind = "for_duration"
above = 0.12
for_ms = 4000
when_mode = ["running"]
severity = "critical"
actions = {}

[[rule]]
name = "pump-stopped"
input = "pump.current.mean"
kind = "threshold"
below = 1.0
clear_at = 4.0
severity = "info"
actions = {}

[[command]]
name = "notify"
argv = ["/bin/true"]
)",
                                 vibration_actions, stopped_actions);
  if (gpio) {
    text += R"(
[[rule]]
name = "pressure-flicker"
input = "pump.pressure.stddev"
kind = "threshold"
above = 0.0095
when_mode = ["running"]
severity = "info"
actions = ["gpio:flicker-lamp"]

[[gpio]]
name = "flicker-lamp"
chip = "gpiochip0"
line = 5

[[gpio]]
name = "alarm-lamp"
chip = "gpiochip0"
line = 3

[[gpio]]
name = "run-lamp"
chip = "gpiochip0"
line = 4
on_raise = 0
on_clear = 1
)";
  }
  return text;
}

}  // namespace keel::bench

int main(int argc, char** argv) {
  keel::IgnoreSigpipeInThisProcess();
  CLI::App app{"keel-bench-edge: CPU, memory, decision latency and data reduction of keel-edge"};
  int sim_seconds = 900, seconds = 90, measure_seconds = 45;
  app.add_option("--sim-seconds", sim_seconds, "Simulated time for the in-process measurement")
      ->check(CLI::Range(10, 86400));
  app.add_option("--seconds", seconds, "Real time the keel-edge process runs")
      ->check(CLI::Range(10, 3600));
  app.add_option("--measure-seconds", measure_seconds,
                 "The last part of --seconds over which CPU is measured (default: half)");
  int load_threads = 0, realtime_priority = 0;
  app.add_option("--load-threads", load_threads,
                 "Threads spinning at normal priority during the simulated part (a busy machine)")
      ->check(CLI::Range(0, 64));
  app.add_option("--realtime-priority", realtime_priority,
                 "Run the simulated part twice, at normal priority and under SCHED_FIFO at this "
                 "priority (1..99), and print both")
      ->check(CLI::Range(0, 99));
  bool no_process = false;
  app.add_flag("--no-process", no_process, "Only the simulated part (no keel-hub / keel-edge run)");
  CLI11_PARSE(app, argc, argv);
  if (app.count("--measure-seconds") == 0) measure_seconds = seconds / 2;
  keel::ConfigureLogging("error", "bench");
  const auto bin = std::filesystem::read_symlink("/proc/self/exe").parent_path();
  try {
    {
      keel::bench::CpuLoad load(load_threads);
      for (int priority :
           realtime_priority > 0 ? std::vector<int>{0, realtime_priority} : std::vector<int>{0}) {
        auto result = keel::bench::MeasureSimulatedEdge(sim_seconds, priority);
        result["load_threads"] = load_threads;
        std::cout << result.dump() << std::endl;
      }
    }
    if (!no_process) {
      std::cout << keel::bench::MeasureEdgeProcess(bin, seconds, measure_seconds).dump()
                << std::endl;
    }
  } catch (const std::exception& e) {
    std::cerr << "keel-bench-edge: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
