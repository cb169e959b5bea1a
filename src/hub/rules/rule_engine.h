// RuleEngine: evaluates the hub's rules (rule_set.h) on the event stream and
// emits what they detect as bus events (docs/hub-rules.md). Pure and
// time-injected: the same code runs in keel-hub (RuleService, the "rules"
// bus stage) and in `keel-eval alerts --rules`.
//
// Per rule and device, in the rule's scope:
// - series rules read the samples that telemetry events carry for the
//   series the rules name (Watches(); ingest attaches them as
//   data.points, docs/events.md). After each timestamp of a batch the rules
//   that read one of its series are evaluated, at that sample time. A rule
//   raises when `when` is true (held for `for` if given: in every
//   evaluation from the first one at t0 to one at t >= t0 + for; false or
//   unknown restarts the hold), and clears when `clear` is true (given) or
//   `when` is false (not given). Unknown neither raises nor clears.
//   Samples older than the newest one of their series are dropped
//   (counted); each series keeps the samples of its longest window, at
//   most kMaxSamplesPerSeries.
// - detection rules are evaluated on each detection a device raised
//   ("*.raised" / "*.cleared" from the edge; never on the ones the hub's
//   own rules emit, so rules cannot feed each other). A "*.raised" for
//   which `when` is true raises the rule for that device and signal;
//   the matching "*.cleared" (same type prefix and signal) or a detection
//   for which `clear` is true clears it.
// - absence rules: a device is offline once nothing (or nothing of
//   `series`) has arrived for `timeout`, by the hub's clock `now_ms`; it
//   is online again with its next report; silence counts from when the
//   rule (as defined now) was installed at the earliest. Devices are tracked from their
//   first event, or from Track(); for `series`, only devices that reported
//   it at least once (since the hub started) are watched.
//
// Emitted events: series and detection rules "rule.raised" /
// "rule.cleared" (kDetection, data: rule, severity, source "hub", on,
// summary, and the values or detection that decided); absence rules
// "device.offline" / "device.online" (data: rule, source "hub",
// last_seen_ms, timeout_ms). Replacing the rules clears, at once, every
// raised state of a rule that changed or went away.
//
// Not thread-safe: RuleService serializes it.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "hub/alerts/alert.h"
#include "hub/bus/event.h"
#include "hub/rules/rule_set.h"

namespace keel::hub::rules {

struct RuleEngineStats {
  uint64_t evaluations = 0;
  uint64_t raised = 0, cleared = 0;
  uint64_t late_samples = 0;     // older than the newest sample of their series
  uint64_t dropped_samples = 0;  // beyond kMaxSamplesPerSeries in a window
  uint64_t bad_points = 0;       // data.points entries that are not [t, finite v]
};

// One raised (or holding) state, for the API.
struct RuleState {
  std::string rule, device, key;  // key: the detection's signal ("" otherwise)
  bool raised = false;
  int64_t since_ms = 0;  // raised or holding since
};

class RuleEngine {
 public:
  static constexpr size_t kMaxSamplesPerSeries = 20'000;

  RuleEngine() = default;
  explicit RuleEngine(RuleSet rules);

  // The events the rules emit because of `event`. `context`: the device's
  // topology labels (scopes); `now_ms`: the hub's clock (absence).
  std::vector<bus::Event> OnEvent(const bus::Event& event, const alerts::Labels& context,
                                  int64_t now_ms);
  // Absence timers.
  std::vector<bus::Event> Tick(int64_t now_ms);
  // Starts the absence clock of a device that has not reported yet (e.g.
  // every device the hub knows, when it starts).
  void Track(const std::string& device, const alerts::Labels& context, int64_t now_ms);
  // Installs new rules; returns the clears of raised states whose rule
  // changed or went away (at `now_ms`). Unchanged rules keep their state.
  std::vector<bus::Event> Replace(RuleSet rules, int64_t now_ms);

  // Whether a series rule reads `series`: ingest attaches its samples.
  bool Watches(const std::string& series) const { return windows_.count(series) != 0; }
  // Every series a series rule reads, with the longest window over it.
  const std::map<std::string, int64_t>& watched() const { return windows_; }
  const RuleSet& rules() const { return rules_; }
  std::vector<RuleState> States() const;
  const RuleEngineStats& stats() const { return stats_; }

 private:
  struct Sample {
    int64_t t_ms;
    double value;
  };
  // A rule's state on one device (and, for detection rules, one detection):
  // for absence rules, raised = reported offline.
  struct Hold {
    bool raised = false;
    int64_t since_ms = 0;  // raised since, or holding since (not raised)
    bool holding = false;
  };
  struct DeviceState {
    alerts::Labels context;
    std::map<std::string, std::deque<Sample>> series;
    int64_t last_seen_ms = 0;                                   // hub clock, any report
    std::map<std::string, int64_t> series_seen_ms;              // hub clock, per heartbeat series
    std::map<std::pair<std::string, std::string>, Hold> holds;  // (rule, key)
  };
  class Inputs;

  void OnSamples(const bus::Event& event, DeviceState& device, std::vector<bus::Event>& out);
  void EvaluateSeries(const std::string& device_id, DeviceState& device,
                      const std::vector<std::string>& changed, int64_t t_ms,
                      std::vector<bus::Event>& out);
  void OnDetection(const bus::Event& event, DeviceState& device, std::vector<bus::Event>& out);
  void Transition(const HubRule& rule, const std::string& device, Hold& hold, bool raise,
                  int64_t t_ms, nlohmann::json why, std::vector<bus::Event>& out);

  RuleSet rules_;
  std::map<std::string, int64_t> windows_;         // series -> longest window any rule reads
  std::vector<std::set<std::string>> reads_;       // per rule of rules_: the series it reads
  std::map<std::string, int64_t> in_force_since_;  // rule -> when its definition was installed
  std::map<std::string, DeviceState> devices_;
  RuleEngineStats stats_;
};

}  // namespace keel::hub::rules
