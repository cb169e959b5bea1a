#include "edge/plant/motor_sensor.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <utility>

#include "common/random.h"
#include "edge/plant/motor_model.h"
#include "edge/sensors/sample_grid.h"
#include "edge/sensors/sensor_registry.h"

namespace keel::edge::plant {
namespace {

uint64_t SplitMix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

// Positions in DefaultMotorSignals().
enum class MotorSignal : size_t {
  kVibration,
  kCurrent,
  kTemperatureWinding,
  kTemperatureBearing,
  kPressure,
  kFlow,
  kSpeed,
};

struct Channel {
  Channel(const SignalConfig& config, size_t signal_index, std::vector<Fault> sensor_faults,
          uint64_t seed)
      : signal(static_cast<MotorSignal>(signal_index)),
        noise(config.noise_stddev),
        faults(std::move(sensor_faults)),
        grid(config.rate_hz),
        random(SplitMix64(seed ^ SplitMix64(signal_index + 1))) {}

  MotorSignal signal;
  double noise;
  std::vector<Fault> faults;
  SampleGrid grid;
  SeededRandom random;
  bool has_last = false;
  double last = 0;
};

class MotorSensor : public SensorDriver {
 public:
  MotorSensor(const SensorConfig& config, MotorParams params, uint64_t seed)
      : model_(std::move(params)) {
    const std::vector<SignalConfig> known = DefaultMotorSignals();
    for (const SignalConfig& s : config.signals) {
      const size_t index =
          static_cast<size_t>(std::find_if(known.begin(), known.end(),
                                           [&](const auto& k) { return k.name == s.name; }) -
                              known.begin());
      std::vector<Fault> faults;
      for (const Fault& f : model_.params().faults) {
        if (IsSensorFault(f.kind) && f.signal == s.name) faults.push_back(f);
      }
      specs_.push_back({SeriesName(config, s), known[index].unit, s.rate_hz});
      channels_.push_back(std::make_unique<Channel>(s, index, std::move(faults), seed));
    }
  }

  std::string_view kind() const override { return kMotorKind; }
  const std::vector<ChannelSpec>& channels() const override { return specs_; }

  Status Read(int64_t now_ms, std::vector<wire::Series>* out) override {
    if (now_ms < last_now_ms_) return Status::Ok();
    last_now_ms_ = now_ms;
    if (!start_ms_) start_ms_ = now_ms;
    const int64_t end_ms = std::min(now_ms, *start_ms_ + model_.now_ms() + kMotorMaxCatchUpMs);
    due_.clear();
    std::vector<wire::Series> series(channels_.size());
    for (size_t c = 0; c < channels_.size(); ++c) {
      times_.clear();
      channels_[c]->grid.Due(end_ms, SIZE_MAX, &times_);
      for (int64_t t : times_) due_.emplace_back(t, c);
      series[c].name = specs_[c].name;
    }
    std::stable_sort(due_.begin(), due_.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    for (const auto& [t, c] : due_) {
      model_.AdvanceTo(t - *start_ms_);
      series[c].points.push_back({t, Measure(*channels_[c])});
    }
    model_.AdvanceTo(end_ms - *start_ms_);
    for (auto& s : series) {
      if (!s.points.empty()) out->push_back(std::move(s));
    }
    return Status::Ok();
  }

 private:
  double Physical(Channel& ch) {
    const ProcessState& p = model_.state();
    switch (ch.signal) {
      case MotorSignal::kVibration:
        return model_.Vibration(ch.random);
      case MotorSignal::kCurrent:
        return p.current_a;
      case MotorSignal::kTemperatureWinding:
        return p.winding_c;
      case MotorSignal::kTemperatureBearing:
        return p.bearing_c;
      case MotorSignal::kPressure:
        return model_.Pressure(ch.random);
      case MotorSignal::kFlow:
        return p.flow_m3h;
      case MotorSignal::kSpeed:
        return model_.speed_rpm();
    }
    return 0;
  }

  double Measure(Channel& ch) {
    const int64_t t = model_.now_ms();
    double value = Physical(ch) + ch.noise * ch.random.Gaussian();
    bool stuck = false;
    for (const Fault& f : ch.faults) {
      if (!f.ActiveAt(t)) continue;
      if (f.kind == FaultKind::kDrift) {
        value += f.magnitude * static_cast<double>(t - f.start_ms) / 1000.0;
      } else if (f.kind == FaultKind::kNoisy) {
        value += f.magnitude * ch.random.Gaussian();
      } else if (f.kind == FaultKind::kStuck) {
        stuck = true;
      }
    }
    if (stuck && ch.has_last) return ch.last;
    ch.has_last = true;
    ch.last = value;
    return value;
  }

  MotorModel model_;
  std::vector<ChannelSpec> specs_;
  std::vector<std::unique_ptr<Channel>> channels_;
  std::optional<int64_t> start_ms_;
  int64_t last_now_ms_ = INT64_MIN;
  std::vector<std::pair<int64_t, size_t>> due_;
  std::vector<int64_t> times_;
};

Status CheckSignals(const SensorConfig& config, const std::vector<SignalConfig>& known) {
  for (const SignalConfig& s : config.signals) {
    auto it =
        std::find_if(known.begin(), known.end(), [&](const auto& k) { return k.name == s.name; });
    if (it == known.end()) {
      std::vector<std::string> names;
      for (const auto& k : known) names.push_back(k.name);
      return Status::InvalidArgument(
          fmt::format("sensor \"{}\": signal \"{}\": unknown (known: {})", config.name, s.name,
                      fmt::join(names, ", ")));
    }
    if (!s.unit.empty() && s.unit != it->unit) {
      return Status::InvalidArgument(
          fmt::format("sensor \"{}\": signal \"{}\": unit must be \"{}\", got \"{}\"", config.name,
                      s.name, it->unit, s.unit));
    }
  }
  return Status::Ok();
}

}  // namespace

std::vector<SignalConfig> DefaultMotorSignals() {
  return {
      {"vibration", "g", 1000.0, Waveform::kConstant, 0, 0, 60, 0.0},
      {"current", "A", 10.0, Waveform::kConstant, 0, 0, 60, 0.05},
      {"temperature_winding", "degC", 1.0, Waveform::kConstant, 0, 0, 60, 0.05},
      {"temperature_bearing", "degC", 1.0, Waveform::kConstant, 0, 0, 60, 0.05},
      {"pressure", "bar", 10.0, Waveform::kConstant, 0, 0, 60, 0.01},
      {"flow", "m3/h", 10.0, Waveform::kConstant, 0, 0, 60, 0.2},
      {"speed", "rpm", 10.0, Waveform::kConstant, 0, 0, 60, 1.0},
  };
}

Result<std::unique_ptr<SensorDriver>> CreateMotorSensor(const SensorConfig& config, uint64_t seed) {
  if (config.kind != kMotorKind) {
    return Status::InvalidArgument(fmt::format("sensor \"{}\": kind \"{}\" is not \"{}\"",
                                               config.name, config.kind, kMotorKind));
  }
  SensorConfig resolved = config;
  const std::vector<SignalConfig> known = DefaultMotorSignals();
  if (resolved.signals.empty()) resolved.signals = known;
  KEEL_RETURN_IF_ERROR(ValidateSensorConfig(resolved));
  KEEL_RETURN_IF_ERROR(CheckSignals(resolved, known));
  std::vector<std::string> names;
  for (const SignalConfig& s : resolved.signals) names.push_back(s.name);
  auto params = ParseMotorOptions(config.options, names);
  if (!params.ok()) {
    return Status::InvalidArgument(
        fmt::format("sensor \"{}\": {}", config.name, params.status().message()));
  }
  return std::unique_ptr<SensorDriver>(
      std::make_unique<MotorSensor>(resolved, std::move(params).value(), seed));
}

Status RegisterPlantSensors() {
  RegisterSensorKind(std::string(kMotorKind), CreateMotorSensor);
  return Status::Ok();
}

}  // namespace keel::edge::plant
