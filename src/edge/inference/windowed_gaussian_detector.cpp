#include "edge/inference/windowed_gaussian_detector.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>

#include "edge/inference/detector_support.h"

namespace keel::edge::inference {

Result<std::unique_ptr<Detector>> WindowedGaussianDetector::Create(
    const std::map<std::string, double>& params) {
  constexpr double kMax = 1e6;
  static constexpr std::array<internal::ParamSpec, 7> kSpecs{{
      {.name = "calibrate", .default_value = 0, .min = 0, .max = kMax, .integer = true},
      {.name = "calibrate_quantile",
       .default_value = 0.99,
       .min = 0.0,
       .max = 1.0,
       .min_exclusive = true},
      {.name = "min_history", .default_value = 10, .min = 2, .max = kMax, .integer = true},
      {.name = "short_window", .default_value = 1, .min = 1, .max = kMax, .integer = true},
      {.name = "suppress", .default_value = 0, .min = 0, .max = kMax, .integer = true},
      {.name = "threshold",
       .default_value = 4.0,
       .min = 0.0,
       .max = internal::kNoUpperBound,
       .min_exclusive = true},
      {.name = "window", .default_value = 6400, .min = 2, .max = kMax, .integer = true},
  }};
  KEEL_ASSIGN_OR_RETURN(auto values,
                        internal::ResolveParams(kWindowedGaussianKind, params, kSpecs));
  Options options{.window = static_cast<int64_t>(values.at("window")),
                  .short_window = static_cast<int64_t>(values.at("short_window")),
                  .min_history = static_cast<int64_t>(values.at("min_history")),
                  .suppress = static_cast<int64_t>(values.at("suppress")),
                  .calibrate = static_cast<int64_t>(values.at("calibrate")),
                  .calibrate_quantile = values.at("calibrate_quantile"),
                  .threshold = values.at("threshold")};
  if (options.short_window > options.window || options.min_history > options.window) {
    return Status::InvalidArgument(fmt::format(
        "detector \"{}\": short_window ({}) and min_history ({}) must not exceed "
        "window ({})",
        kWindowedGaussianKind, options.short_window, options.min_history, options.window));
  }
  return std::unique_ptr<Detector>(std::make_unique<WindowedGaussianDetector>(options));
}

Status WindowedGaussianDetector::Fit(const std::vector<std::vector<double>>& normal) {
  KEEL_ASSIGN_OR_RETURN(const size_t dims, internal::CheckRows(kWindowedGaussianKind, normal, 1));
  dims_ = dims;
  history_.clear();
  past_raw_z_.clear();
  recent_z_.clear();
  offset_ = normal.front();
  sum_.assign(dims, 0.0);
  sum_sq_.assign(dims, 0.0);
  for (const auto& row : normal) Push(row);
  return Status::Ok();
}

void WindowedGaussianDetector::Recompute() {
  std::fill(sum_.begin(), sum_.end(), 0.0);
  std::fill(sum_sq_.begin(), sum_sq_.end(), 0.0);
  for (const auto& row : history_) {
    for (size_t i = 0; i < dims_; ++i) {
      const double d = row[i] - offset_[i];
      sum_[i] += d;
      sum_sq_[i] += d * d;
    }
  }
  updates_since_recompute_ = 0;
}

void WindowedGaussianDetector::Push(std::span<const double> x) {
  history_.emplace_back(x.begin(), x.end());
  for (size_t i = 0; i < dims_; ++i) {
    const double d = x[i] - offset_[i];
    sum_[i] += d;
    sum_sq_[i] += d * d;
  }
  if (history_.size() > static_cast<size_t>(options_.window)) {
    for (size_t i = 0; i < dims_; ++i) {
      const double d = history_.front()[i] - offset_[i];
      sum_[i] -= d;
      sum_sq_[i] -= d * d;
    }
    history_.pop_front();
  }
  if (++updates_since_recompute_ >= options_.window) Recompute();
}

Result<double> WindowedGaussianDetector::Score(std::span<const double> x) {
  if (dims_ == 0) {
    KEEL_RETURN_IF_ERROR(internal::CheckVector(kWindowedGaussianKind, x, x.size()));
    if (x.empty()) {
      return Status::InvalidArgument(fmt::format("{}: score: empty vector", kWindowedGaussianKind));
    }
    dims_ = x.size();
    offset_.assign(x.begin(), x.end());
    sum_.assign(dims_, 0.0);
    sum_sq_.assign(dims_, 0.0);
  }
  KEEL_RETURN_IF_ERROR(internal::CheckVector(kWindowedGaussianKind, x, dims_));
  double z = 0.0;
  const size_t n = history_.size();
  const bool enough_history = n >= static_cast<size_t>(options_.min_history);
  if (enough_history) {
    const size_t s = std::min(static_cast<size_t>(options_.short_window), n + 1);
    for (size_t i = 0; i < dims_; ++i) {
      const double mean = sum_[i] / static_cast<double>(n);
      const double var = std::max(sum_sq_[i] / static_cast<double>(n) - mean * mean, 0.0);
      const double mu = mean + offset_[i];
      const double sd = std::max(std::sqrt(var), internal::ScaleFloor(mu));
      double short_sum = x[i];
      for (size_t k = 1; k < s; ++k) short_sum += history_[n - k][i];
      const double m = short_sum / static_cast<double>(s);
      z = std::max(z, std::abs(m - mu) / (sd / std::sqrt(static_cast<double>(s))));
    }
  }
  Push(x);
  if (options_.calibrate > 0 && enough_history) {
    const double raw = z;
    if (past_raw_z_.size() >= static_cast<size_t>(options_.min_history)) {
      const double typical = internal::Quantile(
          std::vector<double>(past_raw_z_.begin(), past_raw_z_.end()), options_.calibrate_quantile);
      z /= std::max(typical, 1.0);
    }
    past_raw_z_.push_back(raw);
    if (past_raw_z_.size() > static_cast<size_t>(options_.calibrate)) past_raw_z_.pop_front();
  }
  if (options_.suppress == 0) return z;
  const bool rising = std::all_of(recent_z_.begin(), recent_z_.end(),
                                  [z](double previous) { return z > previous; });
  recent_z_.push_back(z);
  if (recent_z_.size() > static_cast<size_t>(options_.suppress)) recent_z_.pop_front();
  return rising ? z : 0.0;
}

}  // namespace keel::edge::inference
