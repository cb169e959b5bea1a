// Internal to keel_wire: parses an untrusted JSON or CBOR payload into a DOM
// with bounds enforced while parsing, so hostile input can neither recurse
// deep enough to exhaust the stack nor allocate more than a small constant
// times its own size.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>

#include "wire/reject_reason.h"

namespace keel::wire::internal {

// Object keys keep their document order (series order survives a round trip).
using Json = nlohmann::ordered_json;

enum class Format { kJson, kCbor };

struct ParseBounds {
  size_t max_depth = 8;  // the top-level container counts as depth 1
  // Keys in any one object; exceeding it is rejected with `too_many_keys`.
  size_t max_object_keys = 256;
  RejectReason too_many_keys = RejectReason::kMalformed;
  // Scalars (numbers, strings, ...) in the whole document; exceeding it is
  // rejected with `too_many_values`.
  size_t max_values = 1 << 20;
  RejectReason too_many_values = RejectReason::kMalformed;
};

// Parses the whole payload (trailing bytes are an error). Returns nullopt and
// fills *out on success; otherwise kMalformed (syntax, truncation, CBOR tags),
// kNonFinite (a JSON number too large for a double, e.g. 1e400), kTooDeep,
// kDuplicateKey or the reasons given in `bounds`. Never throws.
std::optional<Rejection> ParseBounded(Format format, std::string_view payload,
                                      const ParseBounds& bounds, Json* out);

}  // namespace keel::wire::internal
