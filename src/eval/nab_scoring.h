// NAB scoring (Numenta Anomaly Benchmark v1.x, as computed by numenta/NAB's
// nab/sweeper.py and nab/optimizer.py), re-implemented from its description.
//
// Per series of n rows:
//  - the first NabProbationaryRows(n) = min(floor(0.15 n), 750) rows are
//    probationary and never scored;
//  - a row inside an anomaly window [start, end] (timestamps inclusive, W
//    rows wide, right edge at row r) has position p = -(r - i + 1) / W and,
//    when detected, scores tpWeight * S(p) / S(-1), with the scaled sigmoid
//    S(x) = 2 / (1 + exp(5x)) - 1 (S(x) = -1 for x >= 3);
//  - only the best (i.e. the earliest) detection of a window counts; a window
//    with no detection costs -fnWeight;
//  - a detection outside every window scores fpWeight * S(x): x = 3 (so
//    -fpWeight) before the first window, else x = (i - r') / (W' - 1) with r'
//    and W' the right edge and width of the previous window (x = 3 if W' = 1,
//    where NAB divides by zero);
//  - windows without any scored row (entirely probationary or between rows)
//    are ignored.
// A row is a detection when its anomaly score is >= the threshold. One
// threshold for the whole corpus is chosen to maximise the summed raw score
// (highest threshold on ties; "no detection at all" is a candidate). The
// result is normalised: 100 * (raw - null) / (perfect - null), where the
// null detector (no detection) scores -fnWeight per window and the perfect
// one (every window detected at its first row, no false positive)
// tpWeight per window.
// Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"

namespace keel::eval {

struct NabCostMatrix {
  double tp_weight = 1.0;
  double fp_weight = 0.11;
  double fn_weight = 1.0;
};

// An anomaly window, both ends inclusive, ms since the Unix epoch.
struct NabWindow {
  int64_t start_ms = 0;
  int64_t end_ms = 0;
};

// One scored file: timestamps (in file order; NAB's own files are not all
// monotonic; a row is in the window whose span holds its timestamp),
// one anomaly score per row
// (finite; NAB's are in [0, 1]) and its windows (sorted, disjoint).
struct NabSeries {
  std::string name;
  std::vector<int64_t> t_ms;
  std::vector<double> scores;
  std::vector<NabWindow> windows;
};

struct NabResult {
  double threshold = 0;  // +infinity when "no detection" is best
  double raw = 0;
  double null_raw = 0;
  double perfect_raw = 0;
  double normalized = 0;  // the NAB score: 0 null, 100 perfect
  int64_t windows = 0;    // scored windows in the corpus
  int64_t detected_windows = 0;
  int64_t false_positives = 0;  // detected rows outside windows, after probation
};

// min(floor(0.15 * rows), 750).
size_t NabProbationaryRows(size_t rows);

// S(x) above.
double NabScaledSigmoid(double x);

// Scores a corpus with one cost matrix. InvalidArgument (naming the series)
// if lengths differ, a score is not finite, windows are unsorted, reversed
// or overlapping, or the corpus has no scored window (the normalisation is
// undefined then).
Result<NabResult> ScoreNabCorpus(const std::vector<NabSeries>& corpus, const NabCostMatrix& costs);

}  // namespace keel::eval
