#include "edge/inference/zscore_detector.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>

#include "edge/inference/detector_support.h"

namespace keel::edge::inference {
namespace {

constexpr double kMadToSigma = 1.4826;
constexpr double kMeanAbsToSigma = 1.2533;
constexpr double kClipScales = 3.0;

double Median(std::vector<double> values) {
  const size_t mid = values.size() / 2;
  std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(mid), values.end());
  const double upper = values[mid];
  if (values.size() % 2 == 1) return upper;
  const double lower =
      *std::max_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(mid));
  return (lower + upper) / 2.0;
}

}  // namespace

Result<std::unique_ptr<Detector>> ZScoreDetector::Create(
    const std::map<std::string, double>& params) {
  static constexpr std::array<internal::ParamSpec, 2> kSpecs{{
      {.name = "alpha", .default_value = 0.0, .min = 0.0, .max = 1.0, .max_exclusive = true},
      {.name = "threshold",
       .default_value = 3.5,
       .min = 0.0,
       .max = internal::kNoUpperBound,
       .min_exclusive = true},
  }};
  KEEL_ASSIGN_OR_RETURN(auto values, internal::ResolveParams(kZScoreKind, params, kSpecs));
  return std::unique_ptr<Detector>(std::make_unique<ZScoreDetector>(
      Options{.alpha = values.at("alpha"), .threshold = values.at("threshold")}));
}

Status ZScoreDetector::Fit(const std::vector<std::vector<double>>& normal) {
  KEEL_ASSIGN_OR_RETURN(const size_t dims, internal::CheckRows(kZScoreKind, normal, 1));
  std::vector<double> location(dims);
  std::vector<double> scale(dims);
  std::vector<double> column(normal.size());
  for (size_t c = 0; c < dims; ++c) {
    for (size_t r = 0; r < normal.size(); ++r) column[r] = normal[r][c];
    const double median = Median(column);
    double mean_abs = 0.0;
    for (double& v : column) {
      v = std::abs(v - median);
      mean_abs += v;
    }
    mean_abs /= static_cast<double>(column.size());
    double s = kMadToSigma * Median(column);
    if (s <= 0.0) s = kMeanAbsToSigma * mean_abs;
    location[c] = median;
    scale[c] = std::max(s, internal::ScaleFloor(median));
  }
  location_ = std::move(location);
  scale_ = std::move(scale);
  return Status::Ok();
}

Result<double> ZScoreDetector::Score(std::span<const double> x) {
  if (location_.empty()) {
    return Status::FailedPrecondition("zscore: score: Fit() has not succeeded yet");
  }
  KEEL_RETURN_IF_ERROR(internal::CheckVector(kZScoreKind, x, location_.size()));
  double score = 0.0;
  for (size_t i = 0; i < x.size(); ++i) {
    score = std::max(score, std::abs(x[i] - location_[i]) / scale_[i]);
  }
  if (options_.alpha > 0.0) {
    const double a = options_.alpha;
    for (size_t i = 0; i < x.size(); ++i) {
      const double limit = kClipScales * scale_[i];
      const double d = std::clamp(x[i] - location_[i], -limit, limit);
      location_[i] += a * d;
      scale_[i] = std::max((1.0 - a) * scale_[i] + a * kMeanAbsToSigma * std::abs(d),
                           internal::ScaleFloor(location_[i]));
    }
  }
  return score;
}

}  // namespace keel::edge::inference
