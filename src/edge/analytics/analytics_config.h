// AnalyticsConfig: what keel-edge decides locally and what it sends, read
// from the [analytics] section of the agent's TOML file (examples/edge.toml
// documents every key):
//
//   [analytics]                      window, learning, detector, rules file
//   [analytics.mode]                 load signal and thresholds of the modes
//   [[analytics.channel]]            per channel: features (the model input)
//   [[analytics.health]]             per signal: range / stuck / noisy / drift
//   [[analytics.redundant]]          groups of redundant sensors
//   [analytics.reduction]            what is sent upstream
//   [[analytics.reduction.compress]] deadband / swinging door per slow channel
//
// Parsing is strict like the rest of the agent config: unknown keys, wrong
// types and out-of-range values are InvalidArgument
// "<source>:<line>:<col>: [analytics.channel 2] features: ...".
#pragma once

#include <toml++/toml.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "edge/pipeline/analytics_pipeline.h"
#include "edge/sensors/sensor_driver.h"

namespace keel::edge::analytics {

// Which raw samples of the analysed channels (those with features) leave the
// device. Channels that are neither analysed nor compressed are always sent
// raw: nothing else would carry them.
enum class RawPolicy {
  kAll,           // every raw sample (features and events are sent as well)
  kAroundEvents,  // only snippets around raised events
  kNone,          // never
};

enum class CompressMethod { kDeadband, kSwingingDoor };

struct CompressSpec {
  std::string channel;  // a raw series name, e.g. "pump.temperature_winding"
  CompressMethod method = CompressMethod::kSwingingDoor;
  double deviation = 0;             // signal units, > 0: the largest error allowed
  int64_t max_interval_ms = 60000;  // a point is kept at least this often, 1000..86400000
};

struct ReductionConfig {
  RawPolicy raw = RawPolicy::kAroundEvents;
  bool send_features = true;       // window features as series "<channel>.<feature>"
  int64_t snippet_pre_ms = 5000;   // raw kept before an event's window end, 0..600000
  int64_t snippet_post_ms = 2000;  // ... and after it, 0..600000
  std::vector<CompressSpec> compress;
};

struct AnalyticsConfig {
  // Aligner channels with rate_hz 0 take the rate of the sensor channel of
  // the same name when the agent starts (ResolveChannelRates).
  pipeline::PipelineConfig pipeline;
  int64_t tick_ms = 100;  // sensors read and windows evaluated this often, 10..10000
  // 1..99: the sampler and action worker threads run under SCHED_FIFO at this
  // priority (needs CAP_SYS_NICE or RLIMIT_RTPRIO; without, a warning and
  // normal priority). 0: normal scheduling.
  int64_t realtime_priority = 0;
  std::filesystem::path rules_file;  // empty: no rules; relative: to the config file
  std::filesystem::path model_dir;   // empty: the built-in `pipeline.detector`
  ReductionConfig reduction;
};

// Gives aligner channels and feature specs configured without a rate the rate
// of the sensor channel of the same name. InvalidArgument naming a channel
// that no sensor produces. Idempotent.
Status ResolveChannelRates(const std::vector<ChannelSpec>& sensor_channels,
                           AnalyticsConfig* config);

// `node` is the value of the top-level "analytics" key (must be a table).
Result<AnalyticsConfig> ParseAnalyticsSection(const toml::node& node, std::string_view source);

}  // namespace keel::edge::analytics
