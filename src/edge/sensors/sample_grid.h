// SampleGrid: the timestamps of a fixed-rate channel, for drivers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace keel::edge {

// Sample k of a channel is at start + round(k * 1000 / rate_hz) ms; the grid
// is anchored at the first Due() call. With rate_hz <= 1000 timestamps are
// strictly increasing. Not thread-safe.
class SampleGrid {
 public:
  explicit SampleGrid(double rate_hz) : period_ms_(1000.0 / rate_hz) {}

  // Appends to *out the timestamps of samples due at or before now_ms not yet
  // returned, at most `max_samples` of them (the rest are returned by the
  // next calls, so a long pause is caught up without a gap).
  void Due(int64_t now_ms, size_t max_samples, std::vector<int64_t>* out);

  // The timestamp of sample k; only meaningful once anchored.
  int64_t TimeOf(uint64_t k) const;
  bool anchored() const { return start_ms_.has_value(); }

 private:
  double period_ms_;
  std::optional<int64_t> start_ms_;
  uint64_t next_ = 0;
};

}  // namespace keel::edge
