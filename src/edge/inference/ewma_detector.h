// "ewma": an online per-dimension EWMA mean/variance detector that needs no
// Fit() — suited to univariate NAB-style streams, works for any dimension.
//
// For each vector, before updating:
//   score(x) = max over dimensions i of |x_i - mean_i| / sd_i
// then, with a_n = max(alpha, 1 / n) for the n-th vector seen (so the first
// ~1/alpha vectors give the plain running mean and population variance):
//   diff = x_i - mean_i;  mean_i += a_n diff;  var_i = (1 - a_n)(var_i + a_n diff^2)
// sd_i is floored at 1e-9 * max(1, |mean_i|) so a constant stream that changes
// scores very high but finite. The first "warmup" vectors score 0.
//
// Fit() is optional: it resets the state and feeds the rows through the same
// update (no scoring), i.e. warms the detector up; the dimension is fixed by
// Fit() or, without it, by the first Score(). Score is causal.
//
// Params: "alpha" in (0, 1] (default 0.01), "threshold" > 0 in standard
// deviations (default 4), "warmup" whole number >= 2 (default 10).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "edge/inference/detector.h"

namespace keel::edge::inference {

inline constexpr std::string_view kEwmaKind = "ewma";

class EwmaDetector final : public Detector {
 public:
  struct Options {
    double alpha = 0.01;
    double threshold = 4.0;
    int64_t warmup = 10;
  };

  // InvalidArgument for unknown or out-of-range params.
  static Result<std::unique_ptr<Detector>> Create(const std::map<std::string, double>& params);

  explicit EwmaDetector(Options options) : options_(options) {}

  std::string_view kind() const override { return kEwmaKind; }
  Status Fit(const std::vector<std::vector<double>>& normal) override;
  Result<double> Score(std::span<const double> x) override;
  double threshold() const override { return options_.threshold; }

  // Vectors absorbed so far (Fit rows + scored vectors).
  int64_t count() const { return count_; }
  const std::vector<double>& mean() const { return mean_; }
  const std::vector<double>& variance() const { return variance_; }

 private:
  void Update(std::span<const double> x);

  Options options_;
  int64_t count_ = 0;
  std::vector<double> mean_;
  std::vector<double> variance_;
};

}  // namespace keel::edge::inference
