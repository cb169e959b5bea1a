#include "hub/bus/stage_queue.h"

#include <gtest/gtest.h>

#include "bus_test_util.h"

namespace keel::hub::bus {
namespace {

QueuedEvent Item(EventKind kind, uint64_t seq) {
  return {std::make_shared<const Event>(MakeEvent(kind, "dev1", seq)), 0};
}

std::vector<uint64_t> Drain(StageQueue& q) {
  std::vector<uint64_t> seqs;
  while (!q.empty()) seqs.push_back(q.Pop().event->seq);
  return seqs;
}

TEST(StageQueueTest, DeliversInArrivalOrderAcrossValues) {
  StageQueue q(10);
  const EventKind kinds[] = {EventKind::kTelemetry, EventKind::kDetection, EventKind::kDeviceEvent,
                             EventKind::kTelemetry, EventKind::kOtaState};
  for (uint64_t i = 0; i < 5; ++i) {
    auto item = Item(kinds[i], i + 1);
    EXPECT_TRUE(q.Offer(item).queued);
  }
  EXPECT_EQ(q.size(), 5u);
  EXPECT_EQ(Drain(q), (std::vector<uint64_t>{1, 2, 3, 4, 5}));
}

TEST(StageQueueTest, FullQueueEvictsTheOldestOfTheLowestValueBelowTheOffered) {
  StageQueue q(4);
  for (auto [kind, seq] : std::vector<std::pair<EventKind, uint64_t>>{{EventKind::kDeviceEvent, 1},
                                                                      {EventKind::kTelemetry, 2},
                                                                      {EventKind::kDeviceEvent, 3},
                                                                      {EventKind::kTelemetry, 4}}) {
    auto item = Item(kind, seq);
    ASSERT_TRUE(q.Offer(item).queued);
  }
  // A detection pushes out telemetry first (oldest first), then device events.
  auto d5 = Item(EventKind::kDetection, 5);
  auto r = q.Offer(d5);
  EXPECT_TRUE(r.queued);
  EXPECT_EQ(r.evicted, EventKind::kTelemetry);
  auto d6 = Item(EventKind::kDetection, 6);
  EXPECT_EQ(q.Offer(d6).evicted, EventKind::kTelemetry);
  // A device event cannot push out its own value.
  auto e7 = Item(EventKind::kDeviceEvent, 7);
  r = q.Offer(e7);
  EXPECT_FALSE(r.queued);
  EXPECT_FALSE(r.evicted);
  ASSERT_NE(e7.event, nullptr);  // left to the caller
  auto d8 = Item(EventKind::kDetection, 8);
  EXPECT_EQ(q.Offer(d8).evicted, EventKind::kDeviceEvent);
  EXPECT_EQ(q.size(), 4u);
  EXPECT_EQ(Drain(q), (std::vector<uint64_t>{3, 5, 6, 8}));
}

TEST(StageQueueTest, TelemetryNeverEvictsAndHighValueNeverEvictsItsEquals) {
  StageQueue q(2);
  auto t1 = Item(EventKind::kTelemetry, 1);
  auto t2 = Item(EventKind::kTelemetry, 2);
  auto t3 = Item(EventKind::kTelemetry, 3);
  ASSERT_TRUE(q.Offer(t1).queued);
  ASSERT_TRUE(q.Offer(t2).queued);
  EXPECT_FALSE(q.Offer(t3).queued);
  auto a4 = Item(EventKind::kAttestation, 4);
  auto o5 = Item(EventKind::kOperatorAction, 5);
  auto d6 = Item(EventKind::kDetection, 6);
  EXPECT_TRUE(q.Offer(a4).queued);
  EXPECT_TRUE(q.Offer(o5).queued);
  EXPECT_FALSE(q.Offer(d6).queued);
  EXPECT_EQ(Drain(q), (std::vector<uint64_t>{4, 5}));
}

}  // namespace
}  // namespace keel::hub::bus
