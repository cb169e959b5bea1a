#include "edge/inference/discord_detector.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

#include "edge/inference/detector_support.h"

namespace keel::edge::inference {
namespace {

double RmsDistance(const std::vector<double>& a, const std::vector<double>& b) {
  double sum = 0.0;
  for (size_t k = 0; k < a.size(); ++k) sum += (a[k] - b[k]) * (a[k] - b[k]);
  return std::sqrt(sum / static_cast<double>(a.size()));
}

}  // namespace

Result<std::unique_ptr<Detector>> DiscordDetector::Create(
    const std::map<std::string, double>& params) {
  constexpr double kMax = 1e6;
  static constexpr std::array<internal::ParamSpec, 8> kSpecs{{
      {.name = "flat", .default_value = 0.05, .min = 0, .max = 10},
      {.name = "memory", .default_value = 2000, .min = 1, .max = kMax, .integer = true},
      {.name = "min_limit", .default_value = 0.05, .min = 0, .max = 2},
      {.name = "normalise", .default_value = 0, .min = 0, .max = 1, .integer = true},
      {.name = "rest_windows", .default_value = 1.5, .min = 0, .max = 1e3},
      {.name = "step", .default_value = 0, .min = 0, .max = kMax, .integer = true},
      {.name = "threshold", .default_value = 0.5, .min = 0, .max = 1, .min_exclusive = true},
      {.name = "window", .default_value = 4, .min = 2, .max = 64, .integer = true},
  }};
  KEEL_ASSIGN_OR_RETURN(auto values, internal::ResolveParams(kDiscordKind, params, kSpecs));
  return std::unique_ptr<Detector>(
      std::make_unique<DiscordDetector>(Options{.window = static_cast<int64_t>(values.at("window")),
                                                .step = static_cast<int64_t>(values.at("step")),
                                                .memory = static_cast<int64_t>(values.at("memory")),
                                                .normalise = values.at("normalise") != 0,
                                                .flat = values.at("flat"),
                                                .min_limit = values.at("min_limit"),
                                                .rest_windows = values.at("rest_windows"),
                                                .threshold = values.at("threshold")}));
}

std::vector<double> DiscordDetector::Subsequence() const {
  const auto window = static_cast<size_t>(options_.window);
  std::vector<double> out(window * dims_);
  for (size_t d = 0; d < dims_; ++d) {
    double offset = lo_[d];
    double scale = span_[d];
    if (options_.normalise) {
      double mean = 0.0;
      for (const auto& block : blocks_) mean += block[d];
      mean /= static_cast<double>(window);
      double var = 0.0;
      for (const auto& block : blocks_) var += (block[d] - mean) * (block[d] - mean);
      offset = mean;
      scale = std::max(std::sqrt(var / static_cast<double>(window)), options_.flat * span_[d]);
      scale = std::max(scale, internal::ScaleFloor(mean));
    }
    for (size_t k = 0; k < window; ++k) out[k * dims_ + d] = (blocks_[k][d] - offset) / scale;
  }
  return out;
}

double DiscordDetector::AddRow(std::span<const double> row) {
  for (size_t d = 0; d < dims_; ++d) block_sum_[d] += row[d];
  if (++block_rows_ < step_) return -1.0;
  std::vector<double> mean(dims_);
  for (size_t d = 0; d < dims_; ++d) mean[d] = block_sum_[d] / static_cast<double>(step_);
  std::fill(block_sum_.begin(), block_sum_.end(), 0.0);
  block_rows_ = 0;
  blocks_.push_back(std::move(mean));
  const auto window = static_cast<size_t>(options_.window);
  if (blocks_.size() > window) blocks_.pop_front();
  if (blocks_.size() < window) return -1.0;

  std::vector<double> current = Subsequence();
  double nearest = std::numeric_limits<double>::infinity();
  for (const auto& other : neighbours_) nearest = std::min(nearest, RmsDistance(current, other));
  recent_.push_back(std::move(current));
  if (recent_.size() >= window) {
    neighbours_.push_back(std::move(recent_.front()));
    recent_.pop_front();
    if (neighbours_.size() > static_cast<size_t>(options_.memory)) neighbours_.pop_front();
  }
  return std::isinf(nearest) ? -1.0 : nearest;
}

Status DiscordDetector::Fit(const std::vector<std::vector<double>>& normal) {
  KEEL_ASSIGN_OR_RETURN(const size_t dims, internal::CheckRows(kDiscordKind, normal, 2));
  dims_ = dims;
  step_ = internal::ShapeBlockRows(options_.step, normal.size(), options_.window);
  rest_ = std::llround(options_.rest_windows * static_cast<double>(options_.window * step_));
  lo_.assign(dims, 0.0);
  span_.assign(dims, 0.0);
  const auto columns = internal::ColumnRanges(normal);
  for (size_t d = 0; d < dims; ++d) {
    const auto [lo, hi] = columns[d];
    lo_[d] = lo;
    span_[d] = std::max(hi - lo, internal::ScaleFloor(std::max(std::abs(lo), std::abs(hi))));
  }
  block_sum_.assign(dims, 0.0);
  block_rows_ = 0;
  blocks_.clear();
  recent_.clear();
  neighbours_.clear();
  resting_ = 0;

  std::vector<double> distances;  // one per subsequence, -1 without a neighbour
  for (const auto& row : normal) {
    const bool block_done = block_rows_ + 1 >= step_;
    const double d = AddRow(row);
    if (block_done && blocks_.size() == static_cast<size_t>(options_.window)) {
      distances.push_back(d);
    }
  }
  limit_ = options_.min_limit;
  for (size_t i = distances.size() / 2; i < distances.size(); ++i) {
    limit_ = std::max(limit_, distances[i]);
  }
  limit_ = std::max(limit_, internal::ScaleFloor(0.0));
  return Status::Ok();
}

Result<double> DiscordDetector::Score(std::span<const double> x) {
  if (dims_ == 0) {
    return Status::FailedPrecondition(
        fmt::format("{}: score: Fit() has not succeeded yet", kDiscordKind));
  }
  KEEL_RETURN_IF_ERROR(internal::CheckVector(kDiscordKind, x, dims_));
  const double d = AddRow(x);
  const double raw = d < 0 ? 0.0 : std::min(1.0, d / limit_ / 2.0);
  if (resting_ > 0) {
    --resting_;
    return 0.0;
  }
  if (raw >= options_.threshold) resting_ = rest_;
  return raw;
}

}  // namespace keel::edge::inference
