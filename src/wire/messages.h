// Small JSON messages other than telemetry (telemetry_codec.h):
//
//   Ack          hub -> device, keel/v1/<id>/cmd/ack
//                {"ack": 17}  (highest contiguous seq durably stored; 0 = none)
//   RawRequest   hub -> device, keel/v1/<id>/cmd/raw
//                {"seconds": 60}  (send the raw samples of the analysed
//                channels for this long, 1..3600)
//   DeviceState  device -> hub, keel/v1/<id>/state (retained)
//                {"online": true, "t": ms, "outbox_depth": n, "outbox_bytes": n,
//                 "dropped_total": n, "cert_not_after": ms, "agent": "0.1.0"}
//   Event        device -> hub, keel/v1/<id>/events
//                {"type": "outbox.dropped", "t": ms, "data": {...}}
//
// Decoders are strict: every listed key is required, unknown keys, duplicate
// keys, wrong types and payloads over kMaxMessageBytes or nested deeper than
// kMaxMessageDepth are InvalidArgument errors naming the message and the key.
// All functions are pure and thread-safe; none throws.
#pragma once

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "common/status.h"

namespace keel::wire {

inline constexpr size_t kMaxMessageBytes = 64 * 1024;
inline constexpr size_t kMaxMessageDepth = 16;

struct Ack {
  uint64_t seq = 0;
  bool operator==(const Ack&) const = default;
};
std::string EncodeAck(const Ack& ack);
Result<Ack> DecodeAck(std::string_view payload);

inline constexpr int64_t kMaxRawRequestSeconds = 3600;
struct RawRequest {
  int64_t seconds = 0;  // 1..kMaxRawRequestSeconds
  bool operator==(const RawRequest&) const = default;
};
std::string EncodeRawRequest(const RawRequest& request);
Result<RawRequest> DecodeRawRequest(std::string_view payload);

struct DeviceState {
  // false only in the MQTT last will the broker publishes when the agent's
  // connection dies; the agent itself always reports true.
  bool online = true;
  int64_t t_ms = 0;               // when the state was sampled, ms since the Unix epoch
  uint64_t outbox_depth = 0;      // batches waiting for an ack
  uint64_t outbox_bytes = 0;      // their encoded size
  uint64_t dropped_total = 0;     // batches dropped because the outbox was full, ever
  int64_t cert_not_after_ms = 0;  // device certificate expiry, ms since the Unix epoch
  std::string agent;              // agent version, 1..64 printable ASCII bytes
  bool operator==(const DeviceState&) const = default;
};
std::string EncodeDeviceState(const DeviceState& state);
Result<DeviceState> DecodeDeviceState(std::string_view payload);

// Event types are dotted lower-case names: two or more segments of
// [a-z0-9_]+ joined by '.', at most 64 bytes (e.g. "outbox.dropped").
bool IsValidEventType(std::string_view type);

struct Event {
  std::string type;
  int64_t t_ms = 0;                                // ms since the Unix epoch
  nlohmann::json data = nlohmann::json::object();  // always a JSON object
  bool operator==(const Event&) const = default;
};
std::string EncodeEvent(const Event& event);
Result<Event> DecodeEvent(std::string_view payload);

// The gap notice the agent sends when its bounded outbox drops batches
// [from, to] (inclusive): type "outbox.dropped",
// data {"from": from, "to": to, "count": to - from + 1}.
inline constexpr std::string_view kOutboxDroppedEventType = "outbox.dropped";

struct DroppedRange {
  uint64_t from = 0;  // first dropped seq, >= 1
  uint64_t to = 0;    // last dropped seq, >= from
  bool operator==(const DroppedRange&) const = default;
};
Event DroppedRangeEvent(const DroppedRange& range, int64_t t_ms);
std::string EncodeDroppedRange(const DroppedRange& range, int64_t t_ms);
// Fails unless `event` is an "outbox.dropped" event whose data is exactly
// {from, to, count} with 1 <= from <= to and count == to - from + 1.
Result<DroppedRange> DecodeDroppedRange(const Event& event);

// The agent's view of its sequence on every (re)connect: type "outbox.sync",
// data {"acked": A}: every seq <= A is settled for this device — stored, or
// never to be sent (a new outbox starts above every seq an earlier one could
// have used). The hub moves the device's contiguous ack up to A if it is
// lower, e.g. after the device re-installed with a fresh outbox or the hub
// was restored from an older backup. A is at most 2^53.
inline constexpr std::string_view kOutboxSyncEventType = "outbox.sync";
inline constexpr uint64_t kMaxSyncedSeq = 1ull << 53;
std::string EncodeOutboxSync(uint64_t acked, int64_t t_ms);
Result<uint64_t> DecodeOutboxSync(const Event& event);

}  // namespace keel::wire
