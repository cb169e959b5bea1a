// SKAB scoring (waico/SKAB leaderboard protocol): in each experiment file the
// first kSkabTrainRows rows are the training part and are not scored; the
// rest is the test part. Confusion counts are summed over the test parts of
// all files and turned into
//   F1  = TP / (TP + (FP + FN) / 2)
//   FAR = FP / (FP + TN)      (false alarm rate)
//   MAR = FN / (FN + TP)      (missed alarm rate)
// A ratio whose denominator is 0 is reported as 0.
// Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "common/status.h"

namespace keel::eval {

inline constexpr size_t kSkabTrainRows = 400;

struct ConfusionCounts {
  int64_t tp = 0;
  int64_t fp = 0;
  int64_t fn = 0;
  int64_t tn = 0;

  ConfusionCounts& operator+=(const ConfusionCounts& other);
  bool operator==(const ConfusionCounts&) const = default;
};

// Counts over rows [train_rows, n) of one file. `labels` and `predictions`
// are 0/1 per row. InvalidArgument if their lengths differ or a value is
// neither 0 nor 1 (the message names the row). A file with at most
// train_rows rows contributes nothing.
Result<ConfusionCounts> SkabFileCounts(std::span<const uint8_t> labels,
                                       std::span<const uint8_t> predictions,
                                       size_t train_rows = kSkabTrainRows);

struct SkabScore {
  ConfusionCounts counts;
  double f1 = 0;
  double far = 0;  // fraction in [0, 1], not percent
  double mar = 0;  // fraction in [0, 1], not percent
};

// The metrics of counts already summed over all files.
SkabScore ComputeSkabScore(const ConfusionCounts& counts);

}  // namespace keel::eval
