#include "edge/context/alarm_classifier.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace keel::edge::context {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

const std::vector<SensorFault> kFaults = {
    {"temp_a", FaultKind::kStuck, 1000, "flat"},
    {"temp_a", FaultKind::kDisagreement, 2000, "differs"},
    {"vibration", FaultKind::kNoisy, 1000, "noisy"},
};

TEST(AlarmClassifierTest, NoAnomalyIsNoAlarmEvenWithFaults) {
  const AlarmDecision d = Classify(kFaults, {false, 0.1, {"temp_a"}});
  EXPECT_EQ(d.alarm, AlarmClass::kNone);
  EXPECT_THAT(d.faulty_drivers, IsEmpty());
}

TEST(AlarmClassifierTest, AnomalyDrivenOnlyByFaultySensorsIsASensorFault) {
  const AlarmDecision d = Classify(kFaults, {true, 7.5, {"vibration", "temp_a", "temp_a"}});
  EXPECT_EQ(d.alarm, AlarmClass::kSensorFault);
  EXPECT_THAT(d.faulty_drivers, ElementsAre("temp_a", "vibration"));
  EXPECT_THAT(d.reason, HasSubstr("faulty sensors"));
}

TEST(AlarmClassifierTest, AnomalyWithAHealthyDriverIsAProcessAnomaly) {
  const AlarmDecision d = Classify(kFaults, {true, 7.5, {"temp_a", "current"}});
  EXPECT_EQ(d.alarm, AlarmClass::kProcessAnomaly);
  EXPECT_THAT(d.faulty_drivers, ElementsAre("temp_a"));
  EXPECT_THAT(d.reason, HasSubstr("faulty drivers: temp_a"));
}

TEST(AlarmClassifierTest, AnomalyWithoutFaultsOrDriversIsAProcessAnomaly) {
  EXPECT_EQ(Classify({}, {true, 3, {"current"}}).alarm, AlarmClass::kProcessAnomaly);
  const AlarmDecision d = Classify(kFaults, {true, 3, {}});
  EXPECT_EQ(d.alarm, AlarmClass::kProcessAnomaly);
  EXPECT_THAT(d.reason, HasSubstr("unknown drivers"));
}

TEST(AlarmClassifierTest, Names) {
  EXPECT_EQ(AlarmClassName(AlarmClass::kNone), "none");
  EXPECT_EQ(AlarmClassName(AlarmClass::kProcessAnomaly), "process_anomaly");
  EXPECT_EQ(AlarmClassName(AlarmClass::kSensorFault), "sensor_fault");
  EXPECT_EQ(FaultKindName(FaultKind::kDrift), "drift");
  EXPECT_EQ(FaultKindName(FaultKind::kOutOfRange), "out_of_range");
}

}  // namespace
}  // namespace keel::edge::context
