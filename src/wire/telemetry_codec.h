// Telemetry codecs: TelemetryBatch <-> the payload of keel/v1/<id>/telemetry.
//
// JSON ("application/json"; also assumed when the MQTT 5 content-type
// property is absent or empty), for any third-party client:
//
//   {"seq": 42, "series": {"temperature": [[1732470000000, 21.5],
//                                          [1732470001000, 21.6]]}}
//
//   {"seq": 43, "series": {},
//    "events": [{"type": "anomaly.detected", "t": 1732470000500,
//                "data": {"mode": "running", "score": 7.2}}]}
//
//   seq     integer >= 1, strictly increasing per device
//   series  object: series name -> array of [t, v] points (required; may be
//           {} when the batch carries events)
//   t       integer ms since the Unix epoch (UTC); v a finite number
//   events  optional array of event objects exactly like the standalone
//           Event message (messages.h): {"type": dotted name, "t": ms,
//           "data": object}, each with exactly those three keys
//   No other top-level keys are allowed.
//
// CBOR ("application/cbor", RFC 8949), the agent's compact form:
//
//   {"s": seq, "d": {name: [t0, [dt1, ..., dt(n-1)], [v0, ..., v(n-1)]], ...},
//    "e": [[type, t, data], ...]}
//
//   s      unsigned int >= 1
//   d      map: series name (text string) -> 3-element array
//   t0     int, ms since the Unix epoch of the first point
//   dt_i   unsigned int, t_i - t_(i-1) in ms (so 1 ms spacing costs 1 byte;
//          deltas >= 0 means points are in non-decreasing time order)
//   v_i    int (when the value is integral and |v| <= 2^53) or float
//          (float32 when lossless, else float64); NaN/Infinity are rejected
//   e      optional array of events, each a 3-element array: type (text
//          string), t (int, ms since the Unix epoch), data (a map with text
//          keys: the event's JSON object in CBOR; byte strings, tags and
//          NaN/Infinity are rejected inside it)
//   Definite-length items only are produced; indefinite lengths are accepted.
//   Tags are rejected. No other top-level keys are allowed.
//
// Both: series names are 1..max_name_bytes of [A-Za-z0-9_.:/-], unique within
// a message; every series has at least one point; a batch has at least one
// series or at least one event. Events follow the standalone Event rules
// (IsValidEventType, `data` an object) plus the time rules of points
// (min_t_ms .. now + max_future_ms); they need not be in time order and keep
// their order through both encoders (the store keeps their index). The
// encoders write "events"/"e" only when the batch has events. Errors about an
// event name its place, e.g. `events[2]: "t": timestamp 17 is before
// 2000-01-01` (CBOR: `e[2]: ...`, naming the fields type, t and data).
//
// All functions are pure and thread-safe; none throws.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "wire/reject_reason.h"
#include "wire/telemetry.h"

namespace keel::wire {

enum class Encoding { kJson, kCbor };

inline constexpr std::string_view kJsonContentType = "application/json";
inline constexpr std::string_view kCborContentType = "application/cbor";

// "" and "application/json" -> kJson, "application/cbor" -> kCbor (exact,
// case-insensitive, parameters such as "; charset=utf-8" ignored), else nullopt.
std::optional<Encoding> EncodingForContentType(std::string_view content_type);
std::string_view ContentTypeFor(Encoding encoding);

// Encodes a batch. The batch should satisfy the decoder's rules (seq >= 1,
// valid unique names, finite values, valid events); the encoder does not
// check them. For CBOR, each series' points are written stably sorted by
// time. Events are written in the given order.
std::string EncodeTelemetry(const TelemetryBatch& batch, Encoding encoding);

struct DecodeLimits {
  size_t max_payload_bytes = 1 << 20;
  size_t max_series = 256;
  size_t max_points = 100000;  // per message, all series together
  size_t max_name_bytes = 128;
  // Nesting of the whole document (top-level container = 1). Parsing is
  // bounded by max(max_depth, 3 + max_event_data_depth).
  size_t max_depth = 8;
  size_t max_events = 256;  // per message
  // Each event's data as compact JSON text (UTF-8), i.e. what the hub stores.
  size_t max_event_data_bytes = 16 * 1024;
  // Nesting inside an event's data; the data object itself is level 1. The
  // default 5 is exactly the room that max_depth 8 leaves below the
  // top-level map, the events array and the event.
  size_t max_event_data_depth = 5;
  int64_t min_t_ms = 946684800000;   // 2000-01-01T00:00:00Z
  int64_t max_future_ms = 86400000;  // how far past now_ms a timestamp may be
};

// Decodes and validates an untrusted payload. Returns nullopt and fills *out
// on success; otherwise a Rejection (with *out unspecified) whose message
// says what and where, e.g.
//   series "temp": point 3: timestamp 17 is before 2000-01-01
// (point indices are 0-based). The payload size is checked before parsing;
// nesting, key and value counts are bounded while parsing, so memory stays
// proportional to the payload and recursion to max_depth.
std::optional<Rejection> DecodeTelemetry(Encoding encoding, std::string_view payload,
                                         int64_t now_ms, const DecodeLimits& limits,
                                         TelemetryBatch* out);

}  // namespace keel::wire
