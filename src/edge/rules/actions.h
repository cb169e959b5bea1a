// Actions: what happens when a rule raises or clears. The rule evaluation
// thread hands each RuleEvent to ActionSinks through an ActionRouter; every
// sink returns at once (bounded queues, no I/O on the caller's thread).
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "common/status.h"
#include "edge/rules/action_worker.h"
#include "edge/rules/command_runner.h"
#include "edge/rules/rule.h"

namespace keel::edge::rules {

// Implementations are thread-safe. Submit never blocks on I/O or on another
// event's action: it only queues (or drops and counts).
class ActionSink {
 public:
  virtual ~ActionSink() = default;
  virtual void Submit(const RuleEvent& event) = 0;
};

// Bounded in-memory queue of events for the agent to drain to MQTT. When
// full, the oldest queued event is dropped (and counted) to make room.
class PublishAction : public ActionSink {
 public:
  explicit PublishAction(size_t capacity);  // capacity >= 1
  void Submit(const RuleEvent& event) override;
  // Removes and returns up to `max` events, oldest first.
  std::vector<RuleEvent> Drain(size_t max = SIZE_MAX);
  size_t size() const;
  uint64_t dropped() const;

 private:
  const size_t capacity_;
  mutable std::mutex mu_;
  std::deque<RuleEvent> queue_;
  uint64_t dropped_ = 0;
};

struct CommandSpec {
  std::string name;               // what rules reference as "command:<name>"
  std::vector<std::string> argv;  // argv[0] is a path; no shell, no PATH lookup
  int64_t timeout_ms = 5000;      // then the command's process group is killed
};

using CommandActionOptions = ActionQueueOptions;

struct CommandResult {
  RuleEvent event;
  Status error;            // non-OK when the command could not be run
  CommandOutcome outcome;  // meaningful when error is OK
};

struct CommandStats {
  uint64_t submitted = 0;
  uint64_t dropped = 0;    // queue full, or still queued at destruction
  uint64_t succeeded = 0;  // exit status 0
  uint64_t failed = 0;     // non-zero exit or killed by a signal
  uint64_t timed_out = 0;
  uint64_t errors = 0;  // could not be started
};

// Runs `spec` once per submitted event on its own worker thread, one at a
// time, with the event in the environment: KEEL_RULE, KEEL_TRANSITION
// ("raised"/"cleared"), KEEL_VALUE, KEEL_MODE, KEEL_AT_MS, KEEL_SEVERITY.
// Submit only takes a short lock (it never waits for a running command).
// The destructor waits for the running command (at most its timeout plus a
// few ms) and drops what is still queued.
class CommandAction : public ActionSink {
 public:
  explicit CommandAction(CommandSpec spec, CommandActionOptions options = {});
  ~CommandAction() override;
  CommandAction(const CommandAction&) = delete;
  CommandAction& operator=(const CommandAction&) = delete;

  void Submit(const RuleEvent& event) override;
  // Blocks until nothing is queued or running, or `timeout_ms` (real time)
  // passes; returns whether it became idle. For tests and orderly shutdown.
  bool WaitIdle(int64_t timeout_ms);
  std::vector<CommandResult> TakeResults();
  CommandStats stats() const;
  const CommandSpec& spec() const { return spec_; }

 private:
  CommandResult Run(const RuleEvent& event) const;

  const CommandSpec spec_;
  ActionWorker<CommandResult, CommandStats> worker_;  // last: stopped before spec_ goes
};

// Records every event; for tests.
class FakeActionSink : public ActionSink {
 public:
  void Submit(const RuleEvent& event) override;
  std::vector<RuleEvent> events() const;

 private:
  mutable std::mutex mu_;
  std::vector<RuleEvent> events_;
};

// Sends each event to the sinks its rule's `actions` name. Does not own the
// sinks; they must outlive the router. Thread-safety is the sinks'.
class ActionRouter {
 public:
  // `named_sinks` maps action references ("command:stop", "modbus:valve",
  // "gpio:lamp"; see RuleAction::Reference) to their sinks. InvalidArgument
  // naming the rule and the reference when a rule names "publish" and
  // `publish` is null, or a reference that is not in `named_sinks` (or null).
  static Result<ActionRouter> Create(const std::vector<RuleConfig>& rules, ActionSink* publish,
                                     std::map<std::string, ActionSink*, std::less<>> named_sinks);
  // Events of rules the router was not created with are ignored.
  void Dispatch(const std::vector<RuleEvent>& events) const;

 private:
  std::map<std::string, std::vector<ActionSink*>, std::less<>> by_rule_;
};

}  // namespace keel::edge::rules
