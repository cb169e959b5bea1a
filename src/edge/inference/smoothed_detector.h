// "smoothed_<inner>" (smoothed_pca, smoothed_mahalanobis, smoothed_zscore,
// smoothed_ewma, smoothed_windowed_gaussian, smoothed_relative_entropy): a
// causal wrapper that turns an inner detector's row scores into a k-of-n style
// vote, for anomalies that last many rows (e.g. SKAB's multi-minute faults),
// where isolated single-row excursions of the inner score are false alarms.
//
// Two stages, both causal:
//  1. Input smoothing ("input_window" = m rows, default 1 = off): the inner
//     detector sees the mean of the last m input vectors (fewer at the start
//     of the training rows). Fit() trains the inner detector on the training
//     rows smoothed the same way and keeps their last m - 1 rows, so the first
//     scored vector is averaged with the end of the training part (which
//     precedes it in time).
//  2. Score voting ("window" = n rows, default 1 = off): with r_t = inner
//     score / inner threshold (inner threshold <= 0 is taken as 1), so r > 1
//     means "the inner detector alarms",
//       score_t = "quantile" q of {r_{t-n+1}, ..., r_t}
//     (linear interpolation, detector_support.h; over the scores seen so far
//     while fewer than n). With q = 0.5 the wrapper alarms when about half of
//     the last n rows alarm; lower q needs more of them. The default
//     "threshold" 1 keeps the inner detector's own cut-off.
//  3. Rising-edge suppression ("suppress" = k rows, default 0 = off): the
//     score is the voted value v_t if it exceeds every v of the previous k
//     rows, else 0 — one burst of high scores per excursion instead of a
//     long run, whatever threshold is applied later (as NAB does: it credits
//     only the first detection in an anomaly window and charges every one
//     outside).
//
// Params: "input_window" and "window" whole numbers in [1, 100000],
// "suppress" whole number in [0, 100000] (default 0),
// "quantile" in (0, 1] (default 0.5), "threshold" > 0 (default 1); every
// parameter named "inner.<name>" is passed to the inner detector as <name>.
// Fit() errors are the inner detector's; Score() needs Fit() first
// (FailedPrecondition). Not thread-safe.
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

inline constexpr std::string_view kSmoothedPrefix = "smoothed_";

class SmoothedDetector final : public Detector {
 public:
  struct Options {
    int64_t input_window = 1;
    int64_t window = 1;
    double quantile = 0.5;
    int64_t suppress = 0;
    double threshold = 1.0;
  };

  // Creates "smoothed_<inner_kind>" around CreateDetector({inner_kind, inner.*
  // params}). InvalidArgument for unknown or out-of-range params (own or the
  // inner detector's).
  static Result<std::unique_ptr<Detector>> CreateOver(std::string_view inner_kind,
                                                      const std::map<std::string, double>& params);

  SmoothedDetector(std::unique_ptr<Detector> inner, Options options);

  std::string_view kind() const override { return kind_; }
  Status Fit(const std::vector<std::vector<double>>& normal) override;
  Result<double> Score(std::span<const double> x) override;
  double threshold() const override { return options_.threshold; }

  const Detector& inner() const { return *inner_; }

 private:
  std::unique_ptr<Detector> inner_;
  Options options_;
  std::string kind_;
  size_t dims_ = 0;
  std::deque<std::vector<double>> inputs_;  // last input_window - 1 vectors
  std::deque<double> ratios_;               // last window - 1 normalized scores
  std::deque<double> voted_;                // last `suppress` voted scores
};

}  // namespace keel::edge::inference
