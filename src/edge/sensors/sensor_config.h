// Configuration of one sensor and its signals, independent of the driver kind.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace keel::edge {

enum class Waveform {
  kSine,        // offset + amplitude * sin(2*pi*t/period_s)
  kConstant,    // offset
  kRandomWalk,  // mean-reverting walk around offset: stationary stddev amplitude,
                // time constant period_s (Ornstein-Uhlenbeck)
  kSquare,      // offset +amplitude for the first half of each period, -amplitude after
};

// "sine" | "constant" | "random_walk" | "square"; InvalidArgument otherwise.
Result<Waveform> ParseWaveform(std::string_view name);
std::string_view WaveformName(Waveform waveform);

// One measured quantity. Drivers that read real hardware use name, unit and
// rate_hz; the waveform fields only matter to the "simulated" driver.
struct SignalConfig {
  std::string name;      // [A-Za-z0-9_.:/-], 1..64 bytes, unique within a sensor
  std::string unit;      // free text, e.g. "degC", "mm/s", "A"; may be empty
  double rate_hz = 1.0;  // samples per second, 0.1..1000
  Waveform waveform = Waveform::kSine;
  double offset = 0.0;        // signal units
  double amplitude = 1.0;     // signal units, >= 0
  double period_s = 60.0;     // seconds, 0.001..1e7
  double noise_stddev = 0.0;  // Gaussian noise added to every sample, >= 0
  bool operator==(const SignalConfig&) const = default;
};

struct SensorConfig {
  std::string kind;  // the registered driver kind, e.g. "simulated"
  std::string name;  // [A-Za-z0-9_-], 1..63 bytes; prefixes the series names
  std::vector<SignalConfig> signals;
  // Driver-specific settings (e.g. a Modbus device path), as text. A driver
  // refuses options it does not know.
  std::map<std::string, std::string> options;
  bool operator==(const SensorConfig&) const = default;
};

// Checks what every kind requires: kind and name syntax, and for each signal
// the name syntax and uniqueness and that every number is finite and in the
// ranges documented above. Errors read
//   sensor "motor": signal "temp": rate_hz: must be between 0.1 and 1000, got 0
Status ValidateSensorConfig(const SensorConfig& config);

// The series name under which a sensor's signal is published: "<sensor>.<signal>".
std::string SeriesName(const SensorConfig& sensor, const SignalConfig& signal);

}  // namespace keel::edge
