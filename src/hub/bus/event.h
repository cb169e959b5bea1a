// Event: the one envelope for everything the hub learns (DESIGN.md section 3;
// docs/events.md): telemetry batches, detections and other events from the
// edge, devices going online and offline, OTA states, attestation verdicts
// and operator actions. Publishers put events on the EventBus
// (event_bus.h) only after the store committed what the event reports, so a
// consumer never sees something the store may still lose.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace keel::hub::bus {

enum class EventKind {
  kTelemetry,       // a stored telemetry batch (a summary, not the samples)
  kDetection,       // a device event "*.raised" / "*.cleared" (anomaly, sensor fault, rule)
  kDeviceEvent,     // any other device event (mode.changed, model.learned, outbox.dropped...)
  kDeviceOnline,    // the device's agent reported itself online
  kDeviceOffline,   // ... offline (its own report or the broker's last will)
  kOtaState,        // a device's install state or a deployment's state changed
  kAttestation,     // a device was quarantined or restored
  kOperatorAction,  // something an operator did through the API
};

inline constexpr EventKind kAllEventKinds[] = {
    EventKind::kTelemetry,    EventKind::kDetection,     EventKind::kDeviceEvent,
    EventKind::kDeviceOnline, EventKind::kDeviceOffline, EventKind::kOtaState,
    EventKind::kAttestation,  EventKind::kOperatorAction};

// "telemetry", "detection", "device_event", "device.online",
// "device.offline", "ota.state", "attestation", "operator.action": the
// `kind` label of the bus metrics.
std::string_view EventKindName(EventKind kind);

// How much an event is worth keeping when a queue is full: lower values
// are shed first. 0: telemetry (the samples themselves are in the store);
// 1: device events that are not detections; 2: everything else (detections,
// online/offline, OTA, attestation, operator actions), which is never shed
// while an event of a lower value is queued in its place.
int ShedValue(EventKind kind);
inline constexpr int kMaxShedValue = 2;

// The kind of a device event carried in a telemetry batch, by its type:
// "<x>.raised" and "<x>.cleared" (anomaly.*, sensor_fault.*, rule.*) are
// detections; every other type is kDeviceEvent.
EventKind KindOfDeviceEvent(std::string_view type);

struct Event {
  EventKind kind = EventKind::kDeviceEvent;
  std::string device;  // "" = hub-wide
  uint64_t seq = 0;    // the device's batch seq; 0 for events the hub raised
  int64_t t_ms = 0;    // when it happened, ms since the Unix epoch (device clock for device events)
  // The event type: the device event type ("anomaly.raised"), or one the hub
  // raises ("attestation.quarantined", "ota.committed", "device.online");
  // "telemetry.batch" for kTelemetry. See docs/events.md.
  std::string type;
  nlohmann::json data = nlohmann::json::object();  // always an object
  int64_t published_ms = 0;  // hub clock (ms since the Unix epoch), set by EventBus::Publish
};

}  // namespace keel::hub::bus
