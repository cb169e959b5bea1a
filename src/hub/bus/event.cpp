#include "hub/bus/event.h"

namespace keel::hub::bus {

std::string_view EventKindName(EventKind kind) {
  switch (kind) {
    case EventKind::kTelemetry:
      return "telemetry";
    case EventKind::kDetection:
      return "detection";
    case EventKind::kDeviceEvent:
      return "device_event";
    case EventKind::kDeviceOnline:
      return "device.online";
    case EventKind::kDeviceOffline:
      return "device.offline";
    case EventKind::kOtaState:
      return "ota.state";
    case EventKind::kAttestation:
      return "attestation";
    case EventKind::kOperatorAction:
      return "operator.action";
  }
  return "unknown";
}

int ShedValue(EventKind kind) {
  switch (kind) {
    case EventKind::kTelemetry:
      return 0;
    case EventKind::kDeviceEvent:
      return 1;
    default:
      return kMaxShedValue;
  }
}

EventKind KindOfDeviceEvent(std::string_view type) {
  return type.ends_with(".raised") || type.ends_with(".cleared") ? EventKind::kDetection
                                                                 : EventKind::kDeviceEvent;
}

}  // namespace keel::hub::bus
