#include "edge/agent/batching.h"

#include <algorithm>

namespace keel::edge {

std::vector<wire::TelemetryBatch> SplitIntoBatches(analytics::AnalyticsOutput output,
                                                   size_t max_samples) {
  std::vector<wire::TelemetryBatch> batches(1);
  size_t in_batch = 0;
  for (auto& s : output.series) {
    size_t offset = 0;
    while (offset < s.points.size()) {
      if (in_batch == max_samples) {
        batches.emplace_back();
        in_batch = 0;
      }
      const size_t take = std::min(max_samples - in_batch, s.points.size() - offset);
      wire::Series part{s.name,
                        {s.points.begin() + static_cast<std::ptrdiff_t>(offset),
                         s.points.begin() + static_cast<std::ptrdiff_t>(offset + take)}};
      batches.back().series.push_back(std::move(part));
      offset += take;
      in_batch += take;
    }
  }
  batches.front().events = std::move(output.events);
  if (batches.front().series.empty() && batches.front().events.empty()) batches.clear();
  return batches;
}

}  // namespace keel::edge
