// "resonance": an online novelty detector over the recent shape of a stream,
// built on Fuzzy ART (adaptive resonance theory, Carpenter, Grossberg and
// Rosen 1991). It answers "has a stretch of signal like this one been seen
// before?" — which catches level shifts, spikes, changed rhythms and new
// waveforms without a model of the signal.
//
// Shape vector: rows are averaged in blocks of `step` rows; the last
// `window` block means of every dimension, each scaled into [0, 1] by the
// dimension's value range, form the vector x (window * dims values), which is
// complement-coded as I = (x, 1 - x) so that |I| = window * dims.
//
// Memory: categories are hyperboxes w (the fast-learning Fuzzy ART weight).
// For an input I, match(w) = |I ^ w| / |I| (^ = element-wise min; 1 when x
// lies in the box). The input resonates with the category of highest choice
// |I ^ w| / (alpha + |w|) whose match reaches the vigilance rho, and that
// box grows to enclose x (w = I ^ w); if none does, I becomes a new category.
// A box can therefore never grow beyond total width (1 - rho) * |I|.
//
// Score (on the last row of each block; 0 on the other rows): with m the best
// match over all categories, raw = min(1, (1 - m) / (1 - rho) / 2) — above
// 0.5 exactly when x opens a new category. A value outside the range scores
// 1; the range grows to include it (widened by "margin" times its span) and
// the memory is rebuilt from the last "memory" blocks rescaled. After a raw
// score of at least "rest_level", the next `rest` rows score 0: one alarm per
// novelty instead of a run.
//
// Fit() (at least 2 rows) learns the range (widened by "margin") and the
// memory from the rows, and chooses what was left automatic (0):
//   step   = max(1, round(rows / (13 * window)))
//   rest   = round(rest_windows * window * step)
//   rho    = the highest of 0.99, 0.98, ..., "rho_min" for which the rows'
//            second half opens at most "settle" new categories after the
//            first half was learned (normal data must be explained by what it
//            taught); "rho_min" if none does. A floor keeps a detector fitted
//            on irregular rows from becoming blind.
// Score() needs Fit() first (FailedPrecondition), is causal and
// deterministic.
//
// Params: "window" whole in [1, 64] (default 8), "step" whole in [0, 1e6]
// (0 = auto), "rho" in [0, 1) (0 = auto), "rho_min" in [0, 1) (default
// 0.8), "settle" whole in [0, 1e6] (default 0), "margin" in [0, 10]
// (default 0.1), "memory" whole in [1, 1e6] (default 2000),
// "max_categories" whole in [1, 1e6] (default 4000), "rest_windows" in
// [0, 1e3] (default 1.5), "rest_level" in (0, 1] (default 0.5), "threshold"
// in (0, 1] (default 0.5). Not thread-safe.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "edge/inference/detector.h"

namespace keel::edge::inference {

inline constexpr std::string_view kResonanceKind = "resonance";

class ResonanceDetector final : public Detector {
 public:
  struct Options {
    int64_t window = 8;
    int64_t step = 0;
    double rho = 0;
    double rho_min = 0.8;
    int64_t settle = 0;
    double margin = 0.1;
    int64_t memory = 2000;
    int64_t max_categories = 4000;
    double rest_windows = 1.5;
    double rest_level = 0.5;
    double threshold = 0.5;
  };

  // InvalidArgument for unknown or out-of-range params.
  static Result<std::unique_ptr<Detector>> Create(const std::map<std::string, double>& params);

  explicit ResonanceDetector(Options options) : options_(options) {}

  std::string_view kind() const override { return kResonanceKind; }
  Status Fit(const std::vector<std::vector<double>>& normal) override;
  Result<double> Score(std::span<const double> x) override;
  double threshold() const override { return options_.threshold; }

  // What Fit() chose (0 before Fit()).
  double vigilance() const { return rho_; }
  int64_t step() const { return step_; }
  size_t categories() const { return categories_.size(); }

 private:
  struct Range {
    double seen_lo = 0;  // extremes seen
    double seen_hi = 1;
    double lo = 0;  // the scaling range: the extremes widened by the margin
    double hi = 1;
  };

  // Adds one row to the current block; returns true when the block is full
  // and its mean was appended to blocks_.
  bool AddRow(std::span<const double> row);
  void SetRange(size_t dim, double lo, double hi);
  // The complement-coded input of the `window` blocks ending before
  // blocks_[end]; false while fewer blocks exist.
  bool InputOf(size_t end, std::vector<double>& input) const;
  // Returns the best match of `input` over `categories`, then learns it
  // (resonance or a new category).
  double Present(std::vector<std::vector<double>>& categories, const std::vector<double>& input,
                 double rho) const;
  // Rebuilds categories_ from blocks_ (after a range change).
  void Relearn();
  // Categories the second half of `inputs` opens after learning the first.
  size_t NewInSecondHalf(const std::vector<std::vector<double>>& inputs, double rho) const;

  Options options_;
  size_t dims_ = 0;  // 0 before Fit()
  int64_t step_ = 0;
  int64_t rest_ = 0;
  double rho_ = 0;
  std::vector<Range> ranges_;
  std::vector<double> block_sum_;
  int64_t block_rows_ = 0;
  std::deque<std::vector<double>> blocks_;  // raw block means, last `memory`
  std::vector<std::vector<double>> categories_;
  int64_t resting_ = 0;  // rows left to score 0
};

}  // namespace keel::edge::inference
