// Detector scoring latency: one Score() call per iteration on an 8- and a
// 32-dimensional vector, after Fit() on 1000 correlated rows. The reported
// time per iteration is ns per Score(): the cost the edge agent pays for each
// feature vector. Built-in detectors and the ONNX backend (edge/model: a
// d-(d/2)-d tanh autoencoder run by OpenCV dnn, reconstruction-error score)
// are measured on the same vectors, so the report compares backends.
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "common/random.h"
#include "edge/inference/detector.h"
#include "edge/model/onnx_detector.h"
#include "unit/edge/model/onnx_model_builder.h"

namespace keel::edge::inference {
namespace {

std::vector<std::vector<double>> Rows(size_t n, size_t d, uint64_t seed) {
  SeededRandom random(seed);
  std::vector<std::vector<double>> rows;
  for (size_t r = 0; r < n; ++r) {
    const double a = 3.0 * random.Gaussian();
    const double b = random.Gaussian();
    std::vector<double> row(d);
    for (size_t i = 0; i < d; ++i) {
      row[i] = a * std::cos(0.7 * static_cast<double>(i)) +
               b * std::sin(1.3 * static_cast<double>(i)) + 0.1 * random.Gaussian();
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

// Fits on 1000 rows, then times Score over a stream of other rows.
template <typename T>
void FitAndScore(benchmark::State& state, Result<std::unique_ptr<T>> created, size_t dims) {
  if (!created.ok()) {
    state.SkipWithError(created.status().ToString().c_str());
    return;
  }
  auto detector = std::move(created).value();
  if (Status status = detector->Fit(Rows(1000, dims, 1)); !status.ok()) {
    state.SkipWithError(status.ToString().c_str());
    return;
  }
  const auto stream = Rows(1024, dims, 2);
  size_t i = 0;
  for (auto _ : state) {
    auto score = detector->Score(stream[i++ & 1023]);
    benchmark::DoNotOptimize(score);
  }
}

void BM_Score(benchmark::State& state, const std::string& kind) {
  const auto dims = static_cast<size_t>(state.range(0));
  FitAndScore(state, CreateDetector({kind, {}}), dims);
}

void BM_OnnxScore(benchmark::State& state) {
  const auto dims = static_cast<size_t>(state.range(0));
  const int width = static_cast<int>(dims);
  model::OnnxDetector::Options options;
  options.dims = dims;
  options.output = model::OnnxOutput::kReconstruction;
  options.threshold.quantile = 0.99;
  FitAndScore(state,
              model::OnnxDetector::Create(
                  model::testing::BuildMlpOnnx(model::testing::Autoencoder(width, width / 2)),
                  "bench.onnx", options),
              dims);
}

BENCHMARK_CAPTURE(BM_Score, zscore, std::string("zscore"))
    ->Arg(8)
    ->Arg(32)
    ->Unit(benchmark::kNanosecond);
BENCHMARK_CAPTURE(BM_Score, ewma, std::string("ewma"))
    ->Arg(8)
    ->Arg(32)
    ->Unit(benchmark::kNanosecond);
BENCHMARK_CAPTURE(BM_Score, pca, std::string("pca"))->Arg(8)->Arg(32)->Unit(benchmark::kNanosecond);
BENCHMARK_CAPTURE(BM_Score, mahalanobis, std::string("mahalanobis"))
    ->Arg(8)
    ->Arg(32)
    ->Unit(benchmark::kNanosecond);
// Online univariate-first kinds; on these random rows resonance meets a new
// shape at every block, so its memory grows to max_categories: a worst case.
BENCHMARK_CAPTURE(BM_Score, contextual, std::string("contextual"))
    ->Arg(1)
    ->Arg(8)
    ->Unit(benchmark::kNanosecond);
BENCHMARK_CAPTURE(BM_Score, resonance, std::string("resonance"))
    ->Arg(1)
    ->Arg(8)
    ->Unit(benchmark::kNanosecond);
BENCHMARK_CAPTURE(BM_Score, ensemble, std::string("ensemble"))
    ->Arg(1)
    ->Arg(8)
    ->Unit(benchmark::kNanosecond);
BENCHMARK(BM_OnnxScore)->Arg(8)->Arg(32)->Unit(benchmark::kNanosecond);

}  // namespace
}  // namespace keel::edge::inference

BENCHMARK_MAIN();
