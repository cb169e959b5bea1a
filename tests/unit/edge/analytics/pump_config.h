// The [analytics] section used by the edge analytics tests for a "motor"
// sensor named "pump" (src/edge/plant): the same shape as examples/edge.toml.
#pragma once

inline constexpr const char* kPumpAnalytics = R"(
[analytics]
window_ms = 2000
learn_windows = 40
raise_windows = 3
clear_windows = 5
detector = "mahalanobis"
detector_params = { threshold = 12.0 }

[analytics.mode]
signal = "pump.current.mean"
off_below = 1.0
running_above = 8.0
ramp_rate_per_s = 2.0
min_dwell_windows = 2

[[analytics.channel]]
name = "pump.vibration"
features = ["rms", "kurtosis", "crest_factor", "band"]
band_edges_hz = [0, 40, 80, 160, 320, 500]

[[analytics.channel]]
name = "pump.current"
features = ["mean"]

[[analytics.channel]]
name = "pump.pressure"
features = ["mean", "stddev"]

[[analytics.channel]]
name = "pump.flow"
features = ["mean"]

[[analytics.health]]
signal = "pump.temperature_bearing"
range_lo = -20
range_hi = 150
stuck_windows = 10

[[analytics.health]]
signal = "pump.temperature_winding"
range_lo = -20
range_hi = 180
stuck_windows = 10

[analytics.reduction]
raw = "around_events"
snippet_pre_ms = 4000
snippet_post_ms = 2000

[[analytics.reduction.compress]]
channel = "pump.speed"
method = "deadband"
deviation = 5.0
max_interval_ms = 60000
)";
