#include "edge/context/sensor_health_config.h"

#include <fmt/format.h>

#include <cmath>
#include <set>
#include <string_view>

namespace keel::edge::context {
namespace {

Status Bad(std::string_view what, std::string_view name, std::string_view problem) {
  return Status::InvalidArgument(fmt::format("sensor health: {} \"{}\": {}", what, name, problem));
}

Status ValidateSignal(const SignalHealthConfig& s) {
  if (!std::isfinite(s.range_lo) || !std::isfinite(s.range_hi) || s.range_lo >= s.range_hi) {
    return Bad(
        "signal", s.name,
        fmt::format("range_lo {} must be < range_hi {}, both finite", s.range_lo, s.range_hi));
  }
  if (!(s.stuck_epsilon >= 0) || !std::isfinite(s.stuck_epsilon)) {
    return Bad("signal", s.name, fmt::format("stuck_epsilon {} must be >= 0", s.stuck_epsilon));
  }
  if (s.stuck_windows < 1) {
    return Bad("signal", s.name, fmt::format("stuck_windows {} must be >= 1", s.stuck_windows));
  }
  if (!std::isfinite(s.noisy_factor) || (s.noisy_factor != 0 && s.noisy_factor <= 1)) {
    return Bad("signal", s.name,
               fmt::format("noisy_factor {} must be 0 (off) or > 1", s.noisy_factor));
  }
  if (s.noisy_windows < 1) {
    return Bad("signal", s.name, fmt::format("noisy_windows {} must be >= 1", s.noisy_windows));
  }
  if (!(s.cusum_h >= 0) || !std::isfinite(s.cusum_h) || !(s.cusum_k >= 0) ||
      !std::isfinite(s.cusum_k)) {
    return Bad(
        "signal", s.name,
        fmt::format("cusum_k {} and cusum_h {} must be finite and >= 0", s.cusum_k, s.cusum_h));
  }
  return Status::Ok();
}

Status ValidateGroup(const RedundantGroupConfig& g, const std::set<std::string>& signals) {
  if (g.signals.size() < 2) return Bad("group", g.name, "needs at least 2 signals");
  std::set<std::string> seen;
  for (const auto& s : g.signals) {
    if (!signals.contains(s)) return Bad("group", g.name, "unknown signal \"" + s + "\"");
    if (!seen.insert(s).second) return Bad("group", g.name, "signal \"" + s + "\" listed twice");
  }
  if (!(g.tolerance > 0) || !std::isfinite(g.tolerance)) {
    return Bad("group", g.name, fmt::format("tolerance {} must be > 0", g.tolerance));
  }
  if (g.disagreement_windows < 1 || g.drift_windows < 1) {
    return Bad("group", g.name, "disagreement_windows and drift_windows must be >= 1");
  }
  if (!(g.drift_alpha > 0 && g.drift_alpha <= 1)) {
    return Bad("group", g.name, fmt::format("drift_alpha {} must be in (0, 1]", g.drift_alpha));
  }
  if (!(g.drift_bound >= 0) || !std::isfinite(g.drift_bound)) {
    return Bad("group", g.name, fmt::format("drift_bound {} must be >= 0", g.drift_bound));
  }
  return Status::Ok();
}

}  // namespace

Status ValidateSensorHealthConfig(const SensorHealthConfig& config) {
  std::set<std::string> names;
  for (size_t i = 0; i < config.signals.size(); ++i) {
    const auto& s = config.signals[i];
    if (s.name.empty()) {
      return Status::InvalidArgument(fmt::format("sensor health: signal {}: empty name", i));
    }
    if (!names.insert(s.name).second) return Bad("signal", s.name, "configured twice");
    KEEL_RETURN_IF_ERROR(ValidateSignal(s));
  }
  std::set<std::string> groups;
  for (size_t i = 0; i < config.groups.size(); ++i) {
    const auto& g = config.groups[i];
    if (g.name.empty()) {
      return Status::InvalidArgument(fmt::format("sensor health: group {}: empty name", i));
    }
    if (!groups.insert(g.name).second) return Bad("group", g.name, "configured twice");
    KEEL_RETURN_IF_ERROR(ValidateGroup(g, names));
  }
  if (config.clear_windows < 1) {
    return Status::InvalidArgument(
        fmt::format("sensor health: clear_windows {} must be >= 1", config.clear_windows));
  }
  return Status::Ok();
}

}  // namespace keel::edge::context
