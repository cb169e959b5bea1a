// The "simulated" sensor kind: synthetic but physically plausible signals,
// deterministic for a given seed, for demos, tests and load generation.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "common/status.h"
#include "edge/sensors/sensor_config.h"
#include "edge/sensors/sensor_driver.h"

namespace keel::edge {

inline constexpr std::string_view kSimulatedKind = "simulated";

// At most this many samples per channel are returned by one Read; a longer
// backlog is returned by the following calls.
inline constexpr size_t kSimulatedMaxSamplesPerRead = 100000;

// A machine-like default used when a simulated sensor lists no signals:
// temperature (degC, 1 Hz, 40 +- 5 sine over 10 min), vibration_rms (mm/s,
// 10 Hz random walk around 2.5) and current (A, 10 Hz, 12 +- 0.5 sine).
std::vector<SignalConfig> DefaultSimulatedSignals();

// ValidateSensorConfig plus: kind must be "simulated" and no options are
// accepted. Each signal draws from its own SeededRandom derived from `seed`
// and the signal's position, so a given (config, seed, first Read time)
// always yields the same samples.
Result<std::unique_ptr<SensorDriver>> CreateSimulatedSensor(const SensorConfig& config,
                                                            uint64_t seed);

}  // namespace keel::edge
