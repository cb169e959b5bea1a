#include "edge/sensors/sensor_config.h"

#include <fmt/format.h>

#include <cmath>
#include <set>

namespace keel::edge {
namespace {

bool IsNameChar(char c, std::string_view extra) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         extra.find(c) != std::string_view::npos;
}

bool ValidName(std::string_view name, size_t max_len, std::string_view extra) {
  if (name.empty() || name.size() > max_len) return false;
  for (char c : name) {
    if (!IsNameChar(c, extra)) return false;
  }
  return true;
}

Status CheckRange(std::string_view key, double value, double lo, double hi) {
  if (!std::isfinite(value) || value < lo || value > hi) {
    return Status::InvalidArgument(
        fmt::format("{}: must be between {} and {}, got {}", key, lo, hi, value));
  }
  return Status::Ok();
}

Status CheckFinite(std::string_view key, double value) {
  if (!std::isfinite(value)) {
    return Status::InvalidArgument(fmt::format("{}: must be a finite number, got {}", key, value));
  }
  return Status::Ok();
}

Status ValidateSignal(const SignalConfig& s) {
  KEEL_RETURN_IF_ERROR(CheckRange("rate_hz", s.rate_hz, 0.1, 1000));
  KEEL_RETURN_IF_ERROR(CheckFinite("offset", s.offset));
  KEEL_RETURN_IF_ERROR(CheckRange("amplitude", s.amplitude, 0, 1e12));
  KEEL_RETURN_IF_ERROR(CheckRange("period_s", s.period_s, 0.001, 1e7));
  KEEL_RETURN_IF_ERROR(CheckRange("noise_stddev", s.noise_stddev, 0, 1e12));
  return Status::Ok();
}

}  // namespace

Result<Waveform> ParseWaveform(std::string_view name) {
  for (Waveform w :
       {Waveform::kSine, Waveform::kConstant, Waveform::kRandomWalk, Waveform::kSquare}) {
    if (WaveformName(w) == name) return w;
  }
  return Status::InvalidArgument(fmt::format(
      "waveform: must be one of sine, constant, random_walk, square, got \"{}\"", name));
}

std::string_view WaveformName(Waveform waveform) {
  switch (waveform) {
    case Waveform::kSine:
      return "sine";
    case Waveform::kConstant:
      return "constant";
    case Waveform::kRandomWalk:
      return "random_walk";
    case Waveform::kSquare:
      return "square";
  }
  return "unknown";
}

Status ValidateSensorConfig(const SensorConfig& config) {
  if (!ValidName(config.kind, 64, "_-")) {
    return Status::InvalidArgument(
        fmt::format("sensor \"{}\": kind: must be 1..64 characters [A-Za-z0-9_-], got \"{}\"",
                    config.name, config.kind));
  }
  if (!ValidName(config.name, 63, "_-")) {
    return Status::InvalidArgument(fmt::format(
        "sensor name: must be 1..63 characters [A-Za-z0-9_-], got \"{}\"", config.name));
  }
  std::set<std::string_view> seen;
  for (size_t i = 0; i < config.signals.size(); ++i) {
    const SignalConfig& s = config.signals[i];
    if (!ValidName(s.name, 64, "_.:/-")) {
      return Status::InvalidArgument(fmt::format(
          "sensor \"{}\": signal {}: name: must be 1..64 characters [A-Za-z0-9_.:/-], got \"{}\"",
          config.name, i + 1, s.name));
    }
    if (!seen.insert(s.name).second) {
      return Status::InvalidArgument(
          fmt::format("sensor \"{}\": signal \"{}\": name is used twice", config.name, s.name));
    }
    KEEL_RETURN_IF_ERROR(ValidateSignal(s).WithContext(
        fmt::format("sensor \"{}\": signal \"{}\"", config.name, s.name)));
  }
  return Status::Ok();
}

std::string SeriesName(const SensorConfig& sensor, const SignalConfig& signal) {
  return sensor.name + "." + signal.name;
}

}  // namespace keel::edge
