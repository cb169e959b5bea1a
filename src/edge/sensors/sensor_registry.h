// Name-keyed registry of sensor driver kinds. "simulated", "csv" (replay),
// "iio" (Linux IIO sysfs) and "modbus" (Modbus TCP) are always registered;
// other kinds (e.g. the plant simulator's "motor") register at startup,
// before the agent's configuration is loaded. Thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "edge/sensors/sensor_config.h"
#include "edge/sensors/sensor_driver.h"

namespace keel::edge {

// Builds a driver from its configuration; returns InvalidArgument for a
// configuration the driver cannot use. `seed` feeds any randomness.
using SensorFactory =
    std::function<Result<std::unique_ptr<SensorDriver>>(const SensorConfig&, uint64_t seed)>;

// Registers (or replaces) the factory for `kind`.
void RegisterSensorKind(std::string kind, SensorFactory factory);

bool IsSensorKindRegistered(std::string_view kind);

// Sorted.
std::vector<std::string> RegisteredSensorKinds();

// NotFound naming the known kinds if config.kind is not registered; otherwise
// whatever the factory returns (an exception from it becomes Internal).
Result<std::unique_ptr<SensorDriver>> CreateSensor(const SensorConfig& config, uint64_t seed);

}  // namespace keel::edge
