#include "edge/context/sensor_health.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>

namespace keel::edge::context {
namespace {

bool Finite(const SignalWindow& w) {
  return std::isfinite(w.mean) && std::isfinite(w.min) && std::isfinite(w.max) &&
         std::isfinite(w.stddev);
}

int64_t LatestEnd(const WindowSet& windows) {
  int64_t end = 0;
  for (const auto& [name, w] : windows) end = std::max(end, w.end_ms);
  return end;
}

}  // namespace

void SensorHealthChecker::Streak::Hit(int64_t ms, std::string why) {
  if (count == 0) since_ms = ms;
  ++count;
  detail = std::move(why);
}

SensorHealthChecker::SensorHealthChecker(SensorHealthConfig config) : config_(std::move(config)) {}

Result<SensorHealthChecker> SensorHealthChecker::Create(SensorHealthConfig config) {
  KEEL_RETURN_IF_ERROR(ValidateSensorHealthConfig(config));
  return SensorHealthChecker(std::move(config));
}

Status SensorHealthChecker::Learn(std::span<const WindowSet> normal,
                                  std::optional<OperatingMode> mode) {
  return baselines_.Learn(normal, mode, config_.groups);
}

int SensorHealthChecker::CheckSignal(const SignalHealthConfig& cfg, OperatingMode mode,
                                     const SignalWindow& w, SignalState& state) {
  if (!Finite(w)) {
    state.range.Hit(w.end_ms, "non-finite window statistics");
    return 0;
  }
  if (w.min < cfg.range_lo || w.max > cfg.range_hi) {
    state.range.Hit(w.end_ms, fmt::format("window [{}, {}] outside physical range [{}, {}]", w.min,
                                          w.max, cfg.range_lo, cfg.range_hi));
  } else {
    state.range.Miss();
  }

  const bool stuck_mode = std::find(cfg.stuck_check_modes.begin(), cfg.stuck_check_modes.end(),
                                    mode) != cfg.stuck_check_modes.end();
  if (!stuck_mode) {
    state.stuck.Miss();
  } else if (w.count >= 2) {
    if (w.min == w.max || w.stddev < cfg.stuck_epsilon) {
      state.stuck.Hit(w.end_ms, fmt::format("flat at {} (stddev {}) while {}", w.mean, w.stddev,
                                            OperatingModeName(mode)));
    } else {
      state.stuck.Miss();
    }
  }

  const SignalBaseline* base = baselines_.ForSignal(cfg.name, mode);
  if (cfg.noisy_factor > 0 && base != nullptr && base->typical_stddev > 0) {
    const double limit = cfg.noisy_factor * base->typical_stddev;
    if (w.stddev > limit) {
      state.noisy.Hit(w.end_ms, fmt::format("stddev {} > {} ({} x learned {})", w.stddev, limit,
                                            cfg.noisy_factor, base->typical_stddev));
    } else {
      state.noisy.Miss();
    }
  }

  if (cfg.cusum_h <= 0) return 0;
  if (state.cusum_mode != mode || base == nullptr) {
    state.cusum_hi = state.cusum_lo = 0.0;
    state.cusum_mode = mode;
  }
  if (base == nullptr) return 0;
  const double sigma = std::max(base->mean_stddev, 1e-9 * std::max(1.0, std::abs(base->mean)));
  const double z = (w.mean - base->mean) / sigma;
  state.cusum_hi = std::max(0.0, state.cusum_hi + z - cfg.cusum_k);
  state.cusum_lo = std::max(0.0, state.cusum_lo - z - cfg.cusum_k);
  if (state.cusum_hi > cfg.cusum_h) return 1;
  if (state.cusum_lo > cfg.cusum_h) return -1;
  return 0;
}

void SensorHealthChecker::CheckGroup(const RedundantGroupConfig& group, OperatingMode mode,
                                     const WindowSet& windows) {
  const auto means = GroupMeans(group, windows);
  if (!means) return;
  const size_t n = means->size();
  const int64_t end = LatestEnd(windows);
  const std::vector<double>* offsets = baselines_.GroupOffsets(group.name, mode);
  std::vector<double> corrected(n);
  for (size_t i = 0; i < n; ++i) corrected[i] = (*means)[i] - (offsets ? (*offsets)[i] : 0.0);
  const double median = Median(corrected);

  for (size_t i = 0; i < n; ++i) {
    MemberState& m = members_[{group.name, group.signals[i]}];
    std::vector<std::string> disagrees;
    for (size_t j = 0; j < n; ++j) {
      if (j != i && std::abs(corrected[i] - corrected[j]) > group.tolerance) {
        disagrees.push_back(group.signals[j]);
      }
    }
    if (2 * disagrees.size() > n - 1) {
      m.disagreement.Hit(end, fmt::format("group \"{}\": differs by more than {} from {}{}",
                                          group.name, group.tolerance, fmt::join(disagrees, ", "),
                                          n == 2 ? " (pair: cannot tell which is faulty)" : ""));
    } else {
      m.disagreement.Miss();
    }

    if (group.drift_bound <= 0) continue;
    const double residual = corrected[i] - median;
    m.ewma = group.drift_alpha * residual + (1.0 - group.drift_alpha) * m.ewma;
    if (std::abs(m.ewma) > group.drift_bound) {
      m.drift.Hit(end, fmt::format("group \"{}\": residual EWMA {} beyond +-{}{}", group.name,
                                   m.ewma, group.drift_bound,
                                   n == 2 ? " (pair: cannot tell which is faulty)" : ""));
    } else {
      m.drift.Miss();
    }
  }
}

bool SensorHealthChecker::GroupMovedTogether(const std::string& signal, int direction,
                                             const std::map<std::string, int>& directions) const {
  for (const auto& group : config_.groups) {
    if (std::find(group.signals.begin(), group.signals.end(), signal) == group.signals.end()) {
      continue;
    }
    size_t same = 0;
    for (const auto& other : group.signals) {
      auto it = directions.find(other);
      if (other != signal && it != directions.end() && it->second == direction) ++same;
    }
    if (2 * same > group.signals.size() - 1) return true;
  }
  return false;
}

std::vector<SensorFault> SensorHealthChecker::Evaluate(OperatingMode mode,
                                                       const WindowSet& windows) {
  std::map<std::string, int> directions;
  std::map<std::string, int64_t> ends;
  for (const auto& cfg : config_.signals) {
    auto it = windows.find(cfg.name);
    if (it == windows.end() || it->second.count == 0) continue;
    directions[cfg.name] = CheckSignal(cfg, mode, it->second, signals_[cfg.name]);
    ends[cfg.name] = it->second.end_ms;
  }
  for (const auto& [name, direction] : directions) {
    Streak& cusum = signals_[name].cusum;
    if (direction == 0 || GroupMovedTogether(name, direction, directions)) {
      cusum.Miss();
    } else {
      cusum.Hit(ends[name],
                fmt::format("CUSUM of the window mean {} the learned mean of mode {}",
                            direction > 0 ? "above" : "below", OperatingModeName(mode)));
    }
  }
  for (const auto& group : config_.groups) CheckGroup(group, mode, windows);

  std::map<std::pair<std::string, FaultKind>, SensorFault> found;
  const auto add = [&found](const std::string& signal, FaultKind kind, const Streak& s,
                            int needed) {
    if (s.count < needed) return;
    auto [it, inserted] =
        found.try_emplace({signal, kind}, SensorFault{signal, kind, s.since_ms, s.detail});
    if (!inserted && s.since_ms < it->second.since_ms)
      it->second = {signal, kind, s.since_ms, s.detail};
  };
  for (const auto& cfg : config_.signals) {
    auto it = signals_.find(cfg.name);
    if (it == signals_.end()) continue;
    add(cfg.name, FaultKind::kOutOfRange, it->second.range, 1);
    add(cfg.name, FaultKind::kStuck, it->second.stuck, cfg.stuck_windows);
    add(cfg.name, FaultKind::kNoisy, it->second.noisy, cfg.noisy_windows);
    add(cfg.name, FaultKind::kDrift, it->second.cusum, 1);
  }
  for (const auto& group : config_.groups) {
    for (const auto& signal : group.signals) {
      auto it = members_.find({group.name, signal});
      if (it == members_.end()) continue;
      add(signal, FaultKind::kDisagreement, it->second.disagreement, group.disagreement_windows);
      add(signal, FaultKind::kDrift, it->second.drift, group.drift_windows);
    }
  }
  std::vector<SensorFault> faults;
  faults.reserve(found.size());
  for (auto& [key, fault] : found) faults.push_back(std::move(fault));
  return faults;
}

}  // namespace keel::edge::context
