// RuleService: the hub's rules at run time (docs/hub-rules.md). Runs RuleEngine
// as the "rules" bus stage, publishes what the rules detect back onto the
// bus (the "alerts" stage turns it into incidents), drives the absence
// timers, and lets operators read and replace the rules.
//
// Where the rules come from:
//   - `keel-hub --rules FILE`: the file, read at start; the API can read
//     them but not replace them (FailedPrecondition) — the file is the
//     source of truth, e.g. in configuration management;
//   - otherwise the API: PUT replaces them and they are kept in
//     `state_path` (written atomically), read again at the next start.
// A file that does not parse stops the hub from starting: rules silently
// dropped would be alarms silently lost.
//
// Thread-safe: one mutex serializes the engine. Watches() takes only a
// short lock of its own, so ingest can ask it for every series it stores.
#pragma once

#include <atomic>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/metrics.h"
#include "common/status.h"
#include "hub/alerts/alert.h"
#include "hub/bus/event.h"
#include "hub/rules/rule_engine.h"

namespace keel::hub::rules {

struct RuleServiceOptions {
  std::filesystem::path file;        // non-empty: rules managed by this file
  std::filesystem::path state_path;  // where API-managed rules are kept
};

class RuleService {
 public:
  using ContextProvider = std::function<alerts::Labels(const std::string& device)>;
  using Publisher = std::function<void(bus::Event)>;

  // `clock` and `metrics` must outlive the service. `publish` receives
  // every event the rules emit (on the caller's thread of OnEvent, Tick or
  // Put); a null `context` gives every device empty labels.
  static Result<std::unique_ptr<RuleService>> Open(RuleServiceOptions options,
                                                   ContextProvider context, Publisher publish,
                                                   const Clock& clock, MetricsRegistry& metrics);

  // The bus handler. Never throws.
  void OnEvent(const bus::Event& event);
  // Absence timers; call about every second.
  void Tick();
  // Starts the absence clock of a known device (at hub start).
  void Track(const std::string& device);
  // Whether a series rule reads `series` (ingest attaches its samples).
  bool Watches(const std::string& series) const;
  // Whether any rule is loaded: without rules the bus need not feed the
  // stage at all (a lock-free read, for the stage's filter).
  bool active() const { return active_.load(std::memory_order_relaxed); }

  // {"managed_by": "file"|"api", "path": "...", "rules": [...as given],
  //  "states": [{"rule", "device", "key", "raised", "since_ms"}]}
  nlohmann::json Describe();
  // Replaces the rules with `body` (a rules document). InvalidArgument for
  // an invalid document (nothing changes), FailedPrecondition when the
  // rules are managed by a file, IoError if they cannot be kept.
  Result<nlohmann::json> Replace(std::string_view body);

 private:
  RuleService(RuleServiceOptions options, ContextProvider context, Publisher publish,
              const Clock& clock, MetricsRegistry& metrics);
  void Emit(std::vector<bus::Event> events);  // requires mu_
  void UpdateWatched();                       // requires mu_
  void UpdateMetrics();                       // requires mu_

  RuleServiceOptions options_;
  ContextProvider context_;
  Publisher publish_;
  const Clock& clock_;
  Counter& evaluations_;
  Counter& raised_;
  Counter& cleared_;
  Counter& late_samples_;
  Gauge& rules_;
  RuleEngineStats reported_;  // what the counters were last advanced to

  std::mutex mu_;
  RuleEngine engine_;  // guarded by mu_

  std::atomic<bool> active_{false};
  mutable std::mutex watched_mu_;
  std::set<std::string, std::less<>> watched_;  // guarded by watched_mu_
};

}  // namespace keel::hub::rules
