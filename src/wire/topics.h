// Topics: the MQTT topic layout between device agents and the hub.
//
//   keel/v1/<device>/telemetry      device -> hub, TelemetryBatch (JSON or CBOR)
//   keel/v1/<device>/events         device -> hub, Event (JSON)
//   keel/v1/<device>/state          device -> hub, DeviceState (JSON, retained)
//   keel/v1/<device>/cmd/<name>     hub -> device, e.g. cmd/ack (JSON)
//
// A device id matches ^[a-z0-9][a-z0-9._-]{0,63}$, so it never contains a
// topic separator or wildcard ('/', '+', '#'), ':' or upper case. Command
// names follow the same rule. All functions are pure and thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace keel::wire {

inline constexpr std::string_view kTopicRoot = "keel/v1";

// Hub-side subscription filters covering every device.
inline constexpr std::string_view kAllTelemetryFilter = "keel/v1/+/telemetry";
inline constexpr std::string_view kAllEventsFilter = "keel/v1/+/events";
inline constexpr std::string_view kAllStateFilter = "keel/v1/+/state";
inline constexpr std::string_view kAllCommandsFilter = "keel/v1/+/cmd/#";

// The command name the hub uses to acknowledge telemetry (see messages.h).
inline constexpr std::string_view kAckCommand = "ack";
inline constexpr std::string_view kRawCommand = "raw";

// ^[a-z0-9][a-z0-9._-]{0,63}$
bool IsValidDeviceId(std::string_view id);
// Same rule as device ids.
bool IsValidCommandName(std::string_view name);

// Topic builders. Precondition (asserted): `id` and `name` are valid; callers
// validate untrusted ids with IsValidDeviceId first.
std::string TelemetryTopic(std::string_view id);
std::string EventsTopic(std::string_view id);
std::string StateTopic(std::string_view id);
std::string CommandTopic(std::string_view id, std::string_view name);
// keel/v1/<id>/cmd/# : what a device subscribes to.
std::string CommandFilter(std::string_view id);

enum class TopicKind { kTelemetry, kEvents, kState, kCommand };

struct ParsedTopic {
  std::string device_id;
  TopicKind kind = TopicKind::kTelemetry;
  std::string command;  // only for kCommand
  bool operator==(const ParsedTopic&) const = default;
};

// Parses a concrete (wildcard-free) topic of the layout above. Anything else
// (other root or version, invalid id, unknown leaf, extra or empty levels,
// wildcards) is InvalidArgument with a message naming the offending part.
Result<ParsedTopic> ParseTopic(std::string_view topic);

}  // namespace keel::wire
