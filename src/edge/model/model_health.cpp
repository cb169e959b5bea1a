#include "edge/model/model_health.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <vector>

#include "edge/model/onnx_detector.h"

namespace keel::edge::model {
namespace {

int64_t SteadyMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

Status CheckGolden(LoadedModel& loaded, size_t index, const GoldenSample& sample) {
  const std::string where = fmt::format("model {} {}: health: golden sample {}",
                                        loaded.manifest.name, loaded.manifest.version, index);
  if (sample.expected_score) {
    auto score = loaded.detector->Score(sample.input);
    if (!score.ok()) return score.status().WithContext(where);
    const double diff = std::abs(*score - *sample.expected_score);
    if (!(diff <= sample.tolerance)) {
      return Status::InvalidArgument(
          fmt::format("{}: score {} differs from the expected {} by {} (tolerance {})", where,
                      *score, *sample.expected_score, diff, sample.tolerance));
    }
    return Status::Ok();
  }
  auto* onnx = dynamic_cast<OnnxDetector*>(loaded.detector.get());
  if (onnx == nullptr) {
    return Status::InvalidArgument(
        fmt::format("{}: raw outputs need the onnx backend, the detector is \"{}\"", where,
                    loaded.detector->kind()));
  }
  auto output = onnx->Forward(sample.input);
  if (!output.ok()) return output.status().WithContext(where);
  if (output->size() != sample.expected.size()) {
    return Status::InvalidArgument(fmt::format("{}: the model output {} values, expected {}", where,
                                               output->size(), sample.expected.size()));
  }
  size_t worst = 0;
  double worst_diff = 0.0;
  for (size_t i = 0; i < output->size(); ++i) {
    const double diff = std::abs((*output)[i] - sample.expected[i]);
    if (diff > worst_diff) {
      worst = i;
      worst_diff = diff;
    }
  }
  if (worst_diff > sample.tolerance) {
    return Status::InvalidArgument(
        fmt::format("{}: output {} is {}, expected {}: off by {} (tolerance {})", where, worst,
                    (*output)[worst], sample.expected[worst], worst_diff, sample.tolerance));
  }
  return Status::Ok();
}

Status CheckLatency(LoadedModel& loaded, const HealthCheckOptions& options) {
  const ModelManifest& m = loaded.manifest;
  const std::function<int64_t()> now =
      options.monotonic_us ? options.monotonic_us : std::function<int64_t()>(&SteadyMicros);
  const std::vector<double> zeros(m.inputs.size(), 0.0);
  std::vector<int64_t> micros;
  micros.reserve(static_cast<size_t>(options.latency_runs));
  for (int run = 0; run < options.latency_runs; ++run) {
    const std::vector<double>& input =
        m.health.golden.empty()
            ? zeros
            : m.health.golden[static_cast<size_t>(run) % m.health.golden.size()].input;
    const int64_t start = now();
    auto score = loaded.detector->Score(input);
    const int64_t end = now();
    if (!score.ok()) {
      return score.status().WithContext(
          fmt::format("model {} {}: health: latency run {}", m.name, m.version, run));
    }
    micros.push_back(end - start);
  }
  const auto middle = micros.begin() + static_cast<std::ptrdiff_t>(micros.size() / 2);
  std::nth_element(micros.begin(), middle, micros.end());
  if (*middle > m.health.latency_budget_us) {
    return Status::ResourceExhausted(fmt::format(
        "model {} {}: health: median Score() latency {} us over {} runs exceeds the budget of "
        "{} us",
        m.name, m.version, *middle, micros.size(), m.health.latency_budget_us));
  }
  return Status::Ok();
}

}  // namespace

Status CheckModelHealth(LoadedModel& loaded, const HealthCheckOptions& options) {
  if (loaded.detector == nullptr) {
    return Status::FailedPrecondition(
        fmt::format("model {}: health: no detector loaded", loaded.manifest.name));
  }
  if (options.latency_runs < 1) {
    return Status::InvalidArgument(
        fmt::format("health: latency_runs is {}, must be >= 1", options.latency_runs));
  }
  for (size_t i = 0; i < loaded.manifest.health.golden.size(); ++i) {
    KEEL_RETURN_IF_ERROR(CheckGolden(loaded, i, loaded.manifest.health.golden[i]));
  }
  return CheckLatency(loaded, options);
}

}  // namespace keel::edge::model
