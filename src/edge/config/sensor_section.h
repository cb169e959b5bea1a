// Parsing of the [[sensor]] / [[sensor.signal]] arrays. Private to edge/config.
#pragma once

#include <toml++/toml.h>

#include <string_view>
#include <vector>

#include "common/status.h"
#include "edge/sensors/sensor_config.h"

namespace keel::edge {

// `node` is the value of the top-level "sensor" key, or null when absent.
Result<std::vector<SensorConfig>> ParseSensorSection(const toml::node* node,
                                                     std::string_view source);

}  // namespace keel::edge
