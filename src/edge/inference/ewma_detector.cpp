#include "edge/inference/ewma_detector.h"

#include <algorithm>
#include <array>
#include <cmath>

#include "edge/inference/detector_support.h"

namespace keel::edge::inference {

Result<std::unique_ptr<Detector>> EwmaDetector::Create(
    const std::map<std::string, double>& params) {
  static constexpr std::array<internal::ParamSpec, 3> kSpecs{{
      {.name = "alpha", .default_value = 0.01, .min = 0.0, .max = 1.0, .min_exclusive = true},
      {.name = "threshold",
       .default_value = 4.0,
       .min = 0.0,
       .max = internal::kNoUpperBound,
       .min_exclusive = true},
      {.name = "warmup", .default_value = 10, .min = 2, .max = 1e12, .integer = true},
  }};
  KEEL_ASSIGN_OR_RETURN(auto values, internal::ResolveParams(kEwmaKind, params, kSpecs));
  return std::unique_ptr<Detector>(
      std::make_unique<EwmaDetector>(Options{.alpha = values.at("alpha"),
                                             .threshold = values.at("threshold"),
                                             .warmup = static_cast<int64_t>(values.at("warmup"))}));
}

Status EwmaDetector::Fit(const std::vector<std::vector<double>>& normal) {
  KEEL_ASSIGN_OR_RETURN(const size_t dims, internal::CheckRows(kEwmaKind, normal, 1));
  count_ = 0;
  mean_.assign(dims, 0.0);
  variance_.assign(dims, 0.0);
  for (const auto& row : normal) Update(row);
  return Status::Ok();
}

Result<double> EwmaDetector::Score(std::span<const double> x) {
  const size_t dims = mean_.empty() ? x.size() : mean_.size();
  KEEL_RETURN_IF_ERROR(internal::CheckVector(kEwmaKind, x, dims));
  if (dims == 0) return Status::InvalidArgument("ewma: score: empty vector");
  if (mean_.empty()) {
    mean_.assign(dims, 0.0);
    variance_.assign(dims, 0.0);
  }
  double score = 0.0;
  if (count_ >= options_.warmup) {
    for (size_t i = 0; i < dims; ++i) {
      const double sd = std::max(std::sqrt(variance_[i]), internal::ScaleFloor(mean_[i]));
      score = std::max(score, std::abs(x[i] - mean_[i]) / sd);
    }
  }
  Update(x);
  return score;
}

void EwmaDetector::Update(std::span<const double> x) {
  ++count_;
  const double a = std::max(options_.alpha, 1.0 / static_cast<double>(count_));
  for (size_t i = 0; i < x.size(); ++i) {
    const double diff = x[i] - mean_[i];
    mean_[i] += a * diff;
    variance_[i] = (1.0 - a) * (variance_[i] + a * diff * diff);
  }
}

}  // namespace keel::edge::inference
