#include "hub/bus/stage_queue.h"

#include <cassert>
#include <utility>

namespace keel::hub::bus {

StageQueue::OfferResult StageQueue::Offer(QueuedEvent& item) {
  OfferResult result;
  const int value = ShedValue(item.event->kind);
  if (size_ >= capacity_) {
    for (int lower = 0; lower < value && !result.evicted; ++lower) {
      auto& lane = lanes_[static_cast<size_t>(lower)];
      if (lane.empty()) continue;
      result.evicted = lane.front().item.event->kind;
      lane.pop_front();
      --size_;
    }
    if (!result.evicted) return result;
  }
  lanes_[static_cast<size_t>(value)].push_back({next_order_++, std::move(item)});
  ++size_;
  result.queued = true;
  return result;
}

QueuedEvent StageQueue::Pop() {
  assert(size_ > 0 && "Pop on an empty StageQueue");
  std::deque<Slot>* oldest = nullptr;
  for (auto& lane : lanes_) {
    if (!lane.empty() && (oldest == nullptr || lane.front().order < oldest->front().order)) {
      oldest = &lane;
    }
  }
  QueuedEvent item = std::move(oldest->front().item);
  oldest->pop_front();
  --size_;
  return item;
}

}  // namespace keel::hub::bus
