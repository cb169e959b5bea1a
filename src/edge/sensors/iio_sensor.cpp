#include "edge/sensors/iio_sensor.h"

#include <fmt/format.h>

#include <charconv>
#include <climits>
#include <cmath>
#include <filesystem>
#include <map>
#include <string>
#include <system_error>
#include <vector>

#include "edge/sensors/iio_sysfs.h"
#include "edge/sensors/sample_grid.h"

namespace keel::edge {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kMultiplierPrefix = "multiplier_";

Status OptionError(const SensorConfig& config, std::string_view option, std::string_view what) {
  return Status::InvalidArgument(
      fmt::format("sensor \"{}\": option \"{}\": {}", config.name, option, what));
}

bool IsChannelName(std::string_view name) {
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-';
    if (!ok) return false;
  }
  return !name.empty();
}

Result<double> ParseMultiplier(std::string_view text) {
  double value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || ptr != end || !std::isfinite(value) || value == 0) {
    return Status::InvalidArgument(
        fmt::format("must be a finite, non-zero decimal number, got \"{}\"", text));
  }
  return value;
}

struct IioChannel {
  std::string signal;
  fs::path value_file;
  double scale = 1;
  double offset = 0;
  bool processed = false;
  double multiplier = 1;
  SampleGrid grid;
};

class IioSensor : public SensorDriver {
 public:
  IioSensor(std::string sensor, std::vector<ChannelSpec> specs, std::vector<IioChannel> channels)
      : sensor_(std::move(sensor)), specs_(std::move(specs)), channels_(std::move(channels)) {}

  std::string_view kind() const override { return kIioKind; }
  const std::vector<ChannelSpec>& channels() const override { return specs_; }

  Status Read(int64_t now_ms, std::vector<wire::Series>* out) override {
    if (now_ms < last_now_ms_) return Status::Ok();
    last_now_ms_ = now_ms;
    std::vector<SampleGrid> grids;
    std::vector<wire::Series> series(channels_.size());
    for (size_t i = 0; i < channels_.size(); ++i) {
      IioChannel& channel = channels_[i];
      std::vector<int64_t> times;
      channel.grid.Due(now_ms, 0, &times);
      grids.push_back(channel.grid);
      grids.back().Due(now_ms, kIioMaxSamplesPerRead, &times);
      if (times.empty()) continue;
      auto value = ReadValue(channel);
      if (!value.ok()) {
        return value.status().WithContext(
            fmt::format("sensor \"{}\": signal \"{}\"", sensor_, channel.signal));
      }
      series[i].name = specs_[i].name;
      for (int64_t t : times) series[i].points.push_back({t, *value});
    }
    for (size_t i = 0; i < channels_.size(); ++i) {
      channels_[i].grid = grids[i];
      if (!series[i].points.empty()) out->push_back(std::move(series[i]));
    }
    return Status::Ok();
  }

 private:
  static Result<double> ReadValue(const IioChannel& channel) {
    KEEL_ASSIGN_OR_RETURN(double reading, ReadIioNumber(channel.value_file));
    const double value = channel.processed ? reading : (reading + channel.offset) * channel.scale;
    return value * channel.multiplier;
  }

  std::string sensor_;
  std::vector<ChannelSpec> specs_;
  std::vector<IioChannel> channels_;
  int64_t last_now_ms_ = INT64_MIN;
};

}  // namespace

Result<std::unique_ptr<SensorDriver>> CreateIioSensor(const SensorConfig& config,
                                                      uint64_t /*seed*/) {
  if (config.kind != kIioKind) {
    return Status::InvalidArgument(fmt::format("sensor \"{}\": kind \"{}\" is not \"{}\"",
                                               config.name, config.kind, kIioKind));
  }
  KEEL_RETURN_IF_ERROR(ValidateSensorConfig(config));
  if (config.signals.empty()) {
    return Status::InvalidArgument(
        fmt::format("sensor \"{}\": kind \"{}\" needs at least one signal", config.name, kIioKind));
  }
  std::string device;
  fs::path root{std::string(kIioDefaultSysfsRoot)};
  std::map<std::string, double, std::less<>> multipliers;
  for (const auto& [key, value] : config.options) {
    if (key == "device") {
      device = value;
    } else if (key == "sysfs_root") {
      if (value.empty()) return OptionError(config, key, "must not be empty");
      root = value;
    } else if (key.starts_with(kMultiplierPrefix)) {
      const std::string_view signal = std::string_view(key).substr(kMultiplierPrefix.size());
      bool listed = false;
      for (const SignalConfig& s : config.signals) listed = listed || s.name == signal;
      if (!listed) return OptionError(config, key, fmt::format("no signal \"{}\"", signal));
      auto multiplier = ParseMultiplier(value);
      if (!multiplier.ok()) return OptionError(config, key, multiplier.status().message());
      multipliers.emplace(signal, *multiplier);
    } else {
      return OptionError(config, key, fmt::format("not supported by kind \"{}\"", kIioKind));
    }
  }
  if (device.empty()) return OptionError(config, "device", "required");
  auto dir = FindIioDevice(root, device);
  if (!dir.ok()) return dir.status().WithContext(fmt::format("sensor \"{}\"", config.name));

  std::vector<ChannelSpec> specs;
  std::vector<IioChannel> channels;
  for (const SignalConfig& signal : config.signals) {
    const std::string where = fmt::format("sensor \"{}\": signal \"{}\"", config.name, signal.name);
    if (!IsChannelName(signal.name)) {
      return Status::InvalidArgument(
          fmt::format("{}: not an IIO channel name (only [A-Za-z0-9_-])", where));
    }
    auto files = LocateIioChannel(*dir, signal.name);
    if (!files.ok()) return files.status().WithContext(where);
    IioChannel channel{
        signal.name, files->value, 1, 0, files->processed, 1, SampleGrid(signal.rate_hz)};
    if (files->scale) {
      auto scale = ReadIioNumber(*files->scale);
      if (!scale.ok()) return scale.status().WithContext(where);
      channel.scale = *scale;
    }
    if (files->offset) {
      auto offset = ReadIioNumber(*files->offset);
      if (!offset.ok()) return offset.status().WithContext(where);
      channel.offset = *offset;
    }
    if (auto it = multipliers.find(signal.name); it != multipliers.end()) {
      channel.multiplier = it->second;
    }
    specs.push_back({SeriesName(config, signal), signal.unit, signal.rate_hz});
    channels.push_back(std::move(channel));
  }
  return std::unique_ptr<SensorDriver>(
      std::make_unique<IioSensor>(config.name, std::move(specs), std::move(channels)));
}

}  // namespace keel::edge
