// Edge fusion benchmarks: the per-window cost of the feature vector a
// detector consumes (1 s of 1 kHz vibration, 10 Hz current, 1 Hz
// temperature; all scalar features and 4 FFT bands on the vibration), and
// WindowAligner throughput in samples/s for the same three streams.
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdint>
#include <numbers>
#include <random>
#include <vector>

#include "edge/fusion/window_aligner.h"
#include "edge/fusion/window_features.h"

namespace keel::edge::fusion {
namespace {

constexpr int64_t kT0 = 1'732'470'000'000;

AlignerConfig ThreeChannels() {
  AlignerConfig config;
  config.window_ms = 1000;
  config.allowed_lateness_ms = 200;
  config.channels = {{"motor.vibration", 1000}, {"motor.current", 10}, {"temperature", 1}};
  return config;
}

// One second of the three streams starting at `from_ms`.
std::vector<wire::Series> OneSecond(int64_t from_ms, std::mt19937& gen) {
  std::normal_distribution<double> noise(0.0, 0.1);
  wire::Series vib{"motor.vibration", {}}, cur{"motor.current", {}}, temp{"temperature", {}};
  vib.points.reserve(1000);
  for (int i = 0; i < 1000; ++i) {
    const double ts = static_cast<double>(from_ms - kT0 + i) / 1000.0;
    vib.points.push_back({from_ms + i, 2 * std::sin(2 * std::numbers::pi * 120 * ts) + noise(gen)});
  }
  for (int i = 0; i < 10; ++i) cur.points.push_back({from_ms + 100 * i, 5 + noise(gen)});
  temp.points.push_back({from_ms, 40 + noise(gen)});
  return {vib, cur, temp};
}

FeatureSpec AllFeatures() {
  const std::vector<Feature> scalar{Feature::kMean,     Feature::kStdDev,     Feature::kRms,
                                    Feature::kPeak,     Feature::kPeakToPeak, Feature::kCrestFactor,
                                    Feature::kKurtosis, Feature::kSkewness,   Feature::kSlope};
  FeatureSpec spec;
  ChannelFeatureSpec vib{"motor.vibration", scalar, 1000, {0, 50, 150, 300, 500}};
  vib.features.push_back(Feature::kBandEnergies);
  spec.channels = {vib,
                   {"motor.current", scalar, 10, {}},
                   {"temperature", {Feature::kMean, Feature::kPeak}, 1, {}}};
  return spec;
}

void BM_WindowFeatures(benchmark::State& state) {
  auto aligner = WindowAligner::Create(ThreeChannels());
  std::mt19937 gen(1);
  for (const auto& s : OneSecond(kT0, gen)) (void)aligner->Add(s);
  auto windows = aligner->Poll(kT0 + 2000);
  if (windows.size() != 1) {
    state.SkipWithError("aligner did not produce the window");
    return;
  }
  const FeatureSpec spec = AllFeatures();
  for (auto _ : state) {
    auto fs = ComputeFeatures(windows[0], spec);
    if (!fs.ok() || !fs->complete) {
      state.SkipWithError("feature computation failed");
      return;
    }
    benchmark::DoNotOptimize(fs->values.data());
  }
  state.counters["windows/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  state.SetLabel("time per iteration = time per window");
}
BENCHMARK(BM_WindowFeatures)->Unit(benchmark::kMicrosecond);

void BM_AlignerThroughput(benchmark::State& state) {
  const int seconds = 60;
  std::mt19937 gen(2);
  std::vector<std::vector<wire::Series>> input;
  for (int s = 0; s < seconds; ++s) input.push_back(OneSecond(kT0 + 1000 * s, gen));
  size_t samples = 0, windows = 0;
  for (auto _ : state) {
    auto aligner = WindowAligner::Create(ThreeChannels());
    for (int s = 0; s < seconds; ++s) {
      for (const auto& series : input[static_cast<size_t>(s)]) {
        (void)aligner->Add(series);
        samples += series.points.size();
      }
      windows += aligner->Poll(kT0 + 1000 * (s + 1) + 200).size();
    }
    benchmark::DoNotOptimize(aligner->buffered_samples());
  }
  state.counters["samples/s"] =
      benchmark::Counter(static_cast<double>(samples), benchmark::Counter::kIsRate);
  state.counters["windows/s"] =
      benchmark::Counter(static_cast<double>(windows), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_AlignerThroughput)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace keel::edge::fusion

BENCHMARK_MAIN();
