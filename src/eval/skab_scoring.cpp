#include "eval/skab_scoring.h"

#include <string>

namespace keel::eval {
namespace {

double Ratio(double num, double den) { return den == 0 ? 0.0 : num / den; }

}  // namespace

ConfusionCounts& ConfusionCounts::operator+=(const ConfusionCounts& other) {
  tp += other.tp;
  fp += other.fp;
  fn += other.fn;
  tn += other.tn;
  return *this;
}

Result<ConfusionCounts> SkabFileCounts(std::span<const uint8_t> labels,
                                       std::span<const uint8_t> predictions, size_t train_rows) {
  if (labels.size() != predictions.size()) {
    return Status::InvalidArgument("skab scoring: " + std::to_string(labels.size()) +
                                   " labels but " + std::to_string(predictions.size()) +
                                   " predictions");
  }
  ConfusionCounts counts;
  for (size_t i = train_rows; i < labels.size(); ++i) {
    if (labels[i] > 1 || predictions[i] > 1) {
      return Status::InvalidArgument("skab scoring: row " + std::to_string(i) +
                                     ": label and prediction must be 0 or 1");
    }
    const bool truth = labels[i] == 1;
    const bool alarm = predictions[i] == 1;
    if (truth && alarm) ++counts.tp;
    if (!truth && alarm) ++counts.fp;
    if (truth && !alarm) ++counts.fn;
    if (!truth && !alarm) ++counts.tn;
  }
  return counts;
}

SkabScore ComputeSkabScore(const ConfusionCounts& counts) {
  SkabScore score;
  score.counts = counts;
  const auto tp = static_cast<double>(counts.tp);
  const auto fp = static_cast<double>(counts.fp);
  const auto fn = static_cast<double>(counts.fn);
  const auto tn = static_cast<double>(counts.tn);
  score.f1 = Ratio(tp, tp + (fp + fn) / 2);
  score.far = Ratio(fp, fp + tn);
  score.mar = Ratio(fn, fn + tp);
  return score;
}

}  // namespace keel::eval
