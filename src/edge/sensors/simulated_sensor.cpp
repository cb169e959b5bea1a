#include "edge/sensors/simulated_sensor.h"

#include <fmt/format.h>

#include <cmath>
#include <cstdint>
#include <numbers>

#include "common/random.h"
#include "edge/sensors/sample_grid.h"

namespace keel::edge {
namespace {

uint64_t SplitMix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

class SimulatedSignal {
 public:
  SimulatedSignal(const SignalConfig& config, uint64_t seed)
      : config_(config), grid_(config.rate_hz), random_(seed), walk_(config.offset) {}

  void Read(int64_t now_ms, wire::Series* out) {
    times_.clear();
    grid_.Due(now_ms, kSimulatedMaxSamplesPerRead, &times_);
    for (int64_t t : times_) out->points.push_back({t, ValueAt(t)});
  }

 private:
  double ValueAt(int64_t t_ms) {
    const double period_ms = config_.period_s * 1000.0;
    const double phase = std::fmod(static_cast<double>(t_ms), period_ms) / period_ms;
    double value = config_.offset;
    switch (config_.waveform) {
      case Waveform::kSine:
        value += config_.amplitude * std::sin(2 * std::numbers::pi * phase);
        break;
      case Waveform::kConstant:
        break;
      case Waveform::kSquare:
        value += phase < 0.5 ? config_.amplitude : -config_.amplitude;
        break;
      case Waveform::kRandomWalk: {
        const double decay = std::exp(-1.0 / (config_.rate_hz * config_.period_s));
        walk_ = config_.offset + (walk_ - config_.offset) * decay +
                config_.amplitude * std::sqrt(1 - decay * decay) * random_.Gaussian();
        value = walk_;
        break;
      }
    }
    if (config_.noise_stddev > 0) value += config_.noise_stddev * random_.Gaussian();
    return value;
  }

  SignalConfig config_;
  SampleGrid grid_;
  SeededRandom random_;
  double walk_;
  std::vector<int64_t> times_;
};

class SimulatedSensor : public SensorDriver {
 public:
  SimulatedSensor(const SensorConfig& config, uint64_t seed) {
    for (size_t i = 0; i < config.signals.size(); ++i) {
      const SignalConfig& s = config.signals[i];
      channels_.push_back({SeriesName(config, s), s.unit, s.rate_hz});
      signals_.push_back(std::make_unique<SimulatedSignal>(s, SplitMix64(seed ^ SplitMix64(i))));
    }
  }

  std::string_view kind() const override { return kSimulatedKind; }
  const std::vector<ChannelSpec>& channels() const override { return channels_; }

  Status Read(int64_t now_ms, std::vector<wire::Series>* out) override {
    if (now_ms < last_now_ms_) return Status::Ok();
    last_now_ms_ = now_ms;
    for (size_t i = 0; i < signals_.size(); ++i) {
      wire::Series series{channels_[i].name, {}};
      signals_[i]->Read(now_ms, &series);
      if (!series.points.empty()) out->push_back(std::move(series));
    }
    return Status::Ok();
  }

 private:
  std::vector<ChannelSpec> channels_;
  std::vector<std::unique_ptr<SimulatedSignal>> signals_;
  int64_t last_now_ms_ = INT64_MIN;
};

}  // namespace

std::vector<SignalConfig> DefaultSimulatedSignals() {
  return {
      {"temperature", "degC", 1.0, Waveform::kSine, 40.0, 5.0, 600.0, 0.05},
      {"vibration_rms", "mm/s", 10.0, Waveform::kRandomWalk, 2.5, 0.4, 30.0, 0.02},
      {"current", "A", 10.0, Waveform::kSine, 12.0, 0.5, 60.0, 0.1},
  };
}

Result<std::unique_ptr<SensorDriver>> CreateSimulatedSensor(const SensorConfig& config,
                                                            uint64_t seed) {
  if (config.kind != kSimulatedKind) {
    return Status::InvalidArgument(fmt::format("sensor \"{}\": kind \"{}\" is not \"{}\"",
                                               config.name, config.kind, kSimulatedKind));
  }
  KEEL_RETURN_IF_ERROR(ValidateSensorConfig(config));
  if (!config.options.empty()) {
    return Status::InvalidArgument(
        fmt::format("sensor \"{}\": option \"{}\" is not supported by kind \"{}\"", config.name,
                    config.options.begin()->first, kSimulatedKind));
  }
  if (config.signals.empty()) {
    SensorConfig with_defaults = config;
    with_defaults.signals = DefaultSimulatedSignals();
    return std::unique_ptr<SensorDriver>(std::make_unique<SimulatedSensor>(with_defaults, seed));
  }
  return std::unique_ptr<SensorDriver>(std::make_unique<SimulatedSensor>(config, seed));
}

}  // namespace keel::edge
