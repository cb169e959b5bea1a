#include "edge/context/sensor_health_monitor.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <vector>

#include "unit/edge/context/health_test_data.h"

namespace keel::edge::context {
namespace {

using namespace testdata;  // NOLINT(google-build-using-namespace)
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using Type = SensorFaultEvent::Type;

constexpr auto kRunning = OperatingMode::kRunning;

WindowSet OutOfRangeB(int64_t i) {
  WindowSet set = Temps(i, 60);
  set["temp_b"].max = 200;
  return set;
}

SensorHealthMonitor Make() {
  auto monitor = SensorHealthMonitor::Create(ThreeTemps());  // clear_windows = 2
  EXPECT_TRUE(monitor.ok()) << monitor.status().ToString();
  return std::move(monitor).value();
}

TEST(SensorHealthMonitorTest, RaisesOnceAndClearsAfterQuietWindows) {
  SensorHealthMonitor monitor = Make();
  auto events = monitor.Evaluate(kRunning, OutOfRangeB(0));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].type, Type::kRaised);
  EXPECT_EQ(events[0].fault.signal, "temp_b");
  EXPECT_EQ(events[0].fault.kind, FaultKind::kOutOfRange);
  EXPECT_EQ(events[0].at_ms, kT0);
  EXPECT_THAT(monitor.Evaluate(kRunning, OutOfRangeB(1)), IsEmpty());
  ASSERT_EQ(monitor.ActiveFaults().size(), 1u);

  EXPECT_THAT(monitor.Evaluate(kRunning, Temps(2, 60)), IsEmpty());  // quiet 1 of 2
  EXPECT_EQ(monitor.ActiveFaults().size(), 1u);
  events = monitor.Evaluate(kRunning, Temps(3, 60));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].type, Type::kCleared);
  EXPECT_EQ(events[0].fault.since_ms, kT0);
  EXPECT_EQ(events[0].at_ms, kT0 + 3 * kStepMs);
  EXPECT_THAT(monitor.ActiveFaults(), IsEmpty());
}

TEST(SensorHealthMonitorTest, ReappearingBeforeClearStaysRaisedWithoutNewEvent) {
  SensorHealthMonitor monitor = Make();
  ASSERT_EQ(monitor.Evaluate(kRunning, OutOfRangeB(0)).size(), 1u);
  EXPECT_THAT(monitor.Evaluate(kRunning, Temps(1, 60)), IsEmpty());
  EXPECT_THAT(monitor.Evaluate(kRunning, OutOfRangeB(2)), IsEmpty());
  EXPECT_THAT(monitor.Evaluate(kRunning, Temps(3, 60)), IsEmpty());
  EXPECT_EQ(monitor.ActiveFaults().size(), 1u);
  auto events = monitor.Evaluate(kRunning, Temps(4, 60));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].type, Type::kCleared);
}

TEST(SensorHealthMonitorTest, ClearsComeBeforeRaisesInOneEvaluation) {
  SensorHealthMonitor monitor = Make();
  ASSERT_EQ(monitor.Evaluate(kRunning, OutOfRangeB(0)).size(), 1u);
  EXPECT_THAT(monitor.Evaluate(kRunning, Temps(1, 60)), IsEmpty());
  WindowSet set = Temps(2, 60);
  set["temp_a"].min = -30;
  auto events = monitor.Evaluate(kRunning, set);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].type, Type::kCleared);
  EXPECT_EQ(events[0].fault.signal, "temp_b");
  EXPECT_EQ(events[1].type, Type::kRaised);
  EXPECT_EQ(events[1].fault.signal, "temp_a");
}

TEST(SensorHealthMonitorTest, StuckSensorRaisesOneSensorFaultEvent) {
  SensorHealthMonitor monitor = Make();
  ASSERT_TRUE(monitor.Learn(NormalTemps(60), kRunning).ok());
  std::vector<SensorFaultEvent> all;
  for (int i = 0; i < 10; ++i) {
    WindowSet set = Temps(i, 60 + 0.3 * i);  // the machine heats up
    set["temp_a"] = Win(i, 60, 0.0);         // temp_a is stuck at 60
    for (auto& e : monitor.Evaluate(kRunning, set)) all.push_back(e);
  }
  ASSERT_FALSE(all.empty());
  for (const auto& e : all) {
    EXPECT_EQ(e.type, Type::kRaised);
    EXPECT_EQ(e.fault.signal, "temp_a") << FaultKindName(e.fault.kind);
  }
  EXPECT_EQ(all[0].fault.kind, FaultKind::kStuck);
  EXPECT_EQ(all[0].fault.since_ms, kT0);
}

TEST(SensorHealthMonitorTest, RejectsInvalidConfig) {
  SensorHealthConfig config = ThreeTemps();
  config.clear_windows = 0;
  auto monitor = SensorHealthMonitor::Create(config);
  ASSERT_FALSE(monitor.ok());
  EXPECT_THAT(monitor.status().message(), HasSubstr("clear_windows"));
}

}  // namespace
}  // namespace keel::edge::context
