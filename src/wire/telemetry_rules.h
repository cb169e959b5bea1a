// Internal to keel_wire: validation rules and error wording shared by the
// JSON and CBOR telemetry decoders (see telemetry_codec.h for the formats).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "wire/limited_parse.h"
#include "wire/reject_reason.h"
#include "wire/telemetry_codec.h"

namespace keel::wire::internal {

// "2000-01-01" for a midnight, else "2024-11-24T17:40:00.123Z" (UTC).
std::string FormatUtc(int64_t ms);

// "object", "array", "string", "integer", "float", "boolean", "null", "binary".
std::string_view JsonTypeName(const Json& v);

// `series "temp": point 3: ` (0-based point index).
std::string PointWhere(std::string_view series, size_t index);

// Name rules: 1..limits.max_name_bytes of [A-Za-z0-9_.:/-].
std::optional<Rejection> CheckSeriesName(std::string_view name, const DecodeLimits& limits);

// `v` must be an integer >= 1; `key` names the field in messages.
std::optional<Rejection> ReadSeq(const Json& v, std::string_view key, uint64_t* seq);

// `v` must be an integer within [min_t_ms, now_ms + max_future_ms].
std::optional<Rejection> ReadTimestamp(const Json& v, const std::string& where, int64_t now_ms,
                                       const DecodeLimits& limits, int64_t* t_ms);
std::optional<Rejection> CheckTimestampRange(int64_t t_ms, const std::string& where, int64_t now_ms,
                                             const DecodeLimits& limits);

// `v` must be a finite number (integer or float).
std::optional<Rejection> ReadValue(const Json& v, const std::string& where, double* value);

// The field rules of an event (wire::Event, messages.h), shared by the
// standalone event message and the events of a telemetry batch: `type` a
// string that IsValidEventType (kBadEventType), `t` an integer within int64
// (kWrongType; kBadTimestamp when out of range), `data` an object
// (kWrongType). Messages start with `where` and name the field as in JSON,
// e.g. `events[2]: "t": expected an integer, got string`. On success fills
// *out (data converted to nlohmann::json).
std::optional<Rejection> ReadEventFields(const Json& type, const Json& t, const Json& data,
                                         const std::string& where, Event* out);

enum class EventShape {
  kObject,  // JSON: {"type": ..., "t": ..., "data": {...}}, exactly these keys
  kTriple,  // CBOR: [type, t, data]
};

// Decodes the events array of a batch, found under top-level `key` ("events"
// or "e"): at most limits.max_events elements of `shape`, each passing
// ReadEventFields, the time rules of points, and the data bounds
// (max_event_data_depth, max_event_data_bytes of compact JSON, no binary or
// non-finite values, valid UTF-8). Appends to *out in order.
std::optional<Rejection> DecodeEvents(const Json& events, std::string_view key, EventShape shape,
                                      int64_t now_ms, const DecodeLimits& limits,
                                      std::vector<Event>* out);

// Bounds for ParseBounded derived from the telemetry limits; `values_per_point`
// is how many DOM values one point costs in the encoding.
ParseBounds TelemetryParseBounds(const DecodeLimits& limits, size_t values_per_point);

std::optional<Rejection> DecodeTelemetryJson(std::string_view payload, int64_t now_ms,
                                             const DecodeLimits& limits, TelemetryBatch* out);
std::optional<Rejection> DecodeTelemetryCbor(std::string_view payload, int64_t now_ms,
                                             const DecodeLimits& limits, TelemetryBatch* out);
std::string EncodeTelemetryJson(const TelemetryBatch& batch);
std::string EncodeTelemetryCbor(const TelemetryBatch& batch);

}  // namespace keel::wire::internal
