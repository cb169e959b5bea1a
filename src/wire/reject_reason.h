// RejectReason: why the hub (or agent) refused an incoming message. The names
// are stable snake_case strings used as Prometheus label values
// (keel_ingest_rejected_total{reason="non_finite"}); never rename one.
#pragma once

#include <array>
#include <string>
#include <string_view>

namespace keel::wire {

enum class RejectReason {
  kBadTopic,                // topic is not a keel/v1 topic this side accepts
  kIdentityMismatch,        // client identity (certificate CN) != device id in the topic
  kUnknownDevice,           // device id is not enrolled
  kRevokedDevice,           // device is revoked
  kUnsupportedContentType,  // MQTT content-type is neither JSON nor CBOR
  kTooLarge,                // payload exceeds max_payload_bytes (checked before parsing), or
                            // an event's data exceeds max_event_data_bytes
  kMalformed,               // not valid JSON/CBOR, truncated, or wrong shape / unknown key
  kWrongType,               // a field has the wrong JSON/CBOR type
  kBadSeq,                  // seq missing, not an integer, or < 1
  kBadSeriesName,           // series name empty, too long or outside [A-Za-z0-9_.:/-]
  kNonFinite,               // a value is NaN or +-Infinity
  kBadTimestamp,            // timestamp not an integer, too old, too far in the future, or
                            // (CBOR) out of order
  kTooManyPoints,           // more than max_points samples in one message
  kTooDeep,                 // nesting deeper than max_depth (or max_event_data_depth)
  kDuplicate,               // a batch whose seq was already stored (used by ingest)
  kDuplicateKey,            // the same key or series name twice in one object
  kEmpty,                   // neither series nor events, or a series without points
  kTooManySeries,           // more than max_series series in one message
  kTooManyEvents,           // more than max_events events in one telemetry batch
  kBadEventType,            // event type not a dotted lower-case name (IsValidEventType)
};

inline constexpr std::array kAllRejectReasons = {
    RejectReason::kBadTopic,
    RejectReason::kIdentityMismatch,
    RejectReason::kUnknownDevice,
    RejectReason::kRevokedDevice,
    RejectReason::kUnsupportedContentType,
    RejectReason::kTooLarge,
    RejectReason::kMalformed,
    RejectReason::kWrongType,
    RejectReason::kBadSeq,
    RejectReason::kBadSeriesName,
    RejectReason::kNonFinite,
    RejectReason::kBadTimestamp,
    RejectReason::kTooManyPoints,
    RejectReason::kTooDeep,
    RejectReason::kDuplicate,
    RejectReason::kDuplicateKey,
    RejectReason::kEmpty,
    RejectReason::kTooManySeries,
    RejectReason::kTooManyEvents,
    RejectReason::kBadEventType,
};

// "bad_topic", "identity_mismatch", ..., "non_finite", ... (snake_case of the
// enumerator without the k prefix).
std::string_view RejectReasonName(RejectReason reason);

struct Rejection {
  RejectReason reason;
  std::string message;  // what and where, e.g. series "temp": point 3: timestamp 17 is ...
  bool operator==(const Rejection&) const = default;
};

}  // namespace keel::wire
