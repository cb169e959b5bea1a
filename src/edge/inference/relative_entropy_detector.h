// "relative_entropy": a detector that compares, for each dimension separately, the histogram of the
// last "window" values with the distributions seen so far, after the
// relative-entropy hypothesis test of Wang et al. (2011, "Statistical
// techniques for online anomaly detection in data centers"), which NAB ships
// as its "relativeEntropy" baseline. This is an independent implementation.
//
// Everything below is per dimension; the score is the maximum over
// dimensions (NAB streams have one).
//
// Fit() (>= 2 rows) takes the value range [lo, hi] of its rows
// (widened to a non-empty interval if constant) and runs the rows through the
// update below without scoring. Values are put into "bins" equal-width bins
// over [lo, hi]; values outside fall into the first or last bin.
//
// Score(x): x joins the window of the last W = "window" values. While the
// window is not full the score is 0. Otherwise, with P the window's bin
// frequencies and, for each stored hypothesis Q (an earlier window's
// frequencies), Q'_i = Q_i, or 1 / (2 W) (half an observation) where Q_i = 0
// so that every divergence is finite,
//   stat(Q) = 2 W sum_{i: P_i > 0} P_i ln(P_i / Q'_i)
//   score   = max(0, min over hypotheses of stat(Q)) / "critical"
// (1e6 when there is no hypothesis yet). 2 W times the relative entropy is
// approximately chi-square with bins - 1 degrees of freedom when P is drawn
// from Q, so with the default "critical" 13.277 (the 0.99 quantile for 4
// degrees of freedom, the default 5 bins) a score above 1 means no stored
// distribution explains the window. Such a window is stored as a new
// hypothesis (at most 10000 are kept). Unlike Wang et al.'s binary decision
// (which also flags windows matching a rarely seen hypothesis) the score is
// graded, so the benchmark's threshold can be chosen on it.
//
// Params: "window" whole number in [2, 100000] (default 52), "bins" whole
// number in [2, 1000] (default 5), "critical" > 0, "threshold" > 0
// (default 1). Needs Fit()
// (FailedPrecondition otherwise). Not thread-safe.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "edge/inference/detector.h"

namespace keel::edge::inference {

inline constexpr std::string_view kRelativeEntropyKind = "relative_entropy";

class RelativeEntropyDetector final : public Detector {
 public:
  struct Options {
    int64_t window = 52;
    int64_t bins = 5;
    double critical = 13.277;
    double threshold = 1.0;
  };

  // InvalidArgument for unknown or out-of-range params.
  static Result<std::unique_ptr<Detector>> Create(const std::map<std::string, double>& params);

  explicit RelativeEntropyDetector(Options options) : options_(options) {}

  std::string_view kind() const override { return kRelativeEntropyKind; }
  Status Fit(const std::vector<std::vector<double>>& normal) override;
  Result<double> Score(std::span<const double> x) override;
  double threshold() const override { return options_.threshold; }

  // Hypotheses stored for dimension `dim` (0 before Fit() or out of range).
  size_t hypotheses(size_t dim) const {
    return dim < channels_.size() ? channels_[dim].hypotheses.size() : 0;
  }

 private:
  struct Channel {
    double lo = 0.0;
    double hi = 1.0;
    std::deque<size_t> window;                    // bin indices of the last values
    std::vector<std::vector<double>> hypotheses;  // bin frequencies
  };

  double Update(Channel& channel, double value) const;
  size_t BinOf(const Channel& channel, double value) const;

  Options options_;
  std::vector<Channel> channels_;  // one per dimension; empty before Fit()
};

}  // namespace keel::edge::inference
