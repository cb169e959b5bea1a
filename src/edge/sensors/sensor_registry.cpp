#include "edge/sensors/sensor_registry.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <exception>
#include <map>
#include <mutex>

#include "edge/sensors/csv_replay_sensor.h"
#include "edge/sensors/iio_sensor.h"
#include "edge/sensors/modbus_sensor.h"
#include "edge/sensors/simulated_sensor.h"

namespace keel::edge {
namespace {

struct Registry {
  std::mutex mu;
  std::map<std::string, SensorFactory, std::less<>> factories;
};

Registry& GetRegistry() {
  static Registry* registry = [] {
    auto* r = new Registry;
    r->factories.emplace(std::string(kSimulatedKind), CreateSimulatedSensor);
    r->factories.emplace(std::string(kCsvKind), CreateCsvReplaySensor);
    r->factories.emplace(std::string(kIioKind), CreateIioSensor);
    r->factories.emplace(std::string(kModbusKind), CreateModbusSensor);
    return r;
  }();
  return *registry;
}

}  // namespace

void RegisterSensorKind(std::string kind, SensorFactory factory) {
  Registry& r = GetRegistry();
  std::lock_guard lock(r.mu);
  r.factories.insert_or_assign(std::move(kind), std::move(factory));
}

bool IsSensorKindRegistered(std::string_view kind) {
  Registry& r = GetRegistry();
  std::lock_guard lock(r.mu);
  return r.factories.find(kind) != r.factories.end();
}

std::vector<std::string> RegisteredSensorKinds() {
  Registry& r = GetRegistry();
  std::lock_guard lock(r.mu);
  std::vector<std::string> kinds;
  for (const auto& [kind, factory] : r.factories) kinds.push_back(kind);
  return kinds;
}

Result<std::unique_ptr<SensorDriver>> CreateSensor(const SensorConfig& config, uint64_t seed) {
  SensorFactory factory;
  {
    Registry& r = GetRegistry();
    std::lock_guard lock(r.mu);
    auto it = r.factories.find(config.kind);
    if (it != r.factories.end()) factory = it->second;
  }
  if (!factory) {
    return Status::NotFound(fmt::format("sensor \"{}\": unknown kind \"{}\" (known: {})",
                                        config.name, config.kind,
                                        fmt::join(RegisteredSensorKinds(), ", ")));
  }
  try {
    return factory(config, seed);
  } catch (const std::exception& e) {
    return Status::Internal(
        fmt::format("sensor \"{}\": driver \"{}\" threw: {}", config.name, config.kind, e.what()));
  }
}

}  // namespace keel::edge
