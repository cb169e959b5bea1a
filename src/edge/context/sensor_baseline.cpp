#include "edge/context/sensor_baseline.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace keel::edge::context {
namespace {

bool Finite(const SignalWindow& w) {
  return std::isfinite(w.mean) && std::isfinite(w.min) && std::isfinite(w.max) &&
         std::isfinite(w.stddev);
}

template <typename Table>
const typename Table::mapped_type* Lookup(const Table& table, std::string_view name,
                                          OperatingMode mode, int any) {
  for (int key : {static_cast<int>(mode), any}) {
    auto it = table.find(std::pair<int, std::string>(key, std::string(name)));
    if (it != table.end()) return &it->second;
  }
  return nullptr;
}

}  // namespace

std::optional<std::vector<double>> GroupMeans(const RedundantGroupConfig& group,
                                              const WindowSet& windows) {
  std::vector<double> means;
  means.reserve(group.signals.size());
  for (const auto& name : group.signals) {
    auto it = windows.find(name);
    if (it == windows.end() || it->second.count == 0 || !std::isfinite(it->second.mean)) {
      return std::nullopt;
    }
    means.push_back(it->second.mean);
  }
  return means;
}

double Median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const size_t n = values.size();
  return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2.0;
}

Status SensorBaselines::Learn(std::span<const WindowSet> normal, std::optional<OperatingMode> mode,
                              const std::vector<RedundantGroupConfig>& groups) {
  if (normal.empty()) return Status::InvalidArgument("sensor baselines: no normal windows");
  const int key = mode ? static_cast<int>(*mode) : kAnyMode;
  std::map<std::string, std::vector<const SignalWindow*>, std::less<>> by_signal;
  for (size_t i = 0; i < normal.size(); ++i) {
    for (const auto& [name, w] : normal[i]) {
      if (w.count == 0) continue;
      if (!Finite(w)) {
        return Status::InvalidArgument(fmt::format(
            "sensor baselines: window set {}: signal \"{}\": non-finite statistics", i, name));
      }
      by_signal[name].push_back(&w);
    }
  }
  for (const auto& [name, windows] : by_signal) {
    if (windows.size() < 2) continue;
    SignalBaseline b;
    b.windows = windows.size();
    const double n = static_cast<double>(windows.size());
    for (const SignalWindow* w : windows) {
      b.mean += w->mean / n;
      b.typical_stddev += w->stddev / n;
    }
    double ss = 0.0;
    for (const SignalWindow* w : windows) ss += (w->mean - b.mean) * (w->mean - b.mean);
    b.mean_stddev = std::sqrt(ss / (n - 1));
    signals_[{key, name}] = b;
  }
  for (const auto& group : groups) {
    std::vector<double> sums(group.signals.size(), 0.0);
    size_t sets = 0;
    for (const auto& set : normal) {
      auto means = GroupMeans(group, set);
      if (!means) continue;
      const double median = Median(*means);
      for (size_t i = 0; i < sums.size(); ++i) sums[i] += (*means)[i] - median;
      ++sets;
    }
    if (sets < 2) continue;
    for (double& s : sums) s /= static_cast<double>(sets);
    offsets_[{key, group.name}] = std::move(sums);
  }
  return Status::Ok();
}

const SignalBaseline* SensorBaselines::ForSignal(std::string_view signal,
                                                 OperatingMode mode) const {
  return Lookup(signals_, signal, mode, kAnyMode);
}

const std::vector<double>* SensorBaselines::GroupOffsets(std::string_view group,
                                                         OperatingMode mode) const {
  return Lookup(offsets_, group, mode, kAnyMode);
}

}  // namespace keel::edge::context
