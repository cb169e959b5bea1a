#include "hub/bus/event.h"

#include <gtest/gtest.h>

#include <set>

namespace keel::hub::bus {
namespace {

TEST(EventTest, KindNamesAreTheMetricLabels) {
  EXPECT_EQ(EventKindName(EventKind::kTelemetry), "telemetry");
  EXPECT_EQ(EventKindName(EventKind::kDetection), "detection");
  EXPECT_EQ(EventKindName(EventKind::kDeviceEvent), "device_event");
  EXPECT_EQ(EventKindName(EventKind::kDeviceOnline), "device.online");
  EXPECT_EQ(EventKindName(EventKind::kDeviceOffline), "device.offline");
  EXPECT_EQ(EventKindName(EventKind::kOtaState), "ota.state");
  EXPECT_EQ(EventKindName(EventKind::kAttestation), "attestation");
  EXPECT_EQ(EventKindName(EventKind::kOperatorAction), "operator.action");
  std::set<std::string_view> names;
  for (EventKind kind : kAllEventKinds) names.insert(EventKindName(kind));
  EXPECT_EQ(names.size(), 8u);
}

TEST(EventTest, TelemetryIsShedFirstThenDeviceEventsThenNothingElse) {
  EXPECT_EQ(ShedValue(EventKind::kTelemetry), 0);
  EXPECT_EQ(ShedValue(EventKind::kDeviceEvent), 1);
  for (EventKind kind :
       {EventKind::kDetection, EventKind::kDeviceOnline, EventKind::kDeviceOffline,
        EventKind::kOtaState, EventKind::kAttestation, EventKind::kOperatorAction}) {
    EXPECT_EQ(ShedValue(kind), kMaxShedValue) << EventKindName(kind);
  }
}

TEST(EventTest, RaisedAndClearedDeviceEventsAreDetections) {
  for (const char* type : {"anomaly.raised", "anomaly.cleared", "sensor_fault.raised",
                           "sensor_fault.cleared", "rule.raised", "rule.cleared"}) {
    EXPECT_EQ(KindOfDeviceEvent(type), EventKind::kDetection) << type;
  }
  for (const char* type : {"mode.changed", "model.learned", "raw.sending", "outbox.dropped",
                           "raised", "anomaly.raised.late"}) {
    EXPECT_EQ(KindOfDeviceEvent(type), EventKind::kDeviceEvent) << type;
  }
}

}  // namespace
}  // namespace keel::hub::bus
