// SensorDriver: the interface every sensor source implements (simulated, and
// later CSV replay, Linux IIO, Modbus). Drivers are created by kind through
// the registry in sensor_registry.h.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "wire/telemetry.h"

namespace keel::edge {

struct ChannelSpec {
  std::string name;  // the series name, "<sensor>.<signal>"
  std::string unit;
  double rate_hz = 0;  // samples per second
  bool operator==(const ChannelSpec&) const = default;
};

// Not thread-safe: one thread (the sampler) owns a driver.
class SensorDriver {
 public:
  virtual ~SensorDriver() = default;

  virtual std::string_view kind() const = 0;
  // Fixed for the driver's lifetime.
  virtual const std::vector<ChannelSpec>& channels() const = 0;

  // Appends to *out every sample due at or before now_ms (ms since the Unix
  // epoch) that an earlier call did not return. Samples lie on each channel's
  // grid, t = start + round(k * 1000 / rate_hz) ms, where start is the now_ms
  // of the first call, so the samples produced over a period do not depend
  // on how often Read is called. At most one Series per channel is appended,
  // only for channels with new samples. A now_ms earlier than a previous one
  // yields nothing. An error (e.g. a device that stopped answering) leaves the
  // grid where it was.
  virtual Status Read(int64_t now_ms, std::vector<wire::Series>* out) = 0;
};

}  // namespace keel::edge
