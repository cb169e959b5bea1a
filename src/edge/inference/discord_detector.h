// "discord": an online left matrix profile over a downsampled stream. It
// answers "how far is the recent shape from the nearest shape seen before?" —
// a time-series discord (a subsequence unlike every earlier one) is an alarm.
//
// Subsequences: rows are averaged in blocks of `step` rows; on the last row of
// each block, the last `window` block means of every dimension form the
// current subsequence. With "normalise" = 0 (default) each dimension is only
// scaled by its value range on the fit rows, (x - lo) / span, so a changed
// level, amplitude or waveform all count as a changed shape. With
// "normalise" = 1 each dimension is z-normalised, (x - mean) / max(std,
// "flat" * span), which ignores level and amplitude and keeps only the
// waveform; a stretch whose spread is small against the fit range counts as
// flat instead of having its noise blown up. Distance is the root mean
// square of the element-wise differences (in fit ranges when scaled; 0 to 2
// for z-normalised shapes).
//
// Neighbours: every earlier subsequence except the last `window` ones
// (which overlap the current one), up to the last "memory" of them. The
// nearest-neighbour distance d of the current subsequence is its left matrix
// profile value; the subsequence then joins the neighbours.
//
// Score (on the last row of each block; 0 on the other rows, and 0 while no
// neighbour exists): raw = min(1, d / limit / 2), where limit is the largest
// d seen in the second half of the fit rows' subsequences (at least
// "min_limit"): 0.5 means "as far as the farthest normal shape". After a raw
// score of at least the threshold, the next round(rest_windows * window *
// step) rows score 0: one alarm per novelty instead of a run.
//
// Fit() (at least 2 rows) learns the spans, the neighbours and the limit from
// the rows and chooses step = max(1, round(rows / (13 * window))) when "step"
// is 0. The stream continues from the fit rows (blocks and neighbours carry
// on). Score() needs Fit() first (FailedPrecondition), is causal and
// deterministic; memory is O(memory * window * dims).
//
// Params: "window" whole in [2, 64] (default 4), "step" whole in [0, 1e6]
// (0 = auto), "memory" whole in [1, 1e6] (default 2000), "normalise" whole in
// [0, 1] (default 0), "flat" in [0, 10] (default 0.05), "min_limit" in
// [0, 2] (default 0.05), "rest_windows" in [0, 1e3] (default 1.5),
// "threshold" in (0, 1] (default 0.5). InvalidArgument for unknown or
// out-of-range params. Not thread-safe.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "edge/inference/detector.h"

namespace keel::edge::inference {

inline constexpr std::string_view kDiscordKind = "discord";

class DiscordDetector final : public Detector {
 public:
  struct Options {
    int64_t window = 4;
    int64_t step = 0;
    int64_t memory = 2000;
    bool normalise = false;
    double flat = 0.05;
    double min_limit = 0.05;
    double rest_windows = 1.5;
    double threshold = 0.5;
  };

  // InvalidArgument for unknown or out-of-range params.
  static Result<std::unique_ptr<Detector>> Create(const std::map<std::string, double>& params);

  explicit DiscordDetector(Options options) : options_(options) {}

  std::string_view kind() const override { return kDiscordKind; }
  Status Fit(const std::vector<std::vector<double>>& normal) override;
  Result<double> Score(std::span<const double> x) override;
  double threshold() const override { return options_.threshold; }

  // What Fit() chose (0 before Fit()).
  int64_t step() const { return step_; }
  double limit() const { return limit_; }
  // Subsequences currently held (neighbours plus the exclusion zone).
  size_t stored() const { return neighbours_.size() + recent_.size(); }

 private:
  // Adds one row to the current block; on a full block, returns the nearest
  // neighbour distance of the subsequence that ends there (-1 while there is
  // no subsequence or no neighbour yet) and stores the subsequence.
  double AddRow(std::span<const double> row);
  std::vector<double> Subsequence() const;

  Options options_;
  size_t dims_ = 0;  // 0 before Fit()
  int64_t step_ = 0;
  int64_t rest_ = 0;
  double limit_ = 0;
  std::vector<double> lo_, span_;  // per dimension, from the fit rows
  std::vector<double> block_sum_;
  int64_t block_rows_ = 0;
  std::deque<std::vector<double>> blocks_;      // the last `window` block means
  std::deque<std::vector<double>> recent_;      // exclusion zone: the last window - 1 subsequences
  std::deque<std::vector<double>> neighbours_;  // older subsequences, the last `memory`
  int64_t resting_ = 0;                         // rows left to score 0
};

}  // namespace keel::edge::inference
