#include "edge/inference/resonance_detector.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>

#include "edge/inference/detector_support.h"

namespace keel::edge::inference {
namespace {

constexpr double kChoiceAlpha = 1e-3;  // Fuzzy ART's choice parameter: prefers smaller boxes
constexpr int kAutoRhoHighest = 99;    // highest auto vigilance, in hundredths

}  // namespace

Result<std::unique_ptr<Detector>> ResonanceDetector::Create(
    const std::map<std::string, double>& params) {
  constexpr double kMax = 1e6;
  static constexpr std::array<internal::ParamSpec, 11> kSpecs{{
      {.name = "rho_min", .default_value = 0.8, .min = 0, .max = 1, .max_exclusive = true},
      {.name = "margin", .default_value = 0.1, .min = 0, .max = 10},
      {.name = "max_categories", .default_value = 4000, .min = 1, .max = kMax, .integer = true},
      {.name = "memory", .default_value = 2000, .min = 1, .max = kMax, .integer = true},
      {.name = "rest_level", .default_value = 0.5, .min = 0, .max = 1, .min_exclusive = true},
      {.name = "rest_windows", .default_value = 1.5, .min = 0, .max = 1e3},
      {.name = "rho", .default_value = 0, .min = 0, .max = 1, .max_exclusive = true},
      {.name = "settle", .default_value = 0, .min = 0, .max = kMax, .integer = true},
      {.name = "step", .default_value = 0, .min = 0, .max = kMax, .integer = true},
      {.name = "threshold", .default_value = 0.5, .min = 0, .max = 1, .min_exclusive = true},
      {.name = "window", .default_value = 8, .min = 1, .max = 64, .integer = true},
  }};
  KEEL_ASSIGN_OR_RETURN(auto values, internal::ResolveParams(kResonanceKind, params, kSpecs));
  return std::unique_ptr<Detector>(std::make_unique<ResonanceDetector>(
      Options{.window = static_cast<int64_t>(values.at("window")),
              .step = static_cast<int64_t>(values.at("step")),
              .rho = values.at("rho"),
              .rho_min = values.at("rho_min"),
              .settle = static_cast<int64_t>(values.at("settle")),
              .margin = values.at("margin"),
              .memory = static_cast<int64_t>(values.at("memory")),
              .max_categories = static_cast<int64_t>(values.at("max_categories")),
              .rest_windows = values.at("rest_windows"),
              .rest_level = values.at("rest_level"),
              .threshold = values.at("threshold")}));
}

void ResonanceDetector::SetRange(size_t dim, double lo, double hi) {
  const double span = std::max(hi - lo, internal::ScaleFloor(std::max(std::abs(lo), std::abs(hi))));
  ranges_[dim] = {.seen_lo = lo,
                  .seen_hi = hi,
                  .lo = lo - options_.margin * span,
                  .hi = hi + options_.margin * span};
  if (ranges_[dim].hi - ranges_[dim].lo < span) ranges_[dim].hi = ranges_[dim].lo + span;
}

bool ResonanceDetector::AddRow(std::span<const double> row) {
  for (size_t d = 0; d < dims_; ++d) block_sum_[d] += row[d];
  if (++block_rows_ < step_) return false;
  std::vector<double> mean(dims_);
  for (size_t d = 0; d < dims_; ++d) mean[d] = block_sum_[d] / static_cast<double>(step_);
  blocks_.push_back(std::move(mean));
  if (blocks_.size() > static_cast<size_t>(options_.memory)) blocks_.pop_front();
  std::fill(block_sum_.begin(), block_sum_.end(), 0.0);
  block_rows_ = 0;
  return true;
}

bool ResonanceDetector::InputOf(size_t end, std::vector<double>& input) const {
  const auto window = static_cast<size_t>(options_.window);
  if (end < window || end > blocks_.size()) return false;
  const size_t half = window * dims_;
  input.assign(2 * half, 0.0);
  for (size_t k = 0; k < window; ++k) {
    const std::vector<double>& block = blocks_[end - window + k];
    for (size_t d = 0; d < dims_; ++d) {
      const Range& r = ranges_[d];
      const double x = std::clamp((block[d] - r.lo) / (r.hi - r.lo), 0.0, 1.0);
      input[k * dims_ + d] = x;
      input[half + k * dims_ + d] = 1.0 - x;
    }
  }
  return true;
}

double ResonanceDetector::Present(std::vector<std::vector<double>>& categories,
                                  const std::vector<double>& input, double rho) const {
  const auto size = static_cast<double>(input.size() / 2);  // |I| of a complement-coded input
  double best_match = 0.0;
  std::vector<double>* resonant = nullptr;
  double resonant_choice = -1.0;
  for (std::vector<double>& w : categories) {
    double overlap = 0.0;
    double weight = 0.0;
    for (size_t k = 0; k < input.size(); ++k) {
      overlap += std::min(input[k], w[k]);
      weight += w[k];
    }
    const double match = overlap / size;
    best_match = std::max(best_match, match);
    const double choice = overlap / (kChoiceAlpha + weight);
    if (match >= rho && choice > resonant_choice) {
      resonant = &w;
      resonant_choice = choice;
    }
  }
  if (resonant != nullptr) {
    for (size_t k = 0; k < input.size(); ++k) (*resonant)[k] = std::min((*resonant)[k], input[k]);
  } else if (categories.size() < static_cast<size_t>(options_.max_categories)) {
    categories.push_back(input);
  }
  return best_match;
}

void ResonanceDetector::Relearn() {
  categories_.clear();
  std::vector<double> input;
  for (size_t end = 1; end <= blocks_.size(); ++end) {
    if (InputOf(end, input)) Present(categories_, input, rho_);
  }
}

size_t ResonanceDetector::NewInSecondHalf(const std::vector<std::vector<double>>& inputs,
                                          double rho) const {
  std::vector<std::vector<double>> categories;
  const size_t half = inputs.size() / 2;
  for (size_t i = 0; i < half; ++i) Present(categories, inputs[i], rho);
  const size_t learned = categories.size();
  for (size_t i = half; i < inputs.size(); ++i) Present(categories, inputs[i], rho);
  return categories.size() - learned;
}

Status ResonanceDetector::Fit(const std::vector<std::vector<double>>& normal) {
  KEEL_ASSIGN_OR_RETURN(const size_t dims, internal::CheckRows(kResonanceKind, normal, 2));
  dims_ = dims;
  step_ = internal::ShapeBlockRows(options_.step, normal.size(), options_.window);
  rest_ = std::llround(options_.rest_windows * static_cast<double>(options_.window * step_));
  ranges_.assign(dims, Range{});
  const auto columns = internal::ColumnRanges(normal);
  for (size_t d = 0; d < dims; ++d) SetRange(d, columns[d].first, columns[d].second);
  block_sum_.assign(dims, 0.0);
  block_rows_ = 0;
  blocks_.clear();
  for (const auto& row : normal) AddRow(row);
  resting_ = 0;

  rho_ = options_.rho;
  if (rho_ == 0) {
    std::vector<std::vector<double>> inputs;
    std::vector<double> input;
    for (size_t end = 1; end <= blocks_.size(); ++end) {
      if (InputOf(end, input)) inputs.push_back(input);
    }
    const auto lowest = static_cast<int>(std::ceil(options_.rho_min * 100 - 1e-9));
    rho_ = lowest / 100.0;
    for (int hundredths = kAutoRhoHighest; hundredths >= lowest; --hundredths) {
      if (NewInSecondHalf(inputs, hundredths / 100.0) <= static_cast<size_t>(options_.settle)) {
        rho_ = hundredths / 100.0;
        break;
      }
    }
  }
  Relearn();
  return Status::Ok();
}

Result<double> ResonanceDetector::Score(std::span<const double> x) {
  if (dims_ == 0) {
    return Status::FailedPrecondition(
        fmt::format("{}: score: Fit() has not succeeded yet", kResonanceKind));
  }
  KEEL_RETURN_IF_ERROR(internal::CheckVector(kResonanceKind, x, dims_));
  bool outside = false;
  for (size_t d = 0; d < dims_; ++d) {
    const Range& r = ranges_[d];
    if (x[d] < r.lo || x[d] > r.hi) {
      SetRange(d, std::min(r.seen_lo, x[d]), std::max(r.seen_hi, x[d]));
      outside = true;
    }
  }
  const bool block_done = AddRow(x);
  double raw = 0.0;
  if (outside) {
    Relearn();
    raw = 1.0;
  } else if (block_done) {
    std::vector<double> input;
    if (InputOf(blocks_.size(), input)) {
      const double match = Present(categories_, input, rho_);
      const double d = 1.0 - match;
      raw = std::min(1.0, d / (1.0 - rho_) / 2.0);
    }
  }
  if (resting_ > 0) {
    --resting_;
    return 0.0;
  }
  if (raw >= options_.rest_level) resting_ = rest_;
  return raw;
}

}  // namespace keel::edge::inference
