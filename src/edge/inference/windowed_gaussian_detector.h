// "windowed_gaussian": an online detector for univariate (or per-dimension)
// streams that judges each value against a Gaussian fitted to a sliding
// window of the values before it — in the spirit of NAB's "windowedGaussian"
// baseline, plus two options aimed at NAB's scoring (early detection inside a
// window, a cost for every detection outside one).
//
// Per dimension i, with the previous values H (at most "window" = W of them,
// mean mu_i, population standard deviation sd_i floored at
// 1e-9 * max(1, |mu_i|)) and the mean m_i of the last "short_window" = s
// values including x (fewer while fewer have been seen):
//   z_i = |m_i - mu_i| / (sd_i / sqrt(s'))   with s' the number averaged
//   z   = max over i of z_i
// While fewer than "min_history" values precede x, z = 0. Afterwards x joins
// the history (the oldest leaves beyond W).
//
// Per-stream calibration ("calibrate" = L rows, default 0 = off): z is
// divided by max(1, the "calibrate_quantile" q quantile (default 0.99, linear
// interpolation) of the raw z of the previous L scored rows, those with
// enough history); with fewer than min_history such rows it is left as is.
// So a stream whose z are routinely large (heavy tails) needs a larger
// excursion than a quiet one to score as high.
//
// Alarm suppression ("suppress" = k rows, default 0 = off): the score is z
// (calibrated if enabled) if it exceeds every such value of the previous k
// rows, else 0 — so a persistent
// excursion yields one rising edge of high scores rather than a long run,
// whatever threshold is applied later (NAB chooses its own).
//
// Fit() is optional: it resets the state and appends the rows to the history
// (nothing is scored); the dimension is fixed by Fit() or the first Score().
// Score() is causal. Running sums are re-computed from the window every W
// updates to bound rounding drift.
//
// Params: "calibrate" whole number in [0, 1e6] (default 0),
// "calibrate_quantile" in (0, 1] (default 0.99), "window" whole number in
// [2, 1e6] (default 6400), "short_window" in
// [1, window] (default 1), "min_history" in [2, window] (default 10),
// "suppress" whole number in [0, 1e6] (default 0), "threshold" > 0 in
// standard errors (default 4). Not thread-safe.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "edge/inference/detector.h"

namespace keel::edge::inference {

inline constexpr std::string_view kWindowedGaussianKind = "windowed_gaussian";

class WindowedGaussianDetector final : public Detector {
 public:
  struct Options {
    int64_t window = 6400;
    int64_t short_window = 1;
    int64_t min_history = 10;
    int64_t suppress = 0;
    int64_t calibrate = 0;
    double calibrate_quantile = 0.99;
    double threshold = 4.0;
  };

  // InvalidArgument for unknown or out-of-range params.
  static Result<std::unique_ptr<Detector>> Create(const std::map<std::string, double>& params);

  explicit WindowedGaussianDetector(Options options) : options_(options) {}

  std::string_view kind() const override { return kWindowedGaussianKind; }
  Status Fit(const std::vector<std::vector<double>>& normal) override;
  Result<double> Score(std::span<const double> x) override;
  double threshold() const override { return options_.threshold; }

 private:
  void Push(std::span<const double> x);
  void Recompute();

  Options options_;
  size_t dims_ = 0;
  std::deque<std::vector<double>> history_;
  std::vector<double> sum_;
  std::vector<double> sum_sq_;
  std::vector<double> offset_;  // subtracted before summing (first value seen)
  int64_t updates_since_recompute_ = 0;
  std::deque<double> past_raw_z_;  // last `calibrate` raw z
  std::deque<double> recent_z_;    // last `suppress` (calibrated) z
};

}  // namespace keel::edge::inference
