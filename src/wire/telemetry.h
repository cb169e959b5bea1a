// Telemetry: the in-memory form of one batch of samples from one device, as
// carried on keel/v1/<device>/telemetry (docs/protocol.md has the encodings).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "wire/messages.h"

namespace keel::wire {

struct Point {
  int64_t t_ms = 0;  // ms since the Unix epoch, UTC
  double value = 0;  // always finite once decoded
  bool operator==(const Point&) const = default;
};

struct Series {
  std::string name;  // [A-Za-z0-9_.:/-], 1..128 bytes
  std::vector<Point> points;
  bool operator==(const Series&) const = default;
};

// One message's worth of samples and device events. `seq` is strictly
// increasing per device and is the unit of deduplication and
// acknowledgement, so events carried here (detections, sensor faults, with
// their context and raw snippet) are stored exactly once, in the same
// transaction as the batch's samples.
struct TelemetryBatch {
  uint64_t seq = 0;
  std::vector<Series> series;
  std::vector<Event> events;  // in time order; may be empty

  size_t SampleCount() const {
    size_t n = 0;
    for (const auto& s : series) n += s.points.size();
    return n;
  }
  bool operator==(const TelemetryBatch&) const = default;
};

}  // namespace keel::wire
