// LagWindow: the largest lag among the last N handled events of a stage
// (keel_bus_lag_max_ms), in amortized O(1) per event: a deque of candidates
// with decreasing lags, each dropped once a later, larger lag arrives or it
// falls out of the window. Not thread-safe (one per stage consumer thread).
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <utility>

namespace keel::hub::bus {

class LagWindow {
 public:
  // `window` >= 1 events.
  explicit LagWindow(size_t window) : window_(window) {}

  // Records the lag of the next handled event; returns the max over the
  // last `window` events, this one included.
  int64_t Add(int64_t lag_ms) {
    const uint64_t index = count_++;
    while (!candidates_.empty() && candidates_.back().second <= lag_ms) candidates_.pop_back();
    candidates_.emplace_back(index, lag_ms);
    while (candidates_.front().first + window_ <= index) candidates_.pop_front();
    return candidates_.front().second;
  }

 private:
  size_t window_;
  uint64_t count_ = 0;
  std::deque<std::pair<uint64_t, int64_t>> candidates_;  // (event index, lag)
};

}  // namespace keel::hub::bus
