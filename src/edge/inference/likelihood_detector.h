// "likelihood_<inner>" (likelihood_contextual, likelihood_windowed_gaussian,
// likelihood_ewma, likelihood_zscore): a causal post-processor that turns an
// inner detector's raw scores into an anomaly likelihood, after the
// "anomaly likelihood" of Ahmad et al., "Unsupervised real-time anomaly
// detection for streaming data" (Neurocomputing 2017). It judges how unusual
// the recent level of the raw score is for this stream, so a stream whose
// raw scores are routinely high (noisy, unpredictable) needs a larger change
// than a quiet one.
//
// Per row t:
//   u_t  = s / (s + T): the inner score s (negative taken as 0, +inf as
//          u = 1) on [0, 1) with the inner threshold T (T <= 0 taken as 1)
//   a_t  = mean of u over the last "short_window" = w rows (fewer at first)
//   mu, sd = mean and population standard deviation of the a of the previous
//          "window" = W rows (sd floored at "min_sd")
//   tail = Q((a_t - mu) / sd), Q the standard normal upper tail
//   score = log(tail + 1e-10) / log(1e-10), clamped to [0, 1]
// so 0.5 means a tail probability near 1e-5 and 1 one below 1e-10. While
// fewer than "min_history" previous a exist, the score is 0.
//
// Spatial check ("spatial_tolerance" = f, default 0 = off): a value more than
// f times the span of the values seen so far above their maximum or below
// their minimum scores 1 (Numenta's NAB detector does the same).
//
// Rising-edge suppression ("suppress" = k rows, default 0 = off): the score
// is kept only if it exceeds every score of the previous k rows, else 0.
//
// Fit(): the inner detector is fitted on the first "inner_fit" fraction of
// the rows (at least 1) and scores the rest, whose a_t seed the history;
// nothing is output. Score() needs Fit() first (FailedPrecondition); it is
// causal and deterministic. Scores lie in [0, 1].
//
// Params: "window" whole number in [2, 1e6] (default 8000), "short_window"
// whole number in [1, 1e4] (default 10), "min_history" whole number in
// [1, 1e6] (default 100), "min_sd" > 0 (default 0.01), "inner_fit" in
// (0, 1] (default 0.5), "spatial_tolerance" in [0, 10] (default 0),
// "suppress" whole number in [0, 1e6] (default 0), "threshold" in (0, 1]
// (default 0.5); every "inner.<name>" goes to the inner detector as <name>.
// Not thread-safe.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "edge/inference/detector.h"

namespace keel::edge::inference {

inline constexpr std::string_view kLikelihoodPrefix = "likelihood_";

class LikelihoodDetector final : public Detector {
 public:
  struct Options {
    int64_t window = 8000;
    int64_t short_window = 10;
    int64_t min_history = 100;
    double min_sd = 0.01;
    double inner_fit = 0.5;
    double spatial_tolerance = 0;
    int64_t suppress = 0;
    double threshold = 0.5;
  };

  // Creates "likelihood_<inner_kind>" around CreateDetector({inner_kind,
  // inner.* params}). InvalidArgument for unknown or out-of-range params
  // (own or the inner detector's).
  static Result<std::unique_ptr<Detector>> CreateOver(std::string_view inner_kind,
                                                      const std::map<std::string, double>& params);

  LikelihoodDetector(std::unique_ptr<Detector> inner, Options options);

  std::string_view kind() const override { return kind_; }
  Status Fit(const std::vector<std::vector<double>>& normal) override;
  Result<double> Score(std::span<const double> x) override;
  double threshold() const override { return options_.threshold; }

 private:
  // Feeds one inner score; returns the likelihood score (before the spatial
  // check and suppression).
  double Update(double inner_score);
  // Whether x lies outside the seen range by the tolerance; then extends it.
  bool SpatialAnomaly(std::span<const double> x);
  void TrackRange(std::span<const double> x);

  std::unique_ptr<Detector> inner_;
  Options options_;
  std::string kind_;
  size_t dims_ = 0;
  std::deque<double> recent_u_;  // last short_window u
  double recent_u_sum_ = 0;
  std::deque<double> averages_;  // last window a
  double sum_ = 0;
  double sum_sq_ = 0;
  int64_t updates_since_recompute_ = 0;
  std::vector<double> min_;
  std::vector<double> max_;
  std::deque<double> recent_scores_;  // last `suppress` scores
};

}  // namespace keel::edge::inference
