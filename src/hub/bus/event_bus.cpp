#include "hub/bus/event_bus.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <optional>
#include <thread>
#include <utility>

#include "hub/bus/lag_window.h"
#include "hub/bus/stage_queue.h"

namespace keel::hub::bus {
namespace {

constexpr size_t kLagWindowEvents = 1024;
constexpr int64_t kShedWarningIntervalMs = 10'000;
constexpr size_t kKinds = std::size(kAllEventKinds);

size_t KindIndex(EventKind kind) { return static_cast<size_t>(kind); }

}  // namespace

struct EventBus::Stage {
  Stage(SubscriberOptions o, Handler h, MetricsRegistry& metrics)
      : options(std::move(o)),
        handler(std::move(h)),
        queue(options.capacity),
        handled(metrics.GetCounter("keel_bus_handled_total",
                                   "Events handed to a bus stage's handler",
                                   {{"stage", options.stage}})),
        errors(metrics.GetCounter("keel_bus_handler_errors_total",
                                  "Events whose handler threw (the stage went on)",
                                  {{"stage", options.stage}})),
        depth(metrics.GetGauge("keel_bus_queue_depth", "Events queued for a bus stage",
                               {{"stage", options.stage}})),
        lag(metrics.GetGauge("keel_bus_lag_ms",
                             "Publish to handler start of the last event a stage handled (ms)",
                             {{"stage", options.stage}})),
        lag_max(metrics.GetGauge(
            "keel_bus_lag_max_ms",
            "The largest publish to handler start lag of the last 1024 events a stage handled (ms)",
            {{"stage", options.stage}})) {
    metrics
        .GetGauge("keel_bus_queue_capacity", "Bound of a bus stage's queue (events)",
                  {{"stage", options.stage}})
        .Set(static_cast<double>(options.capacity));
    for (EventKind kind : kAllEventKinds) {
      shed[KindIndex(kind)] = &metrics.GetCounter(
          "keel_bus_shed_total", "Events a bus stage dropped under back-pressure or after Stop",
          {{"stage", options.stage}, {"kind", std::string(EventKindName(kind))}});
    }
  }

  const SubscriberOptions options;
  const Handler handler;

  std::mutex mu;
  std::condition_variable ready;                // the consumer: an event is queued, or closed
  std::condition_variable progress;             // publishers waiting for room; WaitIdle
  StageQueue queue;                             // guarded by mu
  bool closed = false;                          // guarded by mu: Stop was called
  uint64_t accepted = 0;                        // guarded by mu: events ever queued
  uint64_t finished = 0;                        // guarded by mu: of those, handled or evicted
  std::optional<int64_t> last_warning_mono_ms;  // guarded by mu
  uint64_t unwarned_sheds = 0;                  // guarded by mu

  std::thread thread;
  LagWindow lag_window{kLagWindowEvents};  // the consumer thread only

  Counter& handled;
  Counter& errors;
  Gauge& depth;
  Gauge& lag;
  Gauge& lag_max;
  std::array<Counter*, kKinds> shed{};
};

EventBus::EventBus(const Clock& clock, MetricsRegistry& metrics)
    : clock_(clock), metrics_(metrics) {
  for (EventKind kind : kAllEventKinds) {
    published_[KindIndex(kind)] =
        &metrics.GetCounter("keel_bus_published_total", "Events published on the hub's bus",
                            {{"kind", std::string(EventKindName(kind))}});
  }
}

EventBus::~EventBus() { Stop(); }

Status EventBus::Subscribe(SubscriberOptions options, Handler handler) {
  std::lock_guard lock(lifecycle_mu_);
  if (started_ || stopped_) {
    return Status::FailedPrecondition("bus: stage \"" + options.stage +
                                      "\" subscribes after the bus started");
  }
  if (options.stage.empty()) return Status::InvalidArgument("bus: a stage needs a name");
  for (const auto& stage : stages_) {
    if (stage->options.stage == options.stage) {
      return Status::InvalidArgument("bus: stage \"" + options.stage + "\" already subscribed");
    }
  }
  if (options.capacity == 0 || options.max_block_ms < 0 || !handler) {
    return Status::InvalidArgument("bus: stage \"" + options.stage +
                                   "\": capacity must be >= 1, max_block_ms >= 0 and the "
                                   "handler set");
  }
  stages_.push_back(std::make_unique<Stage>(std::move(options), std::move(handler), metrics_));
  return Status::Ok();
}

void EventBus::Start() {
  std::lock_guard lock(lifecycle_mu_);
  if (started_ || stopped_) return;
  for (auto& stage : stages_) {
    Stage* s = stage.get();
    s->thread = std::thread([this, s] { Consume(*s); });
  }
  started_ = true;
}

void EventBus::Stop() {
  std::lock_guard lock(lifecycle_mu_);
  if (stopped_) return;
  stopped_ = true;
  for (auto& stage : stages_) {
    {
      std::lock_guard stage_lock(stage->mu);
      stage->closed = true;
      // Never started: no thread will drain the queue, so what it holds is
      // shed (and counted) rather than silently dropped.
      while (!started_ && !stage->queue.empty()) {
        stage->shed[KindIndex(stage->queue.Pop().event->kind)]->Increment();
        ++stage->finished;
      }
      stage->depth.Set(static_cast<double>(stage->queue.size()));
    }
    stage->ready.notify_all();
    stage->progress.notify_all();
  }
  for (auto& stage : stages_) {
    if (stage->thread.joinable()) stage->thread.join();
  }
}

void EventBus::Publish(Event event) {
  event.published_ms = clock_.NowMs();
  auto shared = std::make_shared<const Event>(std::move(event));
  const int64_t published_mono_ms = clock_.MonotonicMs();
  const bool stopped = stopped_;
  if (!stopped) published_[KindIndex(shared->kind)]->Increment();
  // Every stage with room gets the event first; only then does the
  // publisher wait for the full ones, so they delay no other stage.
  std::vector<Stage*> full;
  for (auto& stage : stages_) {
    if (stage->options.filter && !stage->options.filter(*shared)) continue;
    if (stopped) {
      stage->shed[KindIndex(shared->kind)]->Increment();
    } else if (!Offer(*stage, shared, published_mono_ms, std::nullopt)) {
      full.push_back(stage.get());
    }
  }
  if (full.empty()) return;
  const auto waiting_since = std::chrono::steady_clock::now();
  for (Stage* stage : full) {
    Offer(*stage, shared, published_mono_ms,
          waiting_since + std::chrono::milliseconds(stage->options.max_block_ms));
  }
}

bool EventBus::Offer(Stage& stage, const std::shared_ptr<const Event>& event,
                     int64_t published_mono_ms,
                     std::optional<std::chrono::steady_clock::time_point> wait_until) {
  QueuedEvent item{event, published_mono_ms};
  std::unique_lock lock(stage.mu);
  for (;;) {
    if (stage.closed) {  // Stop raced this Publish
      stage.shed[KindIndex(event->kind)]->Increment();
      return true;
    }
    const auto offered = stage.queue.Offer(item);
    if (offered.queued) {
      ++stage.accepted;
      if (offered.evicted) {
        ++stage.finished;
        stage.shed[KindIndex(*offered.evicted)]->Increment();
      }
      stage.depth.Set(static_cast<double>(stage.queue.size()));
      lock.unlock();
      stage.ready.notify_one();
      return true;
    }
    // Full of events worth as much or more: telemetry is shed at once, the
    // rest waits (bounded) for the consumer to make room.
    if (ShedValue(event->kind) == 0) {
      stage.shed[KindIndex(event->kind)]->Increment();
      return true;
    }
    if (!wait_until) return false;
    if (stage.progress.wait_until(lock, *wait_until, [&] {
          return stage.closed || stage.queue.size() < stage.queue.capacity();
        })) {
      continue;
    }
    stage.shed[KindIndex(event->kind)]->Increment();
    ++stage.unwarned_sheds;
    const int64_t now = clock_.MonotonicMs();
    if (!stage.last_warning_mono_ms ||
        now - *stage.last_warning_mono_ms >= kShedWarningIntervalMs) {
      spdlog::warn(
          "bus: stage \"{}\" is full ({} events) and slow: shed {} event(s) worth keeping after "
          "waiting {} ms for room, the last a {} (keel_bus_shed_total)",
          stage.options.stage, stage.queue.capacity(), stage.unwarned_sheds,
          stage.options.max_block_ms, EventKindName(event->kind));
      stage.last_warning_mono_ms = now;
      stage.unwarned_sheds = 0;
    }
    return true;
  }
}

void EventBus::Consume(Stage& stage) {
  for (;;) {
    QueuedEvent item;
    {
      std::unique_lock lock(stage.mu);
      stage.ready.wait(lock, [&] { return stage.closed || !stage.queue.empty(); });
      if (stage.queue.empty()) return;  // closed and drained
      item = stage.queue.Pop();
      stage.depth.Set(static_cast<double>(stage.queue.size()));
    }
    stage.progress.notify_all();
    const int64_t lag = std::max<int64_t>(0, clock_.MonotonicMs() - item.enqueued_mono_ms);
    stage.lag.Set(static_cast<double>(lag));
    stage.lag_max.Set(static_cast<double>(stage.lag_window.Add(lag)));
    try {
      stage.handler(*item.event);
    } catch (const std::exception& e) {
      stage.errors.Increment();
      spdlog::error("bus: stage \"{}\": handler threw on {} {} of \"{}\": {}", stage.options.stage,
                    EventKindName(item.event->kind), item.event->type, item.event->device,
                    e.what());
    } catch (...) {
      stage.errors.Increment();
      spdlog::error("bus: stage \"{}\": handler threw a non-exception on {} of \"{}\"",
                    stage.options.stage, item.event->type, item.event->device);
    }
    stage.handled.Increment();
    {
      std::lock_guard lock(stage.mu);
      ++stage.finished;
    }
    stage.progress.notify_all();
  }
}

void EventBus::WaitIdle() {
  if (!started_ || stopped_) return;
  std::vector<uint64_t> targets;
  for (auto& stage : stages_) {
    std::lock_guard lock(stage->mu);
    targets.push_back(stage->accepted);
  }
  for (size_t i = 0; i < stages_.size(); ++i) {
    Stage& stage = *stages_[i];
    std::unique_lock lock(stage.mu);
    stage.progress.wait(lock, [&] { return stage.finished >= targets[i] || stage.closed; });
  }
}

}  // namespace keel::hub::bus
