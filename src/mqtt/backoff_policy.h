// BackoffPolicy: how long to wait before the next reconnect attempt.
//
// Exponential backoff with full jitter: the delay before attempt n (n >= 1
// counts consecutive failures since the last successful connect) is uniform
// in [min_ms, ceiling(n)], where ceiling(n) = min(max_ms, min_ms * 2^n).
// The jitter spreads a fleet of devices that lost the hub at the same moment.
#pragma once

#include "common/random.h"

namespace keel::mqtt {

// Immutable; safe to share between threads (the Random must be thread-safe,
// which keel::Random implementations are).
class BackoffPolicy {
 public:
  // Out-of-range bounds are corrected, never rejected: min_ms below 1 becomes
  // 1, and max_ms below min_ms becomes min_ms.
  BackoffPolicy(int min_ms, int max_ms);

  int min_ms() const { return min_ms_; }
  int max_ms() const { return max_ms_; }

  // Upper bound of the delay before attempt `attempt`; attempts below 1 are
  // treated as 1. Never overflows, however large `attempt` is.
  int CeilingMs(int attempt) const;

  // A delay in [min_ms, CeilingMs(attempt)] drawn from `random` (one
  // Uniform() call per delay).
  int DelayMs(int attempt, Random& random) const;

 private:
  int min_ms_;
  int max_ms_;
};

}  // namespace keel::mqtt
