// The "motor" sensor kind: a simulated motor-driven centrifugal pump
// (physics in motor_model.h, options in motor_params.h, faults in faults.h),
// deterministic for a given (config, seed, first Read time).
//
// Signals (series "<sensor>.<signal>"), with their defaults:
//   vibration            g      1000 Hz  (noise: the model's broadband noise)
//   current              A        10 Hz  measurement noise 0.05
//   temperature_winding  degC      1 Hz  0.05
//   temperature_bearing  degC      1 Hz  0.05
//   pressure             bar      10 Hz  0.01
//   flow                 m3/h     10 Hz  0.2
//   speed                rpm      10 Hz  1
// A config without signals gets all of them. Listing signals selects a subset;
// each listed one uses its rate_hz and noise_stddev (added measurement
// noise); its unit must be empty or the one above; waveform fields are
// ignored. Times in `schedule` and `faults` count from the first Read.
//
// Read follows SensorDriver's contract, catching up at most
// kMotorMaxCatchUpMs of simulated time per call (so at most 60 000 samples
// per 1 kHz channel); the rest is returned by the following calls. Each
// channel draws noise from its own SeededRandom derived from the seed and the
// signal, and the process is stepped in fixed 1 ms increments, so samples do
// not depend on how often Read is called.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "edge/sensors/sensor_config.h"
#include "edge/sensors/sensor_driver.h"

namespace keel::edge::plant {

inline constexpr std::string_view kMotorKind = "motor";
inline constexpr int64_t kMotorMaxCatchUpMs = 60'000;

std::vector<SignalConfig> DefaultMotorSignals();

// ValidateSensorConfig plus the rules above; InvalidArgument prefixed with
// `sensor "<name>": ` otherwise.
Result<std::unique_ptr<SensorDriver>> CreateMotorSensor(const SensorConfig& config, uint64_t seed);

// Registers kind "motor" with the sensor registry. Idempotent; thread-safe.
Status RegisterPlantSensors();

}  // namespace keel::edge::plant
