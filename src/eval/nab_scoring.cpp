#include "eval/nab_scoring.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace keel::eval {
namespace {

struct ScoredRow {
  double score;
  int64_t window;  // corpus-wide window index, -1 outside windows
  double weight;   // the row's contribution when detected
};

Status CheckSeries(const NabSeries& series) {
  const std::string where = "nab scoring: series \"" + series.name + "\": ";
  if (series.t_ms.size() != series.scores.size()) {
    return Status::InvalidArgument(where + std::to_string(series.t_ms.size()) + " timestamps but " +
                                   std::to_string(series.scores.size()) + " scores");
  }
  for (size_t i = 0; i < series.scores.size(); ++i) {
    if (!std::isfinite(series.scores[i])) {
      return Status::InvalidArgument(where + "row " + std::to_string(i) + ": score is not finite");
    }
  }
  for (size_t w = 0; w < series.windows.size(); ++w) {
    if (series.windows[w].end_ms < series.windows[w].start_ms) {
      return Status::InvalidArgument(where + "window " + std::to_string(w) +
                                     " ends before it starts");
    }
    if (w > 0 && series.windows[w].start_ms <= series.windows[w - 1].end_ms) {
      return Status::InvalidArgument(where + "window " + std::to_string(w) +
                                     " overlaps or precedes the previous one");
    }
  }
  return Status::Ok();
}

// Appends the scorable rows of one series; returns the number of scored windows.
int64_t CollectRows(const NabSeries& series, const NabCostMatrix& costs, int64_t first_window,
                    std::vector<ScoredRow>& rows) {
  const size_t n = series.t_ms.size();
  const size_t probation = NabProbationaryRows(n);
  const double max_tp = NabScaledSigmoid(-1.0);
  std::vector<int64_t> window_of(n, -1);
  std::vector<size_t> right_of(series.windows.size(), 0);
  std::vector<size_t> width_of(series.windows.size(), 0);
  for (size_t w = 0; w < series.windows.size(); ++w) {
    for (size_t i = 0; i < n; ++i) {
      if (series.t_ms[i] < series.windows[w].start_ms ||
          series.t_ms[i] > series.windows[w].end_ms) {
        continue;
      }
      window_of[i] = static_cast<int64_t>(w);
      right_of[w] = i;
      ++width_of[w];
    }
  }
  std::vector<int64_t> scored_id(series.windows.size(), -1);
  int64_t scored_windows = 0;
  int64_t prev = -1;
  for (size_t i = 0; i < n; ++i) {
    const int64_t w = window_of[i];
    double weight;
    if (w >= 0) {
      const auto width = static_cast<double>(width_of[static_cast<size_t>(w)]);
      const double position =
          -(static_cast<double>(right_of[static_cast<size_t>(w)]) - static_cast<double>(i) + 1) /
          width;
      weight = NabScaledSigmoid(position) * costs.tp_weight / max_tp;
      prev = w;
    } else {
      double position = 3.0;
      if (prev >= 0 && width_of[static_cast<size_t>(prev)] > 1) {
        position =
            (static_cast<double>(i) - static_cast<double>(right_of[static_cast<size_t>(prev)])) /
            static_cast<double>(width_of[static_cast<size_t>(prev)] - 1);
      }
      weight = NabScaledSigmoid(position) * costs.fp_weight;
    }
    if (i < probation) continue;
    int64_t id = -1;
    if (w >= 0) {
      auto& slot = scored_id[static_cast<size_t>(w)];
      if (slot < 0) slot = first_window + scored_windows++;
      id = slot;
    }
    rows.push_back({series.scores[i], id, weight});
  }
  return scored_windows;
}

}  // namespace

size_t NabProbationaryRows(size_t rows) { return std::min<size_t>(rows * 15 / 100, 750); }

double NabScaledSigmoid(double x) {
  if (x >= 3.0) return -1.0;
  return 2.0 / (1.0 + std::exp(5.0 * x)) - 1.0;
}

Result<NabResult> ScoreNabCorpus(const std::vector<NabSeries>& corpus, const NabCostMatrix& costs) {
  std::vector<ScoredRow> rows;
  int64_t windows = 0;
  for (const NabSeries& series : corpus) {
    KEEL_RETURN_IF_ERROR(CheckSeries(series));
    windows += CollectRows(series, costs, windows, rows);
  }
  if (windows == 0) {
    return Status::InvalidArgument("nab scoring: the corpus has no scored anomaly window");
  }
  std::stable_sort(rows.begin(), rows.end(),
                   [](const ScoredRow& a, const ScoredRow& b) { return a.score > b.score; });

  NabResult result;
  result.windows = windows;
  result.null_raw = -costs.fn_weight * static_cast<double>(windows);
  result.perfect_raw = costs.tp_weight * static_cast<double>(windows);
  result.threshold = std::numeric_limits<double>::infinity();
  result.raw = result.null_raw;

  std::vector<double> best(static_cast<size_t>(windows), -costs.fn_weight);
  std::vector<bool> hit(static_cast<size_t>(windows), false);
  double total = result.null_raw;
  int64_t detected = 0;
  int64_t false_positives = 0;
  for (size_t i = 0; i < rows.size();) {
    const double threshold = rows[i].score;
    for (; i < rows.size() && rows[i].score == threshold; ++i) {
      const ScoredRow& row = rows[i];
      if (row.window < 0) {
        total += row.weight;
        ++false_positives;
        continue;
      }
      double& slot = best[static_cast<size_t>(row.window)];
      if (!hit[static_cast<size_t>(row.window)]) {
        hit[static_cast<size_t>(row.window)] = true;
        ++detected;
      }
      if (row.weight > slot) {
        total += row.weight - slot;
        slot = row.weight;
      }
    }
    if (total > result.raw) {
      result.raw = total;
      result.threshold = threshold;
      result.detected_windows = detected;
      result.false_positives = false_positives;
    }
  }
  result.normalized =
      100.0 * (result.raw - result.null_raw) / (result.perfect_raw - result.null_raw);
  return result;
}

}  // namespace keel::eval
