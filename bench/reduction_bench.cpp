// Edge data reduction benchmarks: ns per point of DeadbandFilter,
// SwingingDoorCompressor and RawHistory::Add on 1 kHz batches (1000 points
// of a noisy 120 Hz vibration per iteration), and the compression achieved
// by the swinging door on 6 h of a synthetic 1 Hz temperature with noise,
// for E = 0.05 and 0.1 (counters: points in/out, CBOR bytes raw/reduced).
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdint>
#include <numbers>
#include <random>
#include <vector>

#include "edge/reduction/deadband_filter.h"
#include "edge/reduction/raw_history.h"
#include "edge/reduction/reduction_stats.h"
#include "edge/reduction/swinging_door.h"
#include "wire/telemetry_codec.h"

namespace keel::edge::reduction {
namespace {

constexpr int64_t kT0 = 1'732'470'000'000;
constexpr int kBatch = 1000;

// One second of 1 kHz vibration starting `second` seconds after kT0.
wire::Series VibrationSecond(int64_t second, std::mt19937& gen) {
  std::normal_distribution<double> noise(0.0, 0.1);
  wire::Series s{"motor.vibration", {}};
  s.points.reserve(kBatch);
  for (int i = 0; i < kBatch; ++i) {
    const int64_t t = second * 1000 + i;
    const double ts = static_cast<double>(t) / 1000.0;
    s.points.push_back({kT0 + t, 2 * std::sin(2 * std::numbers::pi * 120 * ts) + noise(gen)});
  }
  return s;
}

// Ten seconds of batches; the benchmark loops shift their timestamps forward.
std::vector<wire::Series> Batches() {
  std::mt19937 gen(1);
  std::vector<wire::Series> out;
  for (int64_t s = 0; s < 10; ++s) out.push_back(VibrationSecond(s, gen));
  return out;
}

template <typename Reducer>
void RunPointwise(benchmark::State& state, Reducer& reducer) {
  const auto batches = Batches();
  std::vector<wire::Point> out;
  int64_t round = 0;
  size_t kept = 0;
  for (auto _ : state) {
    const wire::Series& batch = batches[static_cast<size_t>(round % 10)];
    const int64_t shift = (round / 10) * 10'000;
    out.clear();
    for (const auto& p : batch.points) {
      if (!reducer.Add({p.t_ms + shift, p.value}, &out).ok()) {
        state.SkipWithError("point rejected");
        return;
      }
    }
    kept += out.size();
    ++round;
  }
  state.SetItemsProcessed(state.iterations() * kBatch);
  state.counters["ns/point"] = benchmark::Counter(
      static_cast<double>(state.iterations() * kBatch),
      benchmark::Counter::kIsRate | benchmark::Counter::kInvert, benchmark::Counter::kIs1000);
  state.counters["kept_fraction"] =
      static_cast<double>(kept) / static_cast<double>(state.iterations() * kBatch);
}

void BM_Deadband(benchmark::State& state) {
  auto filter = DeadbandFilter::Create({0.5, 0, 60'000, true});
  RunPointwise(state, *filter);
}
BENCHMARK(BM_Deadband)->Unit(benchmark::kMicrosecond);

void BM_SwingingDoor(benchmark::State& state) {
  auto sdt = SwingingDoorCompressor::Create({0.5, 60'000, 0});
  RunPointwise(state, *sdt);
}
BENCHMARK(BM_SwingingDoor)->Unit(benchmark::kMicrosecond);

void BM_RawHistoryAdd(benchmark::State& state) {
  auto history = RawHistory::Create({10'000, 20'000, 8});
  auto batches = Batches();
  int64_t round = 0;
  for (auto _ : state) {
    wire::Series& batch = batches[static_cast<size_t>(round % 10)];
    if (round > 0 && round % 10 == 0) {
      for (auto& b : batches) {
        for (auto& p : b.points) p.t_ms += 10'000;
      }
    }
    if (!history->Add(batch).ok()) {
      state.SkipWithError("batch rejected");
      return;
    }
    ++round;
  }
  state.SetItemsProcessed(state.iterations() * kBatch);
  state.counters["ns/point"] = benchmark::Counter(
      static_cast<double>(state.iterations() * kBatch),
      benchmark::Counter::kIsRate | benchmark::Counter::kInvert, benchmark::Counter::kIs1000);
  state.counters["held_points"] = static_cast<double>(history->point_count());
}
BENCHMARK(BM_RawHistoryAdd)->Unit(benchmark::kMicrosecond);

// 6 h at 1 Hz: 40 degC, slow drift, a 1 h swing of +-2 degC, noise sigma 0.02.
std::vector<wire::Point> Temperature() {
  std::mt19937 gen(3);
  std::normal_distribution<double> noise(0.0, 0.02);
  std::vector<wire::Point> out;
  for (int i = 0; i < 6 * 3600; ++i) {
    const double s = static_cast<double>(i);
    out.push_back({kT0 + i * 1000,
                   40 + 0.0005 * s + 2 * std::sin(2 * std::numbers::pi * s / 3600) + noise(gen)});
  }
  return out;
}

size_t CborBytes(const std::vector<wire::Point>& points) {
  wire::TelemetryBatch batch{1, {{"temperature", points}}, {}};
  return wire::EncodeTelemetry(batch, wire::Encoding::kCbor).size();
}

void BM_SwingingDoorTemperatureRatio(benchmark::State& state) {
  const double deviation = static_cast<double>(state.range(0)) / 100.0;
  const auto in = Temperature();
  std::vector<wire::Point> out;
  for (auto _ : state) {
    out.clear();
    auto sdt = SwingingDoorCompressor::Create({deviation, 0, 0});
    for (const auto& p : in) (void)sdt->Add(p, &out);
    sdt->Flush(&out);
    benchmark::DoNotOptimize(out.data());
  }
  ReductionStats stats;
  stats.AddRaw(in.size());
  stats.AddSent(out.size(), CborBytes(out));
  state.counters["E"] = deviation;
  state.counters["points_in"] = static_cast<double>(in.size());
  state.counters["points_out"] = static_cast<double>(out.size());
  state.counters["point_ratio"] = stats.sample_ratio();
  state.counters["byte_ratio_vs_16B"] = stats.ratio();
  state.counters["byte_ratio_vs_cbor"] =
      static_cast<double>(CborBytes(in)) / static_cast<double>(CborBytes(out));
}
BENCHMARK(BM_SwingingDoorTemperatureRatio)->Arg(5)->Arg(10)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace keel::edge::reduction

BENCHMARK_MAIN();
