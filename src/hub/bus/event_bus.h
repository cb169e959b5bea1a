// EventBus: the hub's in-process event bus (DESIGN.md section 3,
// docs/events.md): publishers (ingest, attestation, rollouts, the API) ->
// one bounded queue and one consumer thread per subscriber ("stage": store
// consumers, rules, the alert correlator, the device twin...).
//
// Delivery: every stage whose filter accepts an event gets it once, in the
// order it was published, unless the stage's full queue shed it. A slow
// stage delays only itself: what backs up is its own queue.
//
// Back-pressure, when a stage's queue is full (StageQueue, ShedValue):
//   - an incoming telemetry event is shed at once;
//   - another event evicts the oldest queued event of the lowest value below
//     its own (the evicted one is counted as shed, under its own kind);
//   - if nothing of lower value is queued, Publish waits up to the stage's
//     max_block_ms for room, then sheds the incoming event (with a
//     rate-limited warning). It waits only after every stage with room got
//     the event, so a full stage delays the publisher, never other stages.
// Every shed event is counted in keel_bus_shed_total{stage,kind}; there is
// no silent loss. Publishing after Stop sheds the event for every stage.
//
// Metrics (MetricsRegistry, on /metrics): keel_bus_published_total{kind},
// keel_bus_handled_total{stage}, keel_bus_shed_total{stage,kind},
// keel_bus_queue_depth{stage}, keel_bus_queue_capacity{stage},
// keel_bus_lag_ms{stage} (publish -> handler start of the last handled
// event), keel_bus_lag_max_ms{stage} (the largest of the last 1024),
// keel_bus_handler_errors_total{stage}.
//
// Times (published_ms, lags) come from the injected Clock; only the bounded
// wait of a publisher for room uses a condition variable on the real
// steady clock.
//
// Thread-safety: Subscribe, Start and Stop from one thread (the owner);
// Publish and WaitIdle from any thread. Handlers run on their stage's
// thread, one event at a time.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/metrics.h"
#include "common/status.h"
#include "hub/bus/event.h"

namespace keel::hub::bus {

class EventBus {
 public:
  // `clock` and `metrics` must outlive the bus.
  EventBus(const Clock& clock, MetricsRegistry& metrics);
  // Stops (drains) if still running.
  ~EventBus();
  EventBus(const EventBus&) = delete;
  EventBus& operator=(const EventBus&) = delete;

  struct SubscriberOptions {
    std::string stage;          // unique, non-empty: the `stage` label of the metrics
    size_t capacity = 10000;    // queued events, >= 1
    int64_t max_block_ms = 50;  // how long Publish may wait for room (>= 0)
    // Which events the stage gets; null: all. Runs on the publisher's
    // thread: must be fast, thread-safe and must not throw.
    std::function<bool(const Event&)> filter;
  };
  // Must not throw: an exception is caught, counted in
  // keel_bus_handler_errors_total{stage} and the stage goes on.
  using Handler = std::function<void(const Event&)>;

  // Adds a stage. Only before Start: FailedPrecondition afterwards;
  // InvalidArgument for an empty or taken stage name, capacity 0, a
  // negative max_block_ms or a null handler.
  Status Subscribe(SubscriberOptions options, Handler handler);

  // Starts one consumer thread per stage. Events published before Start
  // wait in the queues (bounded as always). Once; later calls do nothing.
  void Start();
  // Stops accepting events, lets every stage handle what it has queued,
  // then joins the threads. Idempotent.
  void Stop();

  // Sets published_ms and offers the event to every stage whose filter
  // accepts it (see back-pressure above). Thread-safe; may block up to the
  // largest max_block_ms of the stages when they are full of events worth
  // as much or more.
  void Publish(Event event);

  // Blocks until every event queued so far has been handled or shed (for
  // tests and orderly shutdowns). Returns at once when the bus is not
  // running (before Start, after Stop).
  void WaitIdle();

 private:
  struct Stage;
  // Queues `event` for `stage` or sheds it (true), or, when the stage is
  // full of events worth as much or more and `wait_until` is not set,
  // leaves it to the caller (false); with `wait_until` it waits that long
  // for room, then sheds.
  bool Offer(Stage& stage, const std::shared_ptr<const Event>& event, int64_t published_mono_ms,
             std::optional<std::chrono::steady_clock::time_point> wait_until);
  void Consume(Stage& stage);

  const Clock& clock_;
  MetricsRegistry& metrics_;
  std::array<Counter*, std::size(kAllEventKinds)> published_{};  // by EventKind
  std::vector<std::unique_ptr<Stage>> stages_;                   // fixed once started
  std::atomic<bool> started_{false};
  std::atomic<bool> stopped_{false};
  std::mutex lifecycle_mu_;  // Start/Stop
};

}  // namespace keel::hub::bus
