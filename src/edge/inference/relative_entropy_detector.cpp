#include "edge/inference/relative_entropy_detector.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

#include "edge/inference/detector_support.h"

namespace keel::edge::inference {
namespace {

constexpr size_t kMaxHypotheses = 10000;
constexpr double kPseudoCount = 0.5;
constexpr double kUnexplained = 1e6;

}  // namespace

Result<std::unique_ptr<Detector>> RelativeEntropyDetector::Create(
    const std::map<std::string, double>& params) {
  static constexpr std::array<internal::ParamSpec, 4> kSpecs{{
      {.name = "bins", .default_value = 5, .min = 2, .max = 1000, .integer = true},
      {.name = "critical",
       .default_value = 13.277,
       .min = 0.0,
       .max = internal::kNoUpperBound,
       .min_exclusive = true},
      {.name = "threshold",
       .default_value = 1.0,
       .min = 0.0,
       .max = internal::kNoUpperBound,
       .min_exclusive = true},
      {.name = "window", .default_value = 52, .min = 2, .max = 100000, .integer = true},
  }};
  KEEL_ASSIGN_OR_RETURN(auto values, internal::ResolveParams(kRelativeEntropyKind, params, kSpecs));
  return std::unique_ptr<Detector>(std::make_unique<RelativeEntropyDetector>(
      Options{.window = static_cast<int64_t>(values.at("window")),
              .bins = static_cast<int64_t>(values.at("bins")),
              .critical = values.at("critical"),
              .threshold = values.at("threshold")}));
}

Status RelativeEntropyDetector::Fit(const std::vector<std::vector<double>>& normal) {
  KEEL_ASSIGN_OR_RETURN(const size_t dims, internal::CheckRows(kRelativeEntropyKind, normal, 2));
  std::vector<Channel> channels(dims);
  for (size_t d = 0; d < dims; ++d) {
    Channel& channel = channels[d];
    channel.lo = normal.front()[d];
    channel.hi = channel.lo;
    for (const auto& row : normal) {
      channel.lo = std::min(channel.lo, row[d]);
      channel.hi = std::max(channel.hi, row[d]);
    }
    if (channel.hi <= channel.lo) {
      const double pad = internal::ScaleFloor(channel.lo);
      channel.lo -= pad;
      channel.hi += pad;
    }
    for (const auto& row : normal) Update(channel, row[d]);
  }
  channels_ = std::move(channels);
  return Status::Ok();
}

size_t RelativeEntropyDetector::BinOf(const Channel& channel, double value) const {
  const double position =
      (value - channel.lo) / (channel.hi - channel.lo) * static_cast<double>(options_.bins);
  const double last = static_cast<double>(options_.bins - 1);
  return static_cast<size_t>(std::clamp(std::floor(position), 0.0, last));
}

double RelativeEntropyDetector::Update(Channel& channel, double value) const {
  channel.window.push_back(BinOf(channel, value));
  const auto w = static_cast<size_t>(options_.window);
  if (channel.window.size() > w) channel.window.pop_front();
  if (channel.window.size() < w) return 0.0;
  std::vector<double> p(static_cast<size_t>(options_.bins), 0.0);
  for (size_t bin : channel.window) p[bin] += 1.0 / static_cast<double>(w);

  const double floor = kPseudoCount / static_cast<double>(w);
  double best = std::numeric_limits<double>::infinity();
  for (const std::vector<double>& q : channel.hypotheses) {
    double divergence = 0.0;
    for (size_t i = 0; i < p.size(); ++i) {
      if (p[i] > 0.0) divergence += p[i] * std::log(p[i] / (q[i] > 0.0 ? q[i] : floor));
    }
    best = std::min(best, 2.0 * static_cast<double>(w) * divergence);
  }
  const double score = std::isfinite(best) ? std::max(best, 0.0) / options_.critical : kUnexplained;
  if (score > 1.0 && channel.hypotheses.size() < kMaxHypotheses) {
    channel.hypotheses.push_back(std::move(p));
  }
  return score;
}

Result<double> RelativeEntropyDetector::Score(std::span<const double> x) {
  if (channels_.empty()) {
    return Status::FailedPrecondition(
        fmt::format("{}: score: Fit() has not succeeded yet", kRelativeEntropyKind));
  }
  KEEL_RETURN_IF_ERROR(internal::CheckVector(kRelativeEntropyKind, x, channels_.size()));
  double score = 0.0;
  for (size_t d = 0; d < channels_.size(); ++d) score = std::max(score, Update(channels_[d], x[d]));
  return score;
}

}  // namespace keel::edge::inference
