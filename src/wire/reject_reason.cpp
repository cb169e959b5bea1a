#include "wire/reject_reason.h"

namespace keel::wire {

std::string_view RejectReasonName(RejectReason reason) {
  switch (reason) {
    case RejectReason::kBadTopic:
      return "bad_topic";
    case RejectReason::kIdentityMismatch:
      return "identity_mismatch";
    case RejectReason::kUnknownDevice:
      return "unknown_device";
    case RejectReason::kRevokedDevice:
      return "revoked_device";
    case RejectReason::kUnsupportedContentType:
      return "unsupported_content_type";
    case RejectReason::kTooLarge:
      return "too_large";
    case RejectReason::kMalformed:
      return "malformed";
    case RejectReason::kWrongType:
      return "wrong_type";
    case RejectReason::kBadSeq:
      return "bad_seq";
    case RejectReason::kBadSeriesName:
      return "bad_series_name";
    case RejectReason::kNonFinite:
      return "non_finite";
    case RejectReason::kBadTimestamp:
      return "bad_timestamp";
    case RejectReason::kTooManyPoints:
      return "too_many_points";
    case RejectReason::kTooDeep:
      return "too_deep";
    case RejectReason::kDuplicate:
      return "duplicate";
    case RejectReason::kDuplicateKey:
      return "duplicate_key";
    case RejectReason::kEmpty:
      return "empty";
    case RejectReason::kTooManySeries:
      return "too_many_series";
    case RejectReason::kTooManyEvents:
      return "too_many_events";
    case RejectReason::kBadEventType:
      return "bad_event_type";
  }
  return "unknown";
}

}  // namespace keel::wire
