#include "edge/context/operating_mode.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <string>

namespace keel::edge::context {

std::string_view OperatingModeName(OperatingMode mode) {
  switch (mode) {
    case OperatingMode::kOff:
      return "off";
    case OperatingMode::kIdle:
      return "idle";
    case OperatingMode::kRamping:
      return "ramping";
    case OperatingMode::kRunning:
      return "running";
  }
  return "unknown";
}

std::optional<OperatingMode> OperatingModeFromName(std::string_view name) {
  for (OperatingMode mode : {OperatingMode::kOff, OperatingMode::kIdle, OperatingMode::kRamping,
                             OperatingMode::kRunning}) {
    if (OperatingModeName(mode) == name) return mode;
  }
  return std::nullopt;
}

Status ValidateModeDetectorConfig(const ModeDetectorConfig& config) {
  const auto bad = [&config](std::string_view field, double value, std::string_view want) {
    return Status::InvalidArgument(fmt::format("mode detector \"{}\": {} = {}: must be {}",
                                               config.load_signal, field, value, want));
  };
  if (config.load_signal.empty()) {
    return Status::InvalidArgument("mode detector: load_signal must be named");
  }
  if (!std::isfinite(config.off_below) || config.off_below < 0) {
    return bad("off_below", config.off_below, "finite and >= 0");
  }
  if (!std::isfinite(config.running_above) || config.running_above <= config.off_below) {
    return bad("running_above", config.running_above, "finite and > off_below");
  }
  if (!std::isfinite(config.ramp_rate_per_s) || config.ramp_rate_per_s <= 0) {
    return bad("ramp_rate_per_s", config.ramp_rate_per_s, "finite and > 0");
  }
  if (config.min_dwell_windows < 1) {
    return bad("min_dwell_windows", config.min_dwell_windows, ">= 1");
  }
  return Status::Ok();
}

Result<ModeDetector> ModeDetector::Create(const ModeDetectorConfig& config) {
  KEEL_RETURN_IF_ERROR(ValidateModeDetectorConfig(config));
  return ModeDetector(config);
}

OperatingMode ModeDetector::Classify(int64_t window_end_ms, double load) const {
  if (started_) {
    const double seconds = static_cast<double>(window_end_ms - last_ms_) / 1000.0;
    const double rate = (load - last_load_) / seconds;
    if (std::abs(rate) > config_.ramp_rate_per_s &&
        std::max(load, last_load_) >= config_.off_below) {
      return OperatingMode::kRamping;
    }
  }
  if (load < config_.off_below) return OperatingMode::kOff;
  if (load >= config_.running_above) return OperatingMode::kRunning;
  return OperatingMode::kIdle;
}

OperatingMode ModeDetector::Update(int64_t window_end_ms, double load) {
  if (!std::isfinite(load)) {
    last_issue_ = LoadIssue::kMissing;
    ++missing_windows_;
    return mode_;
  }
  if (started_ && window_end_ms <= last_ms_) {
    last_issue_ = LoadIssue::kOutOfOrder;
    ++out_of_order_windows_;
    return mode_;
  }
  last_issue_ = LoadIssue::kNone;
  const OperatingMode raw = Classify(window_end_ms, load);
  if (!started_) {
    started_ = true;
    mode_ = raw;
    mode_since_ms_ = window_end_ms;
  } else if (raw == mode_) {
    candidate_count_ = 0;
  } else {
    if (candidate_count_ == 0 || raw != candidate_) {
      candidate_ = raw;
      candidate_count_ = 0;
      candidate_since_ms_ = window_end_ms;
    }
    if (++candidate_count_ >= config_.min_dwell_windows) {
      mode_ = candidate_;
      mode_since_ms_ = candidate_since_ms_;
      candidate_count_ = 0;
    }
  }
  last_ms_ = window_end_ms;
  last_load_ = load;
  return mode_;
}

int64_t ModeDetector::TimeInModeMs() const { return started_ ? last_ms_ - mode_since_ms_ : 0; }

}  // namespace keel::edge::context
