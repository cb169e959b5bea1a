// SwingingDoorCompressor: swinging-door trending (SDT, as in OSIsoft PI's
// archive compression) for one signal, with a strict error bound.
//
// Two doors pivot at the last archived point A, at A.value + E and
// A.value - E. Every later point narrows the corridor of slopes through A
// that stay within E of all points seen since A. The newest point P is held
// as "pending"; when the next point p could not be reached from A by a line
// inside the corridor, P is archived and becomes the new A.
//
// Guarantee: for every accepted input point q (except those skipped by
// min_interval_ms), linear interpolation between the archived points around
// q is within E of q.value (up to floating-point rounding), once Flush has
// archived the last pending point. Archived points are a subset of the
// input (values are never altered), in strictly increasing time order.
//
// Difference from the classic algorithm: classic SDT closes the doors only
// when the corridor is empty and then archives P even if the line A->P
// leaves the corridor, which can put earlier points up to ~2E off. Here P is
// kept only while the line A->P lies inside the corridor of the points
// before it, so the bound is E. This archives at most as many points more
// as doors that close one point earlier.
//
// Heartbeat (max_interval_ms > 0): when p is more than max_interval_ms after
// A, the pending point is archived first. So consecutive archived points are
// at most max_interval_ms apart unless no accepted, unskipped point lies
// between them (a gap in the input).
//
// Minimum interval (min_interval_ms > 0): a point less than min_interval_ms
// after the last archived point is skipped (neither archived nor checked
// against the doors), as PI's CompMin does. Skipped points are outside the
// guarantee; leave it 0 unless the input has bursts to thin out.
//
// Input rules: points must come in strictly increasing t_ms (equal
// timestamps too are rejected) with finite values. Any other point is
// rejected with InvalidArgument, counted in rejected_points() and leaves the
// compressor unchanged.
//
// Flush archives the pending point (end of batch, shutdown); compression
// continues from it. Each Flush costs one archived point, so flush at the
// upload cadence, not per sample.
//
// Not thread-safe: one compressor per signal. No clock: time is the
// samples' t_ms (ms since the Unix epoch).
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "common/status.h"
#include "wire/telemetry.h"

namespace keel::edge::reduction {

struct SwingingDoorConfig {
  double deviation = 0.0;       // E, signal units; finite, >= 0 (0 keeps only collinear runs)
  int64_t max_interval_ms = 0;  // heartbeat, ms; >= 0; 0 = off
  int64_t min_interval_ms = 0;  // ms; >= 0 and < max_interval_ms when both are set; 0 = off
};

// InvalidArgument naming the offending field and value.
Status ValidateSwingingDoorConfig(const SwingingDoorConfig& config);

class SwingingDoorCompressor {
 public:
  static Result<SwingingDoorCompressor> Create(const SwingingDoorConfig& config);

  // Appends 0 or 1 archived points to *archived (the very first point is
  // archived at once). InvalidArgument for an out-of-order or non-finite
  // point (nothing appended).
  Status Add(const wire::Point& p, std::vector<wire::Point>* archived);
  // Appends the pending point, if any.
  void Flush(std::vector<wire::Point>* archived);

  int64_t accepted_points() const { return accepted_points_; }
  int64_t rejected_points() const { return rejected_points_; }
  int64_t skipped_points() const { return skipped_points_; }  // by min_interval_ms
  int64_t archived_points() const { return archived_points_; }

 private:
  explicit SwingingDoorCompressor(const SwingingDoorConfig& config) : config_(config) {}
  bool InsideDoors(const wire::Point& p) const;
  void NarrowDoors(const wire::Point& p);
  void Archive(wire::Point p, std::vector<wire::Point>* archived);

  SwingingDoorConfig config_;
  std::optional<wire::Point> last_accepted_;
  std::optional<wire::Point> archived_;  // A
  std::optional<wire::Point> pending_;   // P
  double slope_low_ = 0.0;               // corridor of slopes through A, per ms
  double slope_high_ = 0.0;
  int64_t accepted_points_ = 0;
  int64_t rejected_points_ = 0;
  int64_t skipped_points_ = 0;
  int64_t archived_points_ = 0;
};

}  // namespace keel::edge::reduction
