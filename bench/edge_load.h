// keel-bench-edge: the cost of one keel-edge device with the simulated pump
// ("motor" sensor: vibration 1 kHz, current/pressure/flow/speed 10 Hz, two
// temperatures 1 Hz) and the [analytics] section of the edge tests
// (tests/unit/edge/analytics/pump_config.h).
//
//   MeasureSimulatedEdge   EdgeAnalytics in simulated time, in this thread:
//                          CPU per simulated second (sensor simulation,
//                          analytics and CBOR encoding timed apart), decision
//                          latency, sample -> GPIO latency, data reduction.
//   MeasureEdgeProcess     the real keel-edge binary connected to a real
//                          keel-hub (embedded broker, mutual TLS) in real
//                          time: CPU % of a core and RSS from /proc.
//
// Both return one JSON object (a line of `make bench` output) and throw
// std::runtime_error with the reason when something does not start or run.
#pragma once

#include <atomic>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

namespace keel::bench {

// The pump's start/stop schedule over `seconds`: runs 100 s, stops for 20 s,
// and so on, so that mode changes and the "pump-stopped" rule recur.
std::string PumpSchedule(int seconds);

// The agent's [analytics] section for the pump, with `rules` (a path, may be
// empty) as its rules file.
std::string PumpAnalyticsToml(const std::string& rules);

// A rules file with "vibration-high" (for_duration on the vibration RMS,
// running only) and "pump-stopped" (threshold on the mean current). With
// `gpio`, both drive lines of "gpiochip0", "vibration-high" also runs a
// command, and a third rule, "pressure-flicker" (GPIO only, no publish: it
// adds no events or data), changes state on many windows so that the
// sample -> action path is measured often; without, the two rules run the
// command only (a host without GPIO chips).
std::string PumpRulesToml(bool gpio);

// The 1-minute load average (-1 if unknown): the machine is shared, so each
// result carries it.
double LoadAverage1m();

// `sim_seconds` of simulated time in 100 ms ticks (the agent's tick). With
// `realtime_priority` (1..99) the run happens on a thread under SCHED_FIFO at
// that priority and the action workers too (the agent's [analytics]
// realtime_priority); 0: normal scheduling. The JSON says whether it applied.
nlohmann::json MeasureSimulatedEdge(int sim_seconds, int realtime_priority = 0);

// `threads` threads that spin at normal priority until destroyed: a machine
// whose cores are busy with other work.
class CpuLoad {
 public:
  explicit CpuLoad(int threads);
  ~CpuLoad();
  CpuLoad(const CpuLoad&) = delete;
  CpuLoad& operator=(const CpuLoad&) = delete;

 private:
  std::atomic<bool> stop_{false};
  std::vector<std::thread> threads_;
};

// Starts keel-hub and keel-edge from `bin`, runs the agent for `seconds`
// and measures its CPU over the last `measure_seconds`.
nlohmann::json MeasureEdgeProcess(const std::filesystem::path& bin, int seconds,
                                  int measure_seconds);

}  // namespace keel::bench
