#include "edge/inference/smoothed_detector.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>

#include "edge/inference/detector_support.h"

namespace keel::edge::inference {
namespace {

constexpr double kMaxWindow = 100000;

std::vector<double> MeanOf(const std::deque<std::vector<double>>& rows, std::span<const double> x) {
  std::vector<double> mean(x.begin(), x.end());
  for (const auto& row : rows) {
    for (size_t i = 0; i < mean.size(); ++i) mean[i] += row[i];
  }
  const double n = static_cast<double>(rows.size() + 1);
  for (double& v : mean) v /= n;
  return mean;
}

}  // namespace

Result<std::unique_ptr<Detector>> SmoothedDetector::CreateOver(
    std::string_view inner_kind, const std::map<std::string, double>& params) {
  const std::string kind = fmt::format("{}{}", kSmoothedPrefix, inner_kind);
  auto [own, inner_params] = internal::SplitInnerParams(params);
  static constexpr std::array<internal::ParamSpec, 5> kSpecs{{
      {.name = "suppress", .default_value = 0, .min = 0, .max = kMaxWindow, .integer = true},
      {.name = "input_window", .default_value = 1, .min = 1, .max = kMaxWindow, .integer = true},
      {.name = "quantile", .default_value = 0.5, .min = 0.0, .max = 1.0, .min_exclusive = true},
      {.name = "threshold",
       .default_value = 1.0,
       .min = 0.0,
       .max = internal::kNoUpperBound,
       .min_exclusive = true},
      {.name = "window", .default_value = 1, .min = 1, .max = kMaxWindow, .integer = true},
  }};
  KEEL_ASSIGN_OR_RETURN(auto values, internal::ResolveParams(kind, own, kSpecs));
  auto inner = CreateDetector({std::string(inner_kind), inner_params});
  if (!inner.ok()) return inner.status().WithContext(kind);
  return std::unique_ptr<Detector>(std::make_unique<SmoothedDetector>(
      std::move(*inner), Options{.input_window = static_cast<int64_t>(values.at("input_window")),
                                 .window = static_cast<int64_t>(values.at("window")),
                                 .quantile = values.at("quantile"),
                                 .suppress = static_cast<int64_t>(values.at("suppress")),
                                 .threshold = values.at("threshold")}));
}

SmoothedDetector::SmoothedDetector(std::unique_ptr<Detector> inner, Options options)
    : inner_(std::move(inner)),
      options_(options),
      kind_(fmt::format("{}{}", kSmoothedPrefix, inner_->kind())) {}

Status SmoothedDetector::Fit(const std::vector<std::vector<double>>& normal) {
  KEEL_ASSIGN_OR_RETURN(const size_t dims, internal::CheckRows(kind_, normal, 1));
  const auto keep = static_cast<size_t>(options_.input_window - 1);
  std::deque<std::vector<double>> recent;
  std::vector<std::vector<double>> smoothed;
  smoothed.reserve(normal.size());
  for (const auto& row : normal) {
    smoothed.push_back(MeanOf(recent, row));
    recent.push_back(row);
    if (recent.size() > keep) recent.pop_front();
  }
  KEEL_RETURN_IF_ERROR(inner_->Fit(smoothed).WithContext(kind_));
  dims_ = dims;
  inputs_ = std::move(recent);
  ratios_.clear();
  voted_.clear();
  return Status::Ok();
}

Result<double> SmoothedDetector::Score(std::span<const double> x) {
  if (dims_ == 0) {
    return Status::FailedPrecondition(fmt::format("{}: score: Fit() has not succeeded yet", kind_));
  }
  KEEL_RETURN_IF_ERROR(internal::CheckVector(kind_, x, dims_));
  const std::vector<double> mean = MeanOf(inputs_, x);
  auto inner_score = inner_->Score(mean);
  if (!inner_score.ok()) return inner_score.status().WithContext(kind_);
  if (options_.input_window > 1) {
    inputs_.emplace_back(x.begin(), x.end());
    if (inputs_.size() >= static_cast<size_t>(options_.input_window)) inputs_.pop_front();
  }
  const double t = inner_->threshold();
  const double ratio = t > 0 ? *inner_score / t : *inner_score;
  std::vector<double> window(ratios_.begin(), ratios_.end());
  window.push_back(ratio);
  ratios_.push_back(ratio);
  if (ratios_.size() >= static_cast<size_t>(options_.window)) ratios_.pop_front();
  const double voted = internal::Quantile(std::move(window), options_.quantile);
  if (options_.suppress == 0) return voted;
  const bool rising = std::all_of(voted_.begin(), voted_.end(),
                                  [voted](double previous) { return voted > previous; });
  voted_.push_back(voted);
  if (voted_.size() > static_cast<size_t>(options_.suppress)) voted_.pop_front();
  return rising ? voted : 0.0;
}

}  // namespace keel::edge::inference
