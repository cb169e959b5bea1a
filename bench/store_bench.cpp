// Benchmarks of the hub's SQLite store: ingest throughput of WriteBatches
// (durable commits, synchronous=FULL) and reading a day of a 1 Hz series.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "hub/store/sqlite_store.h"
#include "test_util/temp_dir.h"

namespace keel::hub {
namespace {

using keel::TempDir;

std::unique_ptr<SqliteStore> OpenWithDevice(const TempDir& dir, benchmark::State& state) {
  auto store = OpenSqliteStore(dir.path() / "hub.db");
  if (!store.ok() || !(*store)->CreateDevice("bench-dev", 0).ok()) {
    state.SkipWithError("cannot open the store");
    return nullptr;
  }
  return std::move(store).value();
}

// `series` series of `points_per_series` points each, 1 s apart from t0_ms.
IngestBatch MakeBatch(uint64_t seq, int series, int points_per_series, int64_t t0_ms) {
  IngestBatch b;
  b.device_id = "bench-dev";
  b.batch.seq = seq;
  b.received_ms = t0_ms;
  for (int s = 0; s < series; ++s) {
    wire::Series out;
    out.name = "s" + std::to_string(s);
    out.points.reserve(static_cast<size_t>(points_per_series));
    for (int i = 0; i < points_per_series; ++i) {
      out.points.push_back(wire::Point{t0_ms + i * 1000, 0.5 * i + s});
    }
    b.batch.series.push_back(std::move(out));
  }
  return b;
}

// One WriteBatches call (one durable transaction) per iteration, holding
// range(0) batches of 1000 samples (10 series x 100 points).
void BM_WriteBatches(benchmark::State& state) {
  TempDir dir;
  auto store = OpenWithDevice(dir, state);
  if (!store) return;
  const int batches_per_call = static_cast<int>(state.range(0));
  uint64_t seq = 0;
  int64_t samples = 0;
  for (auto _ : state) {
    state.PauseTiming();
    std::vector<IngestBatch> batches;
    for (int i = 0; i < batches_per_call; ++i) {
      ++seq;
      batches.push_back(MakeBatch(seq, 10, 100, static_cast<int64_t>(seq) * 100'000));
    }
    state.ResumeTiming();
    auto r = store->WriteBatches(batches);
    if (!r.ok()) {
      state.SkipWithError(r.status().ToString().c_str());
      return;
    }
    samples += static_cast<int64_t>(r->samples_stored);
  }
  state.counters["samples/s"] =
      benchmark::Counter(static_cast<double>(samples), benchmark::Counter::kIsRate);
  state.counters["batches/s"] =
      benchmark::Counter(static_cast<double>(seq), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_WriteBatches)->Arg(1)->Arg(10)->Unit(benchmark::kMillisecond)->UseRealTime();

// Reads 24 h of one 1 Hz series (86,400 points) in one ReadSeries call.
void BM_ReadSeries24h(benchmark::State& state) {
  constexpr int kPoints = 86'400;
  constexpr int kPerBatch = 3'600;
  constexpr int64_t kT0 = 1'700'000'000'000;
  TempDir dir;
  auto store = OpenWithDevice(dir, state);
  if (!store) return;
  std::vector<IngestBatch> batches;
  for (int h = 0; h < kPoints / kPerBatch; ++h) {
    batches.push_back(
        MakeBatch(static_cast<uint64_t>(h + 1), 1, kPerBatch, kT0 + int64_t{h} * kPerBatch * 1000));
  }
  if (!store->WriteBatches(batches).ok()) {
    state.SkipWithError("cannot write the day of data");
    return;
  }
  int64_t points = 0;
  for (auto _ : state) {
    auto r = store->ReadSeries("bench-dev", "s0", kT0, kT0 + int64_t{kPoints} * 1000, kPoints);
    if (!r.ok() || r->size() != static_cast<size_t>(kPoints)) {
      state.SkipWithError("ReadSeries did not return the whole day");
      return;
    }
    points += static_cast<int64_t>(r->size());
    benchmark::DoNotOptimize(r->data());
  }
  state.counters["points/s"] =
      benchmark::Counter(static_cast<double>(points), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_ReadSeries24h)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace keel::hub

BENCHMARK_MAIN();
