// Hub rules benchmarks: what the "rules" bus stage costs per telemetry
// event, so that the stage keeps up with ingest. Each event is one device's
// batch of 10 points of each of 4 series (a 10 s batch at 1 Hz); the rule
// sets are the kinds docs/hub-rules.md describes (thresholds with
// hysteresis, windows, rates, a for-duration), on 1,000 devices.
// Counters: events/s (items) and samples/s.
#include <benchmark/benchmark.h>

#include <cmath>
#include <string>
#include <vector>

#include "hub/rules/rule_engine.h"

namespace keel::hub::rules {
namespace {

constexpr int64_t kT0 = 1'800'000'000'000;
constexpr int kDevices = 1000;
const char* const kSeries[] = {"motor.temperature", "motor.current", "pump.pressure",
                               "pump.vibration.rms"};

RuleSet Rules(int copies) {
  nlohmann::json rules = nlohmann::json::array();
  for (int i = 0; i < copies; ++i) {
    const std::string n = std::to_string(i);
    rules.push_back({{"name", "hot-" + n},
                     {"when", "value('motor.temperature') > 80"},
                     {"clear", "value('motor.temperature') < 75"}});
    rules.push_back({{"name", "overload-" + n},
                     {"when", "avg('motor.current', 1m) > 14 and value('pump.pressure') < 2"},
                     {"for", "30s"}});
    rules.push_back({{"name", "heating-" + n}, {"when", "rate('motor.temperature', 5m) > 0.05"}});
    rules.push_back(
        {{"name", "vibration-" + n},
         {"when", "max('pump.vibration.rms', 30s) > 3 * avg('pump.vibration.rms', 5m)"}});
  }
  auto set = ParseRuleSet(nlohmann::json{{"rules", rules}}.dump(), "bench");
  if (!set.ok()) std::abort();
  return std::move(*set);
}

// The telemetry event of device `d`'s batch number `k`.
bus::Event Batch(int d, int64_t k) {
  bus::Event e{bus::EventKind::kTelemetry, "pump-" + std::to_string(d), 1, kT0 + k * 10'000 + 9'000,
               "telemetry.batch"};
  nlohmann::json points = nlohmann::json::object();
  for (const char* s : kSeries) {
    nlohmann::json list = nlohmann::json::array();
    for (int i = 0; i < 10; ++i) {
      const double x = static_cast<double>(k * 10 + i);
      list.push_back({kT0 + k * 10'000 + i * 1000, 50 + 20 * std::sin(x / 300.0 + d)});
    }
    points[s] = std::move(list);
  }
  e.data = {{"series", kSeries}, {"points", std::move(points)}};
  return e;
}

void BM_RulesOnTelemetry(benchmark::State& state) {
  RuleEngine engine(Rules(static_cast<int>(state.range(0))));
  // Events built ahead: the benchmark measures the engine, not JSON building.
  std::vector<bus::Event> events;
  for (int64_t k = 0; k < 40; ++k) {
    for (int d = 0; d < kDevices; ++d) events.push_back(Batch(d, k));
  }
  const alerts::Labels context = {{"site", "north"}};
  size_t i = 0, emitted = 0;
  for (auto _ : state) {
    const bus::Event& e = events[i];
    i = (i + 1) % events.size();
    if (i == 0) {
      state.PauseTiming();
      // Another pass: shift the events forward in time so samples are new.
      for (auto& event : events) {
        for (auto& [series, list] : event.data["points"].items()) {
          for (auto& p : list) p[0] = p[0].get<int64_t>() + 400'000;
        }
      }
      state.ResumeTiming();
    }
    emitted += engine.OnEvent(e, context, e.t_ms).size();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  state.counters["samples_per_s"] =
      benchmark::Counter(static_cast<double>(state.iterations()) * 40, benchmark::Counter::kIsRate);
  state.counters["rules"] = static_cast<double>(4 * state.range(0));
  state.counters["emitted"] = static_cast<double>(emitted);
}
BENCHMARK(BM_RulesOnTelemetry)->Arg(1)->Arg(5)->Arg(25);

void BM_ParseRules(benchmark::State& state) {
  const int copies = static_cast<int>(state.range(0));
  for (auto _ : state) benchmark::DoNotOptimize(Rules(copies));
  state.counters["rules"] = static_cast<double>(4 * copies);
}
BENCHMARK(BM_ParseRules)->Arg(25);

}  // namespace
}  // namespace keel::hub::rules

BENCHMARK_MAIN();
