// Delta updates of a model (common/zstd_delta.h): how much smaller than the
// full artifact is the delta a device downloads, and what making (hub) and
// applying (device) it costs. The model is an ONNX file written like
// torch.onnx.export writes an MLP (128-1024-512-64, 688,128 float32 weights,
// 2.75 MB), with Gaussian weights; each case derives the next version:
//   scattered5    5% of the weights, chosen at random, nudged by ~1%
//   last_layer    the last layer (4.8% of the weights) retrained: all new
//   all_finetuned every weight nudged by ~1% (a full fine-tune)
// Counters: target_bytes (the new ONNX file), zstd19_bytes (it compressed
// alone at level 19, what a compressed full download would be), delta_bytes
// and delta_pct (delta / target, %). MakeDelta runs once per case (level 19
// is slow by design); ApplyDelta is timed over iterations.
#include <benchmark/benchmark.h>

#include <map>
#include <random>
#include <string>
#include <vector>

#include "common/zstd_delta.h"
#include "unit/edge/model/onnx_model_builder.h"

namespace keel {
namespace {

using edge::model::testing::DenseLayer;

std::vector<DenseLayer> Model() {
  std::mt19937_64 rng(42);
  std::vector<DenseLayer> layers;
  const int widths[] = {128, 1024, 512, 64};
  for (int l = 0; l + 1 < 4; ++l) {
    DenseLayer layer;
    layer.in = widths[l];
    layer.out = widths[l + 1];
    layer.tanh = l + 2 < 4;
    std::normal_distribution<float> weight(0.0f, 1.0f / static_cast<float>(layer.in));
    layer.weight.resize(static_cast<size_t>(layer.in) * layer.out);
    for (float& w : layer.weight) w = weight(rng);
    layer.bias.assign(static_cast<size_t>(layer.out), 0.01f);
    layers.push_back(std::move(layer));
  }
  return layers;
}

enum Case { kScattered5, kLastLayer, kAllFinetuned };

std::vector<DenseLayer> Updated(std::vector<DenseLayer> layers, Case c) {
  std::mt19937_64 rng(7);
  std::normal_distribution<float> nudge(0.0f, 0.01f);
  std::uniform_real_distribution<double> pick(0.0, 1.0);
  for (size_t l = 0; l < layers.size(); ++l) {
    for (float& w : layers[l].weight) {
      switch (c) {
        case kScattered5:
          if (pick(rng) < 0.05) w *= 1.0f + nudge(rng);
          break;
        case kLastLayer:
          if (l + 1 == layers.size()) w = nudge(rng);
          break;
        case kAllFinetuned:
          w *= 1.0f + nudge(rng);
          break;
      }
    }
  }
  return layers;
}

struct Versions {
  std::string base, target, delta;
  size_t zstd19 = 0;
};

const Versions& VersionsFor(Case c) {
  static std::map<Case, Versions> cache;
  auto it = cache.find(c);
  if (it != cache.end()) return it->second;
  const auto layers = Model();
  Versions v;
  v.base = edge::model::testing::BuildMlpOnnx(layers);
  v.target = edge::model::testing::BuildMlpOnnx(Updated(layers, c));
  v.zstd19 = MakeDelta("", v.target).value().size();
  return cache.emplace(c, std::move(v)).first->second;
}

void Report(benchmark::State& state, const Versions& v, size_t delta_bytes) {
  state.counters["target_bytes"] = static_cast<double>(v.target.size());
  state.counters["zstd19_bytes"] = static_cast<double>(v.zstd19);
  state.counters["delta_bytes"] = static_cast<double>(delta_bytes);
  state.counters["delta_pct"] =
      100.0 * static_cast<double>(delta_bytes) / static_cast<double>(v.target.size());
}

void BM_MakeDelta(benchmark::State& state) {
  const Versions& v = VersionsFor(static_cast<Case>(state.range(0)));
  size_t delta_bytes = 0;
  for (auto _ : state) {
    auto delta = MakeDelta(v.base, v.target);
    if (!delta.ok()) state.SkipWithError(delta.status().ToString().c_str());
    delta_bytes = delta.ok() ? delta->size() : 0;
  }
  Report(state, v, delta_bytes);
}

void BM_ApplyDelta(benchmark::State& state) {
  const Versions& v = VersionsFor(static_cast<Case>(state.range(0)));
  const std::string delta = MakeDelta(v.base, v.target).value();
  for (auto _ : state) {
    auto target = ApplyDelta(v.base, delta, v.target.size());
    if (!target.ok() || *target != v.target) state.SkipWithError("delta did not apply");
  }
  Report(state, v, delta.size());
}

void Cases(benchmark::internal::Benchmark* b) {
  b->ArgName("case")->Arg(kScattered5)->Arg(kLastLayer)->Arg(kAllFinetuned);
  b->Unit(benchmark::kMillisecond);
}

BENCHMARK(BM_MakeDelta)->Apply(Cases)->Iterations(1);
BENCHMARK(BM_ApplyDelta)->Apply(Cases);

}  // namespace
}  // namespace keel

BENCHMARK_MAIN();
