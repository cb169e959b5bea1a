// EdgeAnalytics: keel-edge's local decision loop and data reduction for one
// device, between the sensors and the outbox.
//
//   raw samples --> AnalyticsPipeline (windows, features, mode, sensor health,
//               |                      per-mode model, classified alarms)
//               |        --> RuleEngine on every window --> ActionRouter
//               |              (commands, Modbus writes, GPIO: run locally,
//               |               whether or not the hub is reachable)
//               |        --> events with their context (mode, features,
//               |            score, threshold, model, raw snippet range)
//               +--> data reduction: per-window features, compressed slow
//                    channels, raw only around events (RawPolicy)
//
// Process() returns what to send; the agent puts it into outbox batches, so
// events are as durable as telemetry and reach the hub after a network
// outage. Nothing here does network I/O or blocks on an action (sinks only
// queue).
//
// Event types and their data are documented in docs/protocol.md
// ("Device events"). Not thread-safe: the agent's sampler thread owns it;
// stats() may be called from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/status.h"
#include "edge/analytics/analytics_config.h"
#include "edge/rules/actions.h"
#include "edge/rules/rule_engine.h"
#include "edge/rules/rule_parser.h"
#include "edge/sensors/sensor_driver.h"
#include "wire/telemetry.h"

namespace keel::edge::analytics {

struct AnalyticsOutput {
  std::vector<wire::Series> series;  // unique names, points in time order
  std::vector<wire::Event> events;   // in time order
};

// Percentiles of the decision latency: from the moment the sample that
// completed a window was handed to Process() to the moment the window's rule
// transitions were dispatched to the action sinks, in microseconds.
struct LatencySummary {
  uint64_t count = 0;
  double p50_us = 0;
  double p99_us = 0;
  double max_us = 0;
};

struct AnalyticsStats {
  uint64_t windows = 0;
  uint64_t scored_windows = 0;
  uint64_t events = 0;            // events produced (all types)
  uint64_t rule_transitions = 0;  // raised + cleared
  uint64_t raw_samples = 0;       // samples received from the sensors
  uint64_t raw_bytes = 0;         // 16 bytes (time + value) per raw sample
  uint64_t sent_samples = 0;      // samples in AnalyticsOutput::series
  uint64_t snippets = 0;          // raw snippets captured
  LatencySummary decision_latency;
  std::vector<rules::RuleStatus> rules;
};

// The sinks of "command:", "modbus:" and "gpio:" actions, keyed by the
// action reference; built by the agent from the RuleSet (MakeActionSinks).
struct ActionSinks {
  std::vector<std::unique_ptr<rules::ActionSink>> owned;
  std::map<std::string, rules::ActionSink*, std::less<>> by_reference;
};

class EdgeAnalytics {
 public:
  // `sensor_channels` gives the rates of aligner channels configured with
  // rate 0; every aligner channel must be one of them (InvalidArgument
  // naming it otherwise). `rule_set` is the parsed rules file (may be empty);
  // its actions must be in `sinks` ("publish" is built in). `model_name`
  // names the model in event context (e.g. "builtin:mahalanobis" or
  // "pump-ae@1.2.0").
  static Result<std::unique_ptr<EdgeAnalytics>> Create(
      AnalyticsConfig config, const std::vector<ChannelSpec>& sensor_channels,
      rules::RuleSet rule_set, ActionSinks sinks, std::string model_name);
  ~EdgeAnalytics();
  EdgeAnalytics(const EdgeAnalytics&) = delete;
  EdgeAnalytics& operator=(const EdgeAnalytics&) = delete;

  // Takes one sensor read's raw samples (at most one Series per channel; any
  // order) at now_ms and appends to *out what to send. Channels the analytics
  // does not know are passed through (or compressed). An error from the
  // pipeline (e.g. a detector that cannot be fitted) is returned after the
  // raw data has been handled, so no sample is lost to it.
  Status Process(std::vector<wire::Series> raw, int64_t now_ms, AnalyticsOutput* out);

  // Sends the raw samples of the analysed channels, whatever the raw policy,
  // in every Process() call with now_ms <= until_ms (an operator asked for
  // them, wire::RawRequest); the next Process() emits a "raw.sending" event
  // {until, channels}. A later call replaces the deadline. Thread-safe.
  void SendRawUntil(int64_t until_ms);

  // Emits what compressors hold back and every pending snippet (shutdown).
  void Flush(AnalyticsOutput* out);

  AnalyticsStats stats() const;

 private:
  class Impl;
  explicit EdgeAnalytics(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace keel::edge::analytics
