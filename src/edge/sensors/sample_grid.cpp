#include "edge/sensors/sample_grid.h"

#include <cmath>

namespace keel::edge {

void SampleGrid::Due(int64_t now_ms, size_t max_samples, std::vector<int64_t>* out) {
  if (!start_ms_) start_ms_ = now_ms;
  for (size_t n = 0; n < max_samples; ++n) {
    const int64_t t = TimeOf(next_);
    if (t > now_ms) break;
    out->push_back(t);
    ++next_;
  }
}

int64_t SampleGrid::TimeOf(uint64_t k) const {
  return start_ms_.value_or(0) + std::llround(static_cast<double>(k) * period_ms_);
}

}  // namespace keel::edge
