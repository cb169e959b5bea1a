// The keel-edge configuration the rollout and attestation end-to-end tests
// give their agent: one simulated motor whose vibration RMS and current mean
// feed the analytics (the inputs of their pump-ae bundles), a 1 s update
// poll and a 1 s model soak (a model is committed 1 s after its health check
// with the broker connection kept; the tests are not about the soak's
// length). `extra` is appended (more sections, e.g. [attest]).
#pragma once

#include <fmt/format.h>

#include <filesystem>
#include <string>
#include <string_view>

#include "integration/hub_process.h"

namespace keel {

inline std::string PumpAgentConfig(const std::string& id, const std::filesystem::path& identity,
                                   const HubProcess& hub, std::string_view extra = {}) {
  return fmt::format(R"([device]
id = "{}"
dir = "{}"

[hub]
mqtt = "{}"
api = "{}"

[[sensor]]
kind = "motor"
name = "pump"
schedule = "on@0s"

[analytics]
window_ms = 1000
learn_windows = 5
detector = "mahalanobis"

[analytics.mode]
signal = "pump.current.mean"
off_below = 1.0
running_above = 8.0
ramp_rate_per_s = 2.0

[[analytics.channel]]
name = "pump.vibration"
features = ["rms"]

[[analytics.channel]]
name = "pump.current"
features = ["mean"]

[ota]
poll_interval_s = 1
model_soak_s = 1
{})",
                     id, identity.string(), hub.mqtt_url(), hub.api_url(), extra);
}

}  // namespace keel
