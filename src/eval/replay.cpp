#include "eval/replay.h"

#include <algorithm>
#include <limits>
#include <string>

namespace keel::eval {
namespace {

std::vector<double> Row(const std::vector<std::vector<double>>& columns, size_t row) {
  std::vector<double> x(columns.size());
  for (size_t c = 0; c < columns.size(); ++c) x[c] = columns[c][row];
  return x;
}

}  // namespace

Result<std::vector<uint8_t>> ReplayMultivariate(const std::vector<std::vector<double>>& columns,
                                                edge::inference::Detector& detector,
                                                size_t train_rows) {
  if (columns.empty()) return Status::InvalidArgument("replay: no signal columns");
  const size_t n = columns[0].size();
  for (const auto& column : columns) {
    if (column.size() != n) return Status::InvalidArgument("replay: columns of different lengths");
  }
  std::vector<uint8_t> predictions(n, 0);
  if (n <= train_rows) return predictions;
  std::vector<std::vector<double>> normal;
  normal.reserve(train_rows);
  for (size_t i = 0; i < train_rows; ++i) normal.push_back(Row(columns, i));
  KEEL_RETURN_IF_ERROR(detector.Fit(normal).WithContext("replay: fit"));
  for (size_t i = train_rows; i < n; ++i) {
    std::vector<double> x = Row(columns, i);
    auto score = detector.Score(x);
    if (!score.ok()) return score.status().WithContext("replay: row " + std::to_string(i));
    predictions[i] = detector.IsAnomaly(*score) ? 1 : 0;
  }
  return predictions;
}

std::vector<uint8_t> ChangepointsOf(std::span<const uint8_t> anomaly) {
  std::vector<uint8_t> changepoints(anomaly.size(), 0);
  for (size_t i = 0; i < anomaly.size(); ++i) {
    if (anomaly[i] == 1 && (i == 0 || anomaly[i - 1] != 1)) changepoints[i] = 1;
  }
  return changepoints;
}

Result<std::vector<double>> ReplayUnivariate(std::span<const double> values,
                                             edge::inference::Detector& detector, size_t fit_rows) {
  if (fit_rows == 0 || fit_rows >= values.size()) {
    return Status::InvalidArgument("replay: " + std::to_string(values.size()) +
                                   " rows leave nothing to fit on or nothing to score with " +
                                   std::to_string(fit_rows) + " fitting rows");
  }
  std::vector<std::vector<double>> normal;
  normal.reserve(fit_rows);
  for (size_t i = 0; i < fit_rows; ++i) normal.push_back({values[i]});
  KEEL_RETURN_IF_ERROR(detector.Fit(normal).WithContext("replay: fit"));
  std::vector<double> scores(values.size(), 0.0);
  for (size_t i = fit_rows; i < values.size(); ++i) {
    const double x = values[i];
    auto score = detector.Score(std::span<const double>(&x, 1));
    if (!score.ok()) return score.status().WithContext("replay: row " + std::to_string(i));
    scores[i] = UnitAnomalyScore(*score, detector.threshold());
  }
  return scores;
}

double UnitAnomalyScore(double score, double threshold) {
  if (score == std::numeric_limits<double>::infinity()) return 1.0;
  const double s = std::max(score, 0.0);
  const double t = threshold > 0 ? threshold : 1.0;
  return s / (s + t);
}

}  // namespace keel::eval
