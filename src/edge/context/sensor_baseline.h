// Learned "normal" statistics for sensor-health checks, optionally per
// operating mode. Not thread-safe.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"
#include "edge/context/operating_mode.h"
#include "edge/context/sensor_fault.h"
#include "edge/context/sensor_health_config.h"

namespace keel::edge::context {

struct SignalBaseline {
  double mean = 0.0;            // mean of the window means
  double mean_stddev = 0.0;     // standard deviation of the window means
  double typical_stddev = 0.0;  // mean of the within-window stddevs
  size_t windows = 0;
};

// The means of a group's members in `windows`, in the group's order, or
// nullopt if any member is missing, empty or non-finite.
std::optional<std::vector<double>> GroupMeans(const RedundantGroupConfig& group,
                                              const WindowSet& windows);

// The median of `values` (the mean of the two middle values for an even
// count). `values` must not be empty.
double Median(std::vector<double> values);

class SensorBaselines {
 public:
  // Learns from windows assumed normal, replacing what was learned before for
  // the same mode. mode == nullopt learns the mode-agnostic fallback.
  // A signal needs >= 2 non-empty windows to get a baseline; a group needs
  // >= 2 window sets with all its members present to get offsets.
  // InvalidArgument if `normal` is empty or a non-empty window has a
  // non-finite statistic (naming the window set index and signal).
  Status Learn(std::span<const WindowSet> normal, std::optional<OperatingMode> mode,
               const std::vector<RedundantGroupConfig>& groups);

  // The baseline learned for `mode`, else the mode-agnostic one, else null.
  const SignalBaseline* ForSignal(std::string_view signal, OperatingMode mode) const;
  // Each member's mean offset from the group median, same fallback order.
  const std::vector<double>* GroupOffsets(std::string_view group, OperatingMode mode) const;

 private:
  static constexpr int kAnyMode = -1;
  template <typename V>
  using Table = std::map<std::pair<int, std::string>, V, std::less<>>;

  Table<SignalBaseline> signals_;
  Table<std::vector<double>> offsets_;
};

}  // namespace keel::edge::context
