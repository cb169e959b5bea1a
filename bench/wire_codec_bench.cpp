// Telemetry codec benchmarks: encode and decode of realistic batches in JSON
// and CBOR. The bytes_per_sample counter is the payload size per point, the
// number that decides MQTT bandwidth and outbox size on the device.
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "wire/telemetry_codec.h"

namespace keel::wire {
namespace {

constexpr int64_t kNowMs = 1'732'470'000'000;

// 3 series x 100 points at 1 s spacing: temperature-like values with two
// decimals, an integer counter and a noisy vibration reading.
TelemetryBatch ThreeSeries() {
  TelemetryBatch b;
  b.seq = 123456;
  Series temp{"temperature", {}}, count{"line/1:count", {}}, vib{"vibration.rms", {}};
  for (int i = 0; i < 100; ++i) {
    int64_t t = kNowMs - 100'000 + i * 1000;
    temp.points.push_back({t, std::round((21.5 + std::sin(i / 10.0)) * 100) / 100});
    count.points.push_back({t, static_cast<double>(1000 + 3 * i)});
    vib.points.push_back({t, 0.5 + 0.01 * std::cos(i * 1.7) + 1e-7 * i});
  }
  b.series = {temp, count, vib};
  return b;
}

// 1 series x 1000 points at 1 ms spacing (a sampled waveform).
TelemetryBatch Waveform() {
  TelemetryBatch b;
  b.seq = 7;
  Series s{"accel_x", {}};
  for (int i = 0; i < 1000; ++i) {
    s.points.push_back({kNowMs - 1000 + i, std::sin(i * 0.0628) * 9.81});
  }
  b.series = {s};
  return b;
}

TelemetryBatch MakeBatch(int64_t shape) { return shape == 0 ? ThreeSeries() : Waveform(); }

void SetLabels(benchmark::State& state, Encoding encoding) {
  state.SetLabel(std::string(state.range(0) == 0 ? "3x100@1s" : "1x1000@1ms") +
                 (encoding == Encoding::kJson ? " json" : " cbor"));
}

void BM_Encode(benchmark::State& state, Encoding encoding) {
  TelemetryBatch batch = MakeBatch(state.range(0));
  size_t bytes = 0;
  for (auto _ : state) {
    std::string payload = EncodeTelemetry(batch, encoding);
    bytes = payload.size();
    benchmark::DoNotOptimize(payload);
  }
  double samples = static_cast<double>(batch.SampleCount());
  state.counters["bytes_per_sample"] = static_cast<double>(bytes) / samples;
  state.counters["samples_per_s"] = benchmark::Counter(
      samples * static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  SetLabels(state, encoding);
}

void BM_Decode(benchmark::State& state, Encoding encoding) {
  TelemetryBatch batch = MakeBatch(state.range(0));
  std::string payload = EncodeTelemetry(batch, encoding);
  DecodeLimits limits;
  for (auto _ : state) {
    TelemetryBatch out;
    if (DecodeTelemetry(encoding, payload, kNowMs, limits, &out)) {
      state.SkipWithError("decode rejected the benchmark payload");
      break;
    }
    benchmark::DoNotOptimize(out);
  }
  double samples = static_cast<double>(batch.SampleCount());
  state.counters["bytes_per_sample"] = static_cast<double>(payload.size()) / samples;
  state.counters["samples_per_s"] = benchmark::Counter(
      samples * static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  SetLabels(state, encoding);
}

BENCHMARK_CAPTURE(BM_Encode, json, Encoding::kJson)->Arg(0)->Arg(1);
BENCHMARK_CAPTURE(BM_Encode, cbor, Encoding::kCbor)->Arg(0)->Arg(1);
BENCHMARK_CAPTURE(BM_Decode, json, Encoding::kJson)->Arg(0)->Arg(1);
BENCHMARK_CAPTURE(BM_Decode, cbor, Encoding::kCbor)->Arg(0)->Arg(1);

}  // namespace
}  // namespace keel::wire

BENCHMARK_MAIN();
