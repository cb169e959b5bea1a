// FakeChildProcesses: a scripted ChildProcesses on a FakeClock, so the
// Supervisor's state machine runs in microseconds and deterministically.
//
// Each Start takes the next ChildScript (when the child reports healthy,
// when it exits and how); a Start with no script left is the end of the
// test: it is recorded, and every later Wait reports kStopRequested. Wait
// moves the clock to the earliest scripted event (or by its timeout).
// `kill_at_call` simulates the supervisor being killed: the n-th call to any
// method throws SupervisorKilled, leaving the slots as they were.
#pragma once

#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "edge/supervisor/child_processes.h"

namespace keel::edge::supervisor::testing {

struct SupervisorKilled {};

struct ChildScript {
  std::optional<int64_t> healthy_after_ms;  // writes the health line
  std::optional<int64_t> exit_after_ms;     // exits (never, if unset)
  int exit_code = 1;
  bool ignores_sigterm = false;    // Stop then takes the whole grace period
  std::function<void()> on_start;  // e.g. the agent installing a new binary
};

class FakeChildProcesses final : public ChildProcesses {
 public:
  explicit FakeChildProcesses(FakeClock& clock) : clock_(clock) {}

  Status Start(const std::filesystem::path& program,
               const std::vector<std::string>& args) override {
    Call();
    if (running_) return Status::FailedPrecondition("fake: a child is already running");
    starts.push_back(program.string());
    start_times_ms.push_back(clock_.MonotonicMs());
    last_args = args;
    if (scripts.empty()) {
      stop_ = true;
      return Status::Ok();
    }
    script_ = std::move(scripts.front());
    scripts.pop_front();
    running_ = true;
    healthy_sent_ = false;
    started_ms_ = clock_.MonotonicMs();
    if (script_.on_start) script_.on_start();
    return Status::Ok();
  }

  ChildEvent Wait(int64_t timeout_ms) override {
    Call();
    if (stop_) return {ChildEvent::Kind::kStopRequested};
    const int64_t now = clock_.MonotonicMs();
    std::optional<int64_t> healthy_at, exit_at;
    if (running_ && script_.healthy_after_ms && !healthy_sent_) {
      healthy_at = started_ms_ + *script_.healthy_after_ms;
    }
    if (running_ && script_.exit_after_ms) exit_at = started_ms_ + *script_.exit_after_ms;
    const int64_t limit = now + timeout_ms;
    if (stop_at_ms && *stop_at_ms <= limit && (!healthy_at || *stop_at_ms < *healthy_at) &&
        (!exit_at || *stop_at_ms < *exit_at)) {
      clock_.SetMs(std::max(now, *stop_at_ms));
      stop_ = true;
      return {ChildEvent::Kind::kStopRequested};
    }
    if (healthy_at && *healthy_at <= limit && (!exit_at || *healthy_at <= *exit_at)) {
      clock_.SetMs(std::max(now, *healthy_at));
      healthy_sent_ = true;
      ++healthy_reports;
      return {ChildEvent::Kind::kHealthy};
    }
    if (exit_at && *exit_at <= limit) {
      clock_.SetMs(std::max(now, *exit_at));
      running_ = false;
      return {ChildEvent::Kind::kExited, script_.exit_code, 0};
    }
    clock_.SetMs(limit);
    return {ChildEvent::Kind::kTimedOut};
  }

  void Stop(int64_t grace_ms) override {
    Call();
    if (!running_) return;
    ++stops;
    if (script_.ignores_sigterm) clock_.AdvanceMs(grace_ms);
    running_ = false;
  }

  bool running() const override { return running_; }

  // Scripts of the coming starts, in order.
  std::deque<ChildScript> scripts;
  // Monotonic time at which the supervisor is asked to stop.
  std::optional<int64_t> stop_at_ms;
  int64_t kill_at_call = -1;

  std::vector<std::string> starts;  // program of every Start
  std::vector<int64_t> start_times_ms;
  std::vector<std::string> last_args;
  int stops = 0;
  int healthy_reports = 0;
  int64_t calls = 0;

 private:
  void Call() {
    if (++calls == kill_at_call) throw SupervisorKilled{};
  }

  FakeClock& clock_;
  ChildScript script_;
  bool running_ = false;
  bool healthy_sent_ = false;
  bool stop_ = false;
  int64_t started_ms_ = 0;
};

}  // namespace keel::edge::supervisor::testing
