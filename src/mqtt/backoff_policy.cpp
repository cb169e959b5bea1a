#include "mqtt/backoff_policy.h"

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace keel::mqtt {

BackoffPolicy::BackoffPolicy(int min_ms, int max_ms)
    : min_ms_(std::max(min_ms, 1)), max_ms_(std::max(max_ms, std::max(min_ms, 1))) {}

int BackoffPolicy::CeilingMs(int attempt) const {
  const int doublings = std::clamp(attempt, 1, 31);
  const int64_t ceiling = static_cast<int64_t>(min_ms_) << doublings;
  return static_cast<int>(std::min<int64_t>(ceiling, max_ms_));
}

int BackoffPolicy::DelayMs(int attempt, Random& random) const {
  const int ceiling = CeilingMs(attempt);
  const double span = static_cast<double>(ceiling - min_ms_) + 1.0;
  const int offset = static_cast<int>(std::floor(random.Uniform() * span));
  return std::min(min_ms_ + offset, ceiling);
}

}  // namespace keel::mqtt
