#include "hub/bus/event_bus.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <thread>

#include "bus_test_util.h"

namespace keel::hub::bus {
namespace {

class EventBusTest : public ::testing::Test {
 protected:
  // A stage that records every event.
  void AddStage(const std::string& stage, Recorder& recorder, size_t capacity = 10000,
                std::function<bool(const Event&)> filter = nullptr) {
    ASSERT_TRUE(bus_.Subscribe({stage, capacity, 50, std::move(filter)},
                               [&](const Event& e) { recorder.Add(e); })
                    .ok());
  }
  // A stage whose handler holds each event at `gate` until the test opens it.
  void AddStalledStage(const std::string& stage, Recorder& recorder, Gate& gate, size_t capacity,
                       int64_t max_block_ms = 50) {
    ASSERT_TRUE(bus_.Subscribe({stage, capacity, max_block_ms, nullptr},
                               [&](const Event& e) {
                                 gate.Pass();
                                 recorder.Add(e);
                               })
                    .ok());
  }
  uint64_t Shed(const std::string& stage, EventKind kind) {
    return metrics_
        .GetCounter("keel_bus_shed_total", "",
                    {{"stage", stage}, {"kind", std::string(EventKindName(kind))}})
        .value();
  }
  double GaugeOf(const std::string& name, const std::string& stage) {
    return metrics_.GetGauge(name, "", {{"stage", stage}}).value();
  }

  FakeClock clock_;
  MetricsRegistry metrics_;
  EventBus bus_{clock_, metrics_};
};

TEST_F(EventBusTest, FansOutToEveryStageItsFilterAccepts) {
  Recorder a, b, detections;
  AddStage("a", a);
  AddStage("b", b);
  AddStage("detections", detections, 10000,
           [](const Event& e) { return e.kind == EventKind::kDetection; });
  bus_.Start();
  bus_.Publish(MakeEvent(EventKind::kTelemetry, "dev1", 1));
  bus_.Publish(MakeEvent(EventKind::kDetection, "dev1", 1, "anomaly.raised"));
  bus_.Publish(MakeEvent(EventKind::kDeviceOnline, "dev2", 0));
  bus_.WaitIdle();
  EXPECT_EQ(a.events().size(), 3u);
  EXPECT_EQ(b.events().size(), 3u);
  ASSERT_EQ(detections.events().size(), 1u);
  EXPECT_EQ(detections.events()[0].type, "anomaly.raised");
  EXPECT_EQ(detections.events()[0].published_ms, clock_.NowMs());
  EXPECT_EQ(metrics_.GetCounter("keel_bus_published_total", "", {{"kind", "telemetry"}}).value(),
            1u);
  EXPECT_EQ(metrics_.GetCounter("keel_bus_handled_total", "", {{"stage", "a"}}).value(), 3u);
  EXPECT_EQ(metrics_.GetCounter("keel_bus_handled_total", "", {{"stage", "detections"}}).value(),
            1u);
}

TEST_F(EventBusTest, EachStageGetsEventsInPublishOrder) {
  Recorder fast, slow;
  AddStage("fast", fast);
  ASSERT_TRUE(bus_.Subscribe({"slow", 10000, 50, nullptr},
                             [&](const Event& e) {
                               if (e.seq % 100 == 0)
                                 std::this_thread::sleep_for(std::chrono::milliseconds(1));
                               slow.Add(e);
                             })
                  .ok());
  bus_.Start();
  std::vector<uint64_t> expected;
  for (uint64_t seq = 1; seq <= 2000; ++seq) {
    const EventKind kind = seq % 7 == 0 ? EventKind::kDetection : EventKind::kTelemetry;
    bus_.Publish(MakeEvent(kind, "dev1", seq));
    expected.push_back(seq);
  }
  bus_.WaitIdle();
  EXPECT_EQ(fast.seqs(), expected);
  EXPECT_EQ(slow.seqs(), expected);
}

TEST_F(EventBusTest, AStalledStageShedsTelemetryKeepsDetectionsAndDelaysNoOtherStage) {
  Recorder slow, fast;
  Gate gate;
  AddStalledStage("slow", slow, gate, 4);
  AddStage("fast", fast, 100);
  bus_.Start();
  bus_.Publish(MakeEvent(EventKind::kTelemetry, "dev1", 1));  // taken, then held at the gate
  ASSERT_TRUE(gate.WaitEntered(1));
  for (uint64_t seq = 2; seq <= 5; ++seq)
    bus_.Publish(MakeEvent(EventKind::kTelemetry, "dev1", seq));
  EXPECT_EQ(GaugeOf("keel_bus_queue_depth", "slow"), 4);
  bus_.Publish(MakeEvent(EventKind::kTelemetry, "dev1", 6));  // full: shed at once
  EXPECT_EQ(Shed("slow", EventKind::kTelemetry), 1u);
  // Detections are never lost while telemetry is queued: each evicts the oldest.
  for (uint64_t seq = 7; seq <= 10; ++seq) {
    bus_.Publish(MakeEvent(EventKind::kDetection, "dev1", seq, "anomaly.raised"));
  }
  EXPECT_EQ(Shed("slow", EventKind::kTelemetry), 5u);
  EXPECT_EQ(Shed("slow", EventKind::kDetection), 0u);
  // The other stage got everything while the slow one was stuck.
  ASSERT_TRUE(fast.WaitFor(10));
  EXPECT_EQ(fast.seqs(), (std::vector<uint64_t>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}));
  EXPECT_EQ(Shed("fast", EventKind::kTelemetry), 0u);
  gate.Open();
  bus_.WaitIdle();
  EXPECT_EQ(slow.seqs(), (std::vector<uint64_t>{1, 7, 8, 9, 10}));
  EXPECT_EQ(GaugeOf("keel_bus_queue_depth", "slow"), 0);
}

TEST_F(EventBusTest, DeviceEventsEvictTelemetryButNotDetections) {
  Recorder slow;
  Gate gate;
  AddStalledStage("slow", slow, gate, 2, /*max_block_ms=*/0);
  bus_.Start();
  bus_.Publish(MakeEvent(EventKind::kTelemetry, "dev1", 1));
  ASSERT_TRUE(gate.WaitEntered(1));
  bus_.Publish(MakeEvent(EventKind::kDetection, "dev1", 2));
  bus_.Publish(MakeEvent(EventKind::kTelemetry, "dev1", 3));
  bus_.Publish(MakeEvent(EventKind::kDeviceEvent, "dev1", 4));  // evicts 3
  bus_.Publish(MakeEvent(EventKind::kDeviceEvent, "dev1", 5));  // nothing lower: shed
  EXPECT_EQ(Shed("slow", EventKind::kTelemetry), 1u);
  EXPECT_EQ(Shed("slow", EventKind::kDeviceEvent), 1u);
  EXPECT_EQ(Shed("slow", EventKind::kDetection), 0u);
  gate.Open();
  bus_.WaitIdle();
  EXPECT_EQ(slow.seqs(), (std::vector<uint64_t>{1, 2, 4}));
}

TEST_F(EventBusTest, FullOfHighValueEventsPublishWaitsThenSheds) {
  Recorder slow;
  Gate gate;
  AddStalledStage("slow", slow, gate, 2, /*max_block_ms=*/40);
  bus_.Start();
  bus_.Publish(MakeEvent(EventKind::kDetection, "dev1", 1));
  ASSERT_TRUE(gate.WaitEntered(1));
  bus_.Publish(MakeEvent(EventKind::kDetection, "dev1", 2));
  bus_.Publish(MakeEvent(EventKind::kOtaState, "dev1", 3));
  const auto before = std::chrono::steady_clock::now();
  bus_.Publish(MakeEvent(EventKind::kAttestation, "dev1", 4));  // nothing lower queued
  const auto waited = std::chrono::steady_clock::now() - before;
  EXPECT_GE(waited, std::chrono::milliseconds(40));
  EXPECT_EQ(Shed("slow", EventKind::kAttestation), 1u);
  EXPECT_EQ(Shed("slow", EventKind::kDetection), 0u);
  EXPECT_EQ(Shed("slow", EventKind::kOtaState), 0u);
  gate.Open();
  bus_.WaitIdle();
  EXPECT_EQ(slow.seqs(), (std::vector<uint64_t>{1, 2, 3}));
}

TEST_F(EventBusTest, AWaitingPublishGetsInOnceTheStageMakesRoom) {
  Recorder slow;
  Gate gate;
  AddStalledStage("slow", slow, gate, 1, /*max_block_ms=*/60'000);
  bus_.Start();
  bus_.Publish(MakeEvent(EventKind::kDetection, "dev1", 1));
  ASSERT_TRUE(gate.WaitEntered(1));
  bus_.Publish(MakeEvent(EventKind::kDetection, "dev1", 2));
  std::atomic<bool> published{false};
  std::thread publisher([&] {
    bus_.Publish(MakeEvent(EventKind::kDetection, "dev1", 3));  // waits for room
    published = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_FALSE(published.load());
  gate.Open();
  publisher.join();
  bus_.WaitIdle();
  EXPECT_EQ(slow.seqs(), (std::vector<uint64_t>{1, 2, 3}));
  EXPECT_EQ(Shed("slow", EventKind::kDetection), 0u);
}

TEST_F(EventBusTest, AFullStageDelaysThePublisherButNotTheOtherStages) {
  Recorder slow, fast;
  Gate gate;
  AddStalledStage("slow", slow, gate, 1, /*max_block_ms=*/60'000);
  AddStage("fast", fast, 100);
  bus_.Start();
  bus_.Publish(MakeEvent(EventKind::kDetection, "dev1", 1));
  ASSERT_TRUE(gate.WaitEntered(1));
  bus_.Publish(MakeEvent(EventKind::kDetection, "dev1", 2));  // fills "slow"
  std::atomic<bool> published{false};
  std::thread publisher([&] {
    bus_.Publish(MakeEvent(EventKind::kDetection, "dev1", 3));
    published = true;
  });
  const bool fast_got_it = fast.WaitFor(3);
  const bool publisher_still_waits = !published.load();  // for "slow"
  gate.Open();
  publisher.join();
  EXPECT_TRUE(fast_got_it);
  EXPECT_TRUE(publisher_still_waits);
  bus_.WaitIdle();
  EXPECT_EQ(slow.seqs(), (std::vector<uint64_t>{1, 2, 3}));
  EXPECT_EQ(fast.seqs(), (std::vector<uint64_t>{1, 2, 3}));
}

TEST_F(EventBusTest, LagAndQueueMetricsFollowTheInjectedClock) {
  Recorder slow;
  Gate gate;
  AddStalledStage("slow", slow, gate, 8);
  bus_.Start();
  bus_.Publish(MakeEvent(EventKind::kTelemetry, "dev1", 1));
  ASSERT_TRUE(gate.WaitEntered(1));
  bus_.Publish(MakeEvent(EventKind::kTelemetry, "dev1", 2));
  clock_.AdvanceMs(100);
  bus_.Publish(MakeEvent(EventKind::kTelemetry, "dev1", 3));
  EXPECT_EQ(GaugeOf("keel_bus_queue_depth", "slow"), 2);
  EXPECT_EQ(GaugeOf("keel_bus_queue_capacity", "slow"), 8);
  clock_.AdvanceMs(150);
  gate.Open();
  bus_.WaitIdle();
  // Seq 2 waited 250 ms, seq 3 (the last handled) 150 ms.
  EXPECT_EQ(GaugeOf("keel_bus_lag_ms", "slow"), 150);
  EXPECT_EQ(GaugeOf("keel_bus_lag_max_ms", "slow"), 250);
  const std::string text = metrics_.RenderPrometheus();
  for (const char* line :
       {"keel_bus_published_total{kind=\"telemetry\"} 3",
        "keel_bus_published_total{kind=\"detection\"} 0",
        "keel_bus_handled_total{stage=\"slow\"} 3", "keel_bus_queue_depth{stage=\"slow\"} 0",
        "keel_bus_queue_capacity{stage=\"slow\"} 8",
        "keel_bus_shed_total{stage=\"slow\",kind=\"telemetry\"} 0",
        "keel_bus_shed_total{stage=\"slow\",kind=\"operator.action\"} 0",
        "keel_bus_lag_ms{stage=\"slow\"} 150", "keel_bus_handler_errors_total{stage=\"slow\"} 0"}) {
    EXPECT_NE(text.find(line), std::string::npos) << line;
  }
}

TEST_F(EventBusTest, StopDrainsWhatIsQueuedAndLaterPublishesAreShed) {
  std::atomic<int> handled{0};
  ASSERT_TRUE(bus_.Subscribe({"s", 1000, 50, nullptr},
                             [&](const Event&) {
                               std::this_thread::sleep_for(std::chrono::microseconds(200));
                               ++handled;
                             })
                  .ok());
  bus_.Start();
  for (uint64_t seq = 1; seq <= 200; ++seq)
    bus_.Publish(MakeEvent(EventKind::kTelemetry, "d", seq));
  bus_.Stop();
  EXPECT_EQ(handled.load(), 200);
  bus_.Publish(MakeEvent(EventKind::kDetection, "d", 201));
  EXPECT_EQ(handled.load(), 200);
  EXPECT_EQ(Shed("s", EventKind::kDetection), 1u);
  EXPECT_EQ(metrics_.GetCounter("keel_bus_published_total", "", {{"kind", "detection"}}).value(),
            0u);
  bus_.Stop();  // idempotent
}

TEST_F(EventBusTest, EventsPublishedBeforeStartAreDeliveredOnStart) {
  Recorder r;
  AddStage("s", r);
  bus_.Publish(MakeEvent(EventKind::kDeviceOnline, "dev1", 0));
  bus_.WaitIdle();  // not running: returns at once
  EXPECT_TRUE(r.events().empty());
  bus_.Start();
  bus_.WaitIdle();
  EXPECT_EQ(r.events().size(), 1u);
}

TEST_F(EventBusTest, StopWithoutStartShedsWhatWasQueued) {
  Recorder r;
  AddStage("s", r);
  bus_.Publish(MakeEvent(EventKind::kOtaState, "dev1", 0));
  bus_.Stop();
  EXPECT_TRUE(r.events().empty());
  EXPECT_EQ(Shed("s", EventKind::kOtaState), 1u);
  EXPECT_EQ(GaugeOf("keel_bus_queue_depth", "s"), 0);
}

TEST_F(EventBusTest, AThrowingHandlerIsCountedAndTheStageGoesOn) {
  Recorder r;
  ASSERT_TRUE(bus_.Subscribe({"s", 100, 50, nullptr},
                             [&](const Event& e) {
                               if (e.seq == 2) throw std::runtime_error("boom");
                               if (e.seq == 3) throw 42;
                               r.Add(e);
                             })
                  .ok());
  bus_.Start();
  for (uint64_t seq = 1; seq <= 4; ++seq) bus_.Publish(MakeEvent(EventKind::kDetection, "d", seq));
  bus_.WaitIdle();
  EXPECT_EQ(r.seqs(), (std::vector<uint64_t>{1, 4}));
  EXPECT_EQ(metrics_.GetCounter("keel_bus_handler_errors_total", "", {{"stage", "s"}}).value(), 2u);
  EXPECT_EQ(metrics_.GetCounter("keel_bus_handled_total", "", {{"stage", "s"}}).value(), 4u);
}

TEST_F(EventBusTest, WaitIdleReturnsOnlyOnceEverythingWasHandled) {
  std::atomic<int> handled{0};
  ASSERT_TRUE(bus_.Subscribe({"s", 1000, 50, nullptr},
                             [&](const Event&) {
                               std::this_thread::sleep_for(std::chrono::microseconds(500));
                               ++handled;
                             })
                  .ok());
  bus_.Start();
  for (uint64_t seq = 1; seq <= 100; ++seq)
    bus_.Publish(MakeEvent(EventKind::kTelemetry, "d", seq));
  bus_.WaitIdle();
  EXPECT_EQ(handled.load(), 100);
}

TEST_F(EventBusTest, SubscribeIsCheckedAndOnlyBeforeStart) {
  auto noop = [](const Event&) {};
  EXPECT_TRUE(bus_.Subscribe({"a", 10, 50, nullptr}, noop).ok());
  EXPECT_EQ(bus_.Subscribe({"a", 10, 50, nullptr}, noop).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(bus_.Subscribe({"", 10, 50, nullptr}, noop).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(bus_.Subscribe({"b", 0, 50, nullptr}, noop).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(bus_.Subscribe({"c", 10, -1, nullptr}, noop).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(bus_.Subscribe({"d", 10, 50, nullptr}, nullptr).code(), StatusCode::kInvalidArgument);
  bus_.Start();
  EXPECT_EQ(bus_.Subscribe({"e", 10, 50, nullptr}, noop).code(), StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace keel::hub::bus
