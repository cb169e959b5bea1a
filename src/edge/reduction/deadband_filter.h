// DeadbandFilter: report-by-exception for one signal. A point is kept when
// it differs from the last kept value by more than the deadband, or when the
// heartbeat interval has passed since the last kept point; everything else
// is dropped.
//
// Threshold: a point p is a change when
//   |p.value - last_kept.value| > max(deadband, deadband_percent / 100 * |last_kept.value|)
// so the percentage widens the band for large values and `deadband` is the
// floor near zero (where a pure percentage would keep every bit of noise).
//
// Guarantee (sample-and-hold): for every accepted input point, the last
// emitted point at or before its time differs from it by at most the
// threshold in force when it was dropped. Emitted points are a subset of the
// input, in strictly increasing time order.
//
// keep_previous: when a change is kept, the accepted point just before it is
// emitted first (unless it was emitted already), so a step keeps both its
// edges: the receiver sees the old value held until the step, not a ramp
// from the last kept point to the new value. Costs at most one extra point
// per change.
//
// Input rules: points must come in strictly increasing t_ms with finite
// values. Any other point is rejected with InvalidArgument, counted in
// rejected_points() and leaves the filter unchanged.
//
// Flush: there is nothing pending in a deadband; Flush emits the last
// accepted point if it was not emitted, so the receiver learns how long the
// value held (end of stream, shutdown). It becomes the reference for later
// points. Do not flush every batch: use max_interval_ms for liveness.
//
// Not thread-safe: one filter per signal, driven by one thread. No clock:
// time is the samples' t_ms (ms since the Unix epoch).
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "common/status.h"
#include "wire/telemetry.h"

namespace keel::edge::reduction {

struct DeadbandConfig {
  double deadband = 0.0;          // signal units; finite, >= 0
  double deadband_percent = 0.0;  // percent of |last kept value|; finite, >= 0; 0 = off
  int64_t max_interval_ms = 0;    // heartbeat: keep a point this long (ms) after the last
                                  // kept one even without a change; >= 0; 0 = off
  bool keep_previous = false;     // also emit the point preceding a kept change
};

// InvalidArgument naming the offending field and value.
Status ValidateDeadbandConfig(const DeadbandConfig& config);

class DeadbandFilter {
 public:
  static Result<DeadbandFilter> Create(const DeadbandConfig& config);

  // Appends 0, 1 or (keep_previous) 2 points to *kept, in time order.
  // InvalidArgument for an out-of-order or non-finite point (nothing appended).
  Status Add(const wire::Point& p, std::vector<wire::Point>* kept);
  // Appends the last accepted point if it was not emitted yet.
  void Flush(std::vector<wire::Point>* kept);

  int64_t accepted_points() const { return accepted_points_; }
  int64_t rejected_points() const { return rejected_points_; }

 private:
  explicit DeadbandFilter(const DeadbandConfig& config) : config_(config) {}
  bool IsChange(double value) const;
  void Emit(const wire::Point& p, std::vector<wire::Point>* kept);

  DeadbandConfig config_;
  std::optional<wire::Point> last_kept_;
  std::optional<wire::Point> last_seen_;
  bool last_seen_emitted_ = false;
  int64_t accepted_points_ = 0;
  int64_t rejected_points_ = 0;
};

}  // namespace keel::edge::reduction
