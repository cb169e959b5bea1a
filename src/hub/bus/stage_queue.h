// StageQueue: one bus stage's bounded queue and its shedding policy
// (docs/events.md, "Back-pressure"). Pure data structure: not thread-safe,
// no waiting; EventBus holds it under the stage's mutex and decides what a
// full queue means for the publisher (shed at once or wait for room).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>

#include "hub/bus/event.h"

namespace keel::hub::bus {

// One queued event. Stages share the event (fan-out copies no payload).
struct QueuedEvent {
  std::shared_ptr<const Event> event;
  int64_t enqueued_mono_ms = 0;  // Clock::MonotonicMs when queued, for the lag
};

class StageQueue {
 public:
  // `capacity` >= 1.
  explicit StageQueue(size_t capacity) : capacity_(capacity) {}

  struct OfferResult {
    bool queued = false;
    // The event pushed out to make room (only when queued): the oldest
    // queued event of the lowest value below the offered one's.
    std::optional<EventKind> evicted;
  };
  // Queues `item` if there is room, or if an event of a lower ShedValue is
  // queued: the oldest such event of the lowest value is dropped first.
  // Otherwise (full of events worth as much or more) nothing changes and
  // the result says not queued; `item` is then left as it was.
  OfferResult Offer(QueuedEvent& item);

  // The oldest queued event (publish order). Requires !empty().
  QueuedEvent Pop();

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  size_t capacity() const { return capacity_; }

 private:
  struct Slot {
    uint64_t order;  // arrival number: Pop takes the lowest across the lanes
    QueuedEvent item;
  };
  // One FIFO lane per ShedValue: eviction is the front of the lowest
  // non-empty lane, delivery the lowest arrival number of the lane fronts.
  std::array<std::deque<Slot>, kMaxShedValue + 1> lanes_;
  size_t capacity_;
  size_t size_ = 0;
  uint64_t next_order_ = 0;
};

}  // namespace keel::hub::bus
