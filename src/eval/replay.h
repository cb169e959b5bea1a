// Causal replay of a recorded series through a Detector: row i's output
// depends only on rows 0..i (and, for fitting, on rows the caller designates
// as the training part, which precede every scored row).
// Not thread-safe with respect to the detector passed in; otherwise pure.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "common/status.h"
#include "edge/inference/detector.h"

namespace keel::eval {

// SKAB replay. `columns[c][row]` are the signal columns (all the same
// length n). If n > train_rows: Fit() on rows [0, train_rows) and Score() rows
// [train_rows, n) one by one in order; a row is 1 if IsAnomaly(score). The
// training rows are predicted 0 (they are assumed normal and are not
// scored). If n <= train_rows, every row is 0 and the detector is untouched.
// Errors of Fit()/Score() are returned with the row.
Result<std::vector<uint8_t>> ReplayMultivariate(const std::vector<std::vector<double>>& columns,
                                                edge::inference::Detector& detector,
                                                size_t train_rows);

// 1 on the first row of each run of 1s in `anomaly`, else 0 (SKAB's
// "changepoint" column for predictions).
std::vector<uint8_t> ChangepointsOf(std::span<const uint8_t> anomaly);

// NAB replay of one univariate series: Fit() on rows [0, fit_rows) (each a
// 1-vector) and Score() rows [fit_rows, n) in order; each score is mapped
// with UnitAnomalyScore. Rows before fit_rows get 0. InvalidArgument if
// fit_rows is 0 or not below n.
Result<std::vector<double>> ReplayUnivariate(std::span<const double> values,
                                             edge::inference::Detector& detector, size_t fit_rows);

// Maps a detector score monotonically into [0, 1]: max(s, 0) / (max(s, 0) +
// t) (1 for +infinity) with t the detector's threshold if positive, else 1. So the detector's
// own alarm threshold maps to 0.5 and the order of scores is kept (NAB
// chooses its own threshold on this value).
double UnitAnomalyScore(double score, double threshold);

}  // namespace keel::eval
