#include "edge/config/sensor_section.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <set>

#include "edge/sensors/sensor_registry.h"
#include "edge/sensors/simulated_sensor.h"
#include "edge/toml/toml_reader.h"

namespace keel::edge {
namespace {

Result<SignalConfig> ParseSignal(const toml::table& table, std::string_view source,
                                 const std::string& section) {
  TomlReader r(&table, std::string(source), section);
  SignalConfig s;
  KEEL_RETURN_IF_ERROR(r.String("name", &s.name, /*required=*/true));
  KEEL_RETURN_IF_ERROR(r.String("unit", &s.unit));
  KEEL_RETURN_IF_ERROR(r.Double("rate_hz", &s.rate_hz).status());
  std::string waveform;
  KEEL_RETURN_IF_ERROR(r.String("waveform", &waveform));
  if (!waveform.empty()) {
    auto parsed = ParseWaveform(waveform);
    if (!parsed.ok()) {
      return r.Error(
          "waveform", table.get("waveform"),
          "must be one of sine, constant, random_walk, square, got \"" + waveform + "\"");
    }
    s.waveform = *parsed;
  }
  KEEL_RETURN_IF_ERROR(r.Double("offset", &s.offset).status());
  KEEL_RETURN_IF_ERROR(r.Double("amplitude", &s.amplitude).status());
  KEEL_RETURN_IF_ERROR(r.Double("period_s", &s.period_s).status());
  KEEL_RETURN_IF_ERROR(r.Double("noise_stddev", &s.noise_stddev).status());
  KEEL_RETURN_IF_ERROR(r.CheckNoUnknownKeys());
  return s;
}

Result<std::string> OptionText(const toml::node& node) {
  if (const auto* s = node.as_string()) return s->get();
  if (const auto* i = node.as_integer()) return std::to_string(i->get());
  if (const auto* f = node.as_floating_point()) return fmt::format("{}", f->get());
  if (const auto* b = node.as_boolean()) return std::string(b->get() ? "true" : "false");
  return Status::InvalidArgument(
      fmt::format("must be a string, number or boolean, got {}", TomlTypeName(node)));
}

Result<SensorConfig> ParseSensor(const toml::table& table, std::string_view source,
                                 size_t sensor_index) {
  const std::string section = fmt::format("[sensor {}]", sensor_index);
  TomlReader r(&table, std::string(source), section);
  SensorConfig sensor;
  KEEL_RETURN_IF_ERROR(r.String("kind", &sensor.kind, /*required=*/true));
  KEEL_RETURN_IF_ERROR(r.String("name", &sensor.name, /*required=*/true));
  if (!IsSensorKindRegistered(sensor.kind)) {
    return r.Error("kind", table.get("kind"),
                   fmt::format("unknown sensor kind \"{}\" (known: {})", sensor.kind,
                               fmt::join(RegisteredSensorKinds(), ", ")));
  }
  if (const toml::node* signals = r.Take("signal")) {
    const toml::array* array = signals->as_array();
    if (array == nullptr) {
      return r.Error("signal", signals, "must be an array of tables ([[sensor.signal]])");
    }
    for (size_t i = 0; i < array->size(); ++i) {
      const toml::node& item = (*array)[i];
      const std::string signal_section = fmt::format("[sensor {} signal {}]", sensor_index, i + 1);
      if (!item.is_table()) {
        return Status::InvalidArgument(fmt::format("{} {}: must be a table, got {}",
                                                   TomlLocation(source, &item), signal_section,
                                                   TomlTypeName(item)));
      }
      KEEL_ASSIGN_OR_RETURN(SignalConfig s, ParseSignal(*item.as_table(), source, signal_section));
      sensor.signals.push_back(std::move(s));
    }
  }
  for (const auto& [key, node] : table) {
    if (r.consumed().count(key.str()) > 0) continue;
    if (sensor.kind == kSimulatedKind) {
      return r.Error(key.str(), &node, "unknown key (kind \"simulated\" takes no options)");
    }
    auto text = OptionText(node);
    if (!text.ok()) return r.Error(key.str(), &node, text.status().message());
    sensor.options.emplace(std::string(key.str()), std::move(text).value());
  }
  Status valid = ValidateSensorConfig(sensor);
  if (!valid.ok()) {
    return Status::InvalidArgument(
        fmt::format("{} {}: {}", TomlLocation(source, &table), section, valid.message()));
  }
  return sensor;
}

}  // namespace

Result<std::vector<SensorConfig>> ParseSensorSection(const toml::node* node,
                                                     std::string_view source) {
  std::vector<SensorConfig> sensors;
  if (node == nullptr) return sensors;
  const toml::array* array = node->as_array();
  if (array == nullptr) {
    return Status::InvalidArgument(fmt::format("{} sensor: must be an array of tables ([[sensor]])",
                                               TomlLocation(source, node)));
  }
  std::set<std::string, std::less<>> names;
  for (size_t i = 0; i < array->size(); ++i) {
    const toml::node& item = (*array)[i];
    const std::string section = fmt::format("[sensor {}]", i + 1);
    if (!item.is_table()) {
      return Status::InvalidArgument(fmt::format("{} {}: must be a table, got {}",
                                                 TomlLocation(source, &item), section,
                                                 TomlTypeName(item)));
    }
    KEEL_ASSIGN_OR_RETURN(SensorConfig sensor, ParseSensor(*item.as_table(), source, i + 1));
    if (!names.insert(sensor.name).second) {
      return Status::InvalidArgument(fmt::format("{} {} name: \"{}\" is used by another sensor",
                                                 TomlLocation(source, &item), section,
                                                 sensor.name));
    }
    sensors.push_back(std::move(sensor));
  }
  return sensors;
}

}  // namespace keel::edge
