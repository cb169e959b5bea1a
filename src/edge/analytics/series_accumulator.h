// SeriesAccumulator: collects points per series name from several sources
// (raw pass-through, compressors, features, snippets) and turns them into
// the unique-name, time-ordered series one telemetry batch needs.
// Not thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "wire/telemetry.h"

namespace keel::edge::analytics {

class SeriesAccumulator {
 public:
  void Add(const std::string& name, const std::vector<wire::Point>& points);

  // Appends one Series per name to *out (or extends the Series of that name
  // already in *out), sorted by time with one point per timestamp (the last
  // added wins). Returns the number of points moved; the accumulator is
  // empty afterwards.
  uint64_t MoveInto(std::vector<wire::Series>* out);

 private:
  std::map<std::string, std::vector<wire::Point>> points_;
};

// Moves `from` into `into`, merging series of the same name (see MoveInto).
void MergeSeries(std::vector<wire::Series> from, std::vector<wire::Series>* into);

// Sorts by time and keeps the last point of each timestamp (stable).
void SortUniqueByTime(std::vector<wire::Point>* points);

}  // namespace keel::edge::analytics
