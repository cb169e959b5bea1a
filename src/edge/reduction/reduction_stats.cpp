#include "edge/reduction/reduction_stats.h"

namespace keel::edge::reduction {

namespace {
double Ratio(uint64_t numerator, uint64_t denominator) {
  if (denominator == 0) return 0.0;
  return static_cast<double>(numerator) / static_cast<double>(denominator);
}
}  // namespace

double ReductionStats::ratio() const { return Ratio(raw_bytes(), sent_bytes()); }

double ReductionStats::sample_ratio() const { return Ratio(raw_samples(), sent_samples()); }

}  // namespace keel::edge::reduction
