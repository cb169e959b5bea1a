// ActionWorker: the bounded queue and single worker thread shared by the
// actions that do blocking work (CommandAction, ModbusWriteAction,
// GpioAction), so that ActionSink::Submit never waits for I/O.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "common/status.h"
#include "edge/rules/rule.h"

namespace keel::edge::rules {

struct ActionQueueOptions {
  size_t queue_capacity = 8;  // events waiting for the worker; more are dropped
  size_t max_results = 32;    // finished runs kept for TakeResults (oldest go first)
  // Runs first on the worker thread, e.g. to give it a real-time priority
  // (the agent's [analytics] realtime_priority). Empty: nothing.
  std::function<void()> on_thread_start = {};
};

// The outcome of one device write (Modbus register/coil, GPIO line).
struct ActionResult {
  RuleEvent event;
  Status status;     // OK when the value was written
  int value = 0;     // the value written (or tried)
  int attempts = 0;  // 1 + retries used
};

struct ActionStats {
  uint64_t submitted = 0;  // every Submit call
  uint64_t dropped = 0;    // queue full, or still queued at destruction
  uint64_t skipped = 0;    // nothing to do for the event (e.g. no value on clear)
  uint64_t succeeded = 0;
  uint64_t failed = 0;  // the write failed after all attempts
};

// Runs `run(event)` for each submitted event on one worker thread, one at a
// time, oldest first, and keeps the last `max_results` outcomes. `count`
// updates Stats for each outcome (under the worker's lock; keep it trivial).
// Stats must have uint64_t members `submitted` and `dropped`.
//
// Thread-safe. Submit only takes a short lock. Destruction (or Stop) drops
// what is queued and waits for the running `run` call, so an owner that
// captures itself in `run` declares its ActionWorker as its last member.
template <typename Outcome, typename Stats>
class ActionWorker {
 public:
  using Run = std::function<Outcome(const RuleEvent&)>;
  using Count = std::function<void(const Outcome&, Stats*)>;

  ActionWorker(ActionQueueOptions options, Run run, Count count)
      : options_(options), run_(std::move(run)), count_(std::move(count)) {
    worker_ = std::thread([this] { Loop(); });
  }
  ~ActionWorker() { Stop(); }
  ActionWorker(const ActionWorker&) = delete;
  ActionWorker& operator=(const ActionWorker&) = delete;

  // Queues `event`, or drops and counts it when the queue is full or stopped.
  void Submit(const RuleEvent& event) {
    {
      std::lock_guard lock(mu_);
      ++stats_.submitted;
      if (stopping_ || queue_.size() >= options_.queue_capacity) {
        ++stats_.dropped;
        return;
      }
      queue_.push_back(event);
    }
    changed_.notify_all();
  }

  // Applies `update` to the stats under the lock (e.g. counting a skip).
  template <typename Update>
  void UpdateStats(Update update) {
    std::lock_guard lock(mu_);
    update(&stats_);
  }

  // Blocks until nothing is queued or running, or `timeout_ms` (real time)
  // passes; returns whether it became idle.
  bool WaitIdle(int64_t timeout_ms) {
    std::unique_lock lock(mu_);
    return changed_.wait_for(lock, std::chrono::milliseconds(timeout_ms),
                             [this] { return queue_.empty() && !running_; });
  }

  std::vector<Outcome> TakeResults() {
    std::lock_guard lock(mu_);
    std::vector<Outcome> out(std::make_move_iterator(results_.begin()),
                             std::make_move_iterator(results_.end()));
    results_.clear();
    return out;
  }

  Stats stats() const {
    std::lock_guard lock(mu_);
    return stats_;
  }

  // Drops the queued events (counted) and joins the worker. Idempotent.
  void Stop() {
    {
      std::lock_guard lock(mu_);
      if (!worker_.joinable()) return;
      stopping_ = true;
      stats_.dropped += queue_.size();
      queue_.clear();
    }
    changed_.notify_all();
    worker_.join();
  }

 private:
  void Loop() {
    if (options_.on_thread_start) options_.on_thread_start();
    std::unique_lock lock(mu_);
    while (true) {
      changed_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      RuleEvent event = std::move(queue_.front());
      queue_.pop_front();
      running_ = true;
      lock.unlock();
      Outcome outcome = run_(event);
      lock.lock();
      count_(outcome, &stats_);
      results_.push_back(std::move(outcome));
      while (results_.size() > options_.max_results) results_.pop_front();
      running_ = false;
      changed_.notify_all();
    }
  }

  const ActionQueueOptions options_;
  const Run run_;
  const Count count_;
  mutable std::mutex mu_;
  std::condition_variable changed_;
  std::deque<RuleEvent> queue_;
  std::deque<Outcome> results_;
  Stats stats_;
  bool running_ = false;
  bool stopping_ = false;
  std::thread worker_;
};

// The Count for ActionResult: succeeded when its status is OK, else failed.
inline void CountActionResult(const ActionResult& result, ActionStats* stats) {
  ++(result.status.ok() ? stats->succeeded : stats->failed);
}

}  // namespace keel::edge::rules
