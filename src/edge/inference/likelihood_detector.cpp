#include "edge/inference/likelihood_detector.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

#include "edge/inference/detector_support.h"

namespace keel::edge::inference {
namespace {

constexpr double kTailFloor = 1e-10;

double UnitScore(double s, double t) {
  if (s == std::numeric_limits<double>::infinity()) return 1.0;
  const double v = std::max(s, 0.0);
  const double scale = t > 0 ? t : 1.0;
  return v / (v + scale);
}

}  // namespace

Result<std::unique_ptr<Detector>> LikelihoodDetector::CreateOver(
    std::string_view inner_kind, const std::map<std::string, double>& params) {
  const std::string kind = fmt::format("{}{}", kLikelihoodPrefix, inner_kind);
  auto [own, inner_params] = internal::SplitInnerParams(params);
  constexpr double kMax = 1e6;
  static constexpr std::array<internal::ParamSpec, 8> kSpecs{{
      {.name = "inner_fit", .default_value = 0.5, .min = 0, .max = 1, .min_exclusive = true},
      {.name = "min_history", .default_value = 100, .min = 1, .max = kMax, .integer = true},
      {.name = "min_sd",
       .default_value = 0.01,
       .min = 0,
       .max = internal::kNoUpperBound,
       .min_exclusive = true},
      {.name = "short_window", .default_value = 10, .min = 1, .max = 1e4, .integer = true},
      {.name = "spatial_tolerance", .default_value = 0, .min = 0, .max = 10},
      {.name = "suppress", .default_value = 0, .min = 0, .max = kMax, .integer = true},
      {.name = "threshold", .default_value = 0.5, .min = 0, .max = 1, .min_exclusive = true},
      {.name = "window", .default_value = 8000, .min = 2, .max = kMax, .integer = true},
  }};
  KEEL_ASSIGN_OR_RETURN(auto values, internal::ResolveParams(kind, own, kSpecs));
  auto inner = CreateDetector({std::string(inner_kind), inner_params});
  if (!inner.ok()) return inner.status().WithContext(kind);
  return std::unique_ptr<Detector>(std::make_unique<LikelihoodDetector>(
      std::move(*inner), Options{.window = static_cast<int64_t>(values.at("window")),
                                 .short_window = static_cast<int64_t>(values.at("short_window")),
                                 .min_history = static_cast<int64_t>(values.at("min_history")),
                                 .min_sd = values.at("min_sd"),
                                 .inner_fit = values.at("inner_fit"),
                                 .spatial_tolerance = values.at("spatial_tolerance"),
                                 .suppress = static_cast<int64_t>(values.at("suppress")),
                                 .threshold = values.at("threshold")}));
}

LikelihoodDetector::LikelihoodDetector(std::unique_ptr<Detector> inner, Options options)
    : inner_(std::move(inner)),
      options_(options),
      kind_(fmt::format("{}{}", kLikelihoodPrefix, inner_->kind())) {}

Status LikelihoodDetector::Fit(const std::vector<std::vector<double>>& normal) {
  KEEL_ASSIGN_OR_RETURN(const size_t dims, internal::CheckRows(kind_, normal, 1));
  const auto fit_rows = std::clamp<size_t>(
      static_cast<size_t>(std::ceil(options_.inner_fit * static_cast<double>(normal.size()))), 1,
      normal.size());
  const std::vector<std::vector<double>> head(
      normal.begin(), normal.begin() + static_cast<std::ptrdiff_t>(fit_rows));
  KEEL_RETURN_IF_ERROR(inner_->Fit(head).WithContext(kind_));
  dims_ = dims;
  recent_u_.clear();
  recent_u_sum_ = 0;
  averages_.clear();
  sum_ = sum_sq_ = 0;
  updates_since_recompute_ = 0;
  recent_scores_.clear();
  min_ = max_ = normal.front();
  for (const auto& row : head) TrackRange(row);
  for (size_t i = fit_rows; i < normal.size(); ++i) {
    auto s = inner_->Score(normal[i]);
    if (!s.ok()) return s.status().WithContext(kind_ + ": fit");
    Update(*s);
    TrackRange(normal[i]);
  }
  return Status::Ok();
}

void LikelihoodDetector::TrackRange(std::span<const double> x) {
  for (size_t i = 0; i < dims_; ++i) {
    min_[i] = std::min(min_[i], x[i]);
    max_[i] = std::max(max_[i], x[i]);
  }
}

bool LikelihoodDetector::SpatialAnomaly(std::span<const double> x) {
  bool outside = false;
  for (size_t i = 0; i < dims_; ++i) {
    const double margin = options_.spatial_tolerance * (max_[i] - min_[i]);
    outside = outside || x[i] > max_[i] + margin || x[i] < min_[i] - margin;
  }
  TrackRange(x);
  return outside;
}

double LikelihoodDetector::Update(double inner_score) {
  const double u = UnitScore(inner_score, inner_->threshold());
  recent_u_.push_back(u);
  recent_u_sum_ += u;
  if (recent_u_.size() > static_cast<size_t>(options_.short_window)) {
    recent_u_sum_ -= recent_u_.front();
    recent_u_.pop_front();
  }
  const double a = recent_u_sum_ / static_cast<double>(recent_u_.size());
  double score = 0.0;
  const size_t n = averages_.size();
  if (n >= static_cast<size_t>(options_.min_history)) {
    const double mean = sum_ / static_cast<double>(n);
    const double var = std::max(sum_sq_ / static_cast<double>(n) - mean * mean, 0.0);
    const double sd = std::max(std::sqrt(var), options_.min_sd);
    const double tail = 0.5 * std::erfc((a - mean) / sd / std::sqrt(2.0));
    score = std::clamp(std::log(tail + kTailFloor) / std::log(kTailFloor), 0.0, 1.0);
  }
  averages_.push_back(a);
  sum_ += a;
  sum_sq_ += a * a;
  if (averages_.size() > static_cast<size_t>(options_.window)) {
    sum_ -= averages_.front();
    sum_sq_ -= averages_.front() * averages_.front();
    averages_.pop_front();
  }
  if (++updates_since_recompute_ >= options_.window) {
    sum_ = sum_sq_ = 0;
    for (double v : averages_) {
      sum_ += v;
      sum_sq_ += v * v;
    }
    updates_since_recompute_ = 0;
    recent_u_sum_ = 0;
    for (double v : recent_u_) recent_u_sum_ += v;
  }
  return score;
}

Result<double> LikelihoodDetector::Score(std::span<const double> x) {
  if (dims_ == 0) {
    return Status::FailedPrecondition(fmt::format("{}: score: Fit() has not succeeded yet", kind_));
  }
  KEEL_RETURN_IF_ERROR(internal::CheckVector(kind_, x, dims_));
  auto inner_score = inner_->Score(x);
  if (!inner_score.ok()) return inner_score.status().WithContext(kind_);
  double score = Update(*inner_score);
  const bool outside = SpatialAnomaly(x);
  if (options_.spatial_tolerance > 0 && outside) score = 1.0;
  if (options_.suppress == 0) return score;
  const bool rising = std::all_of(recent_scores_.begin(), recent_scores_.end(),
                                  [score](double previous) { return score > previous; });
  recent_scores_.push_back(score);
  if (recent_scores_.size() > static_cast<size_t>(options_.suppress)) recent_scores_.pop_front();
  return rising ? score : 0.0;
}

}  // namespace keel::edge::inference
