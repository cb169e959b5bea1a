// "zscore": per-dimension robust z-score.
//
// Fit() learns each dimension's median and scale 1.4826 * MAD (the MAD scaled
// to estimate a normal standard deviation). A dimension whose MAD is 0 uses
// 1.2533 * (mean absolute deviation from the median) instead, and if that is
// 0 too (a constant dimension), a floor of 1e-9 * max(1, |median|), so any
// change of a constant input scores very high but finite.
//
//   score(x) = max over dimensions i of |x_i - location_i| / scale_i
//
// The threshold is in those robust standard deviations (param "threshold",
// default 3.5, the usual modified z-score cut-off).
//
// With param "alpha" > 0, each Score() afterwards adapts location and scale
// by a Huber-clipped EWMA (residual clipped to +-3 scales):
//   d = clip(x_i - location_i, -3 scale_i, 3 scale_i)
//   location_i += alpha * d;  scale_i = (1 - alpha) scale_i + alpha * 1.2533 |d|
// alpha = 0 (default) keeps the Fit() statistics frozen.
//
// Params: "alpha" in [0, 1), "threshold" > 0. Needs Fit() (>= 1 row).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "edge/inference/detector.h"

namespace keel::edge::inference {

inline constexpr std::string_view kZScoreKind = "zscore";

class ZScoreDetector final : public Detector {
 public:
  struct Options {
    double alpha = 0.0;
    double threshold = 3.5;
  };

  // InvalidArgument for unknown or out-of-range params.
  static Result<std::unique_ptr<Detector>> Create(const std::map<std::string, double>& params);

  explicit ZScoreDetector(Options options) : options_(options) {}

  std::string_view kind() const override { return kZScoreKind; }
  Status Fit(const std::vector<std::vector<double>>& normal) override;
  Result<double> Score(std::span<const double> x) override;
  double threshold() const override { return options_.threshold; }

  // Current per-dimension location and scale (empty before Fit()).
  const std::vector<double>& location() const { return location_; }
  const std::vector<double>& scale() const { return scale_; }

 private:
  Options options_;
  std::vector<double> location_;
  std::vector<double> scale_;
};

}  // namespace keel::edge::inference
