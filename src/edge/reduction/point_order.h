// The input rule shared by the streaming reducers: each point must be
// strictly after the previous accepted one and carry a finite value.
#pragma once

#include <optional>
#include <string_view>

#include "common/status.h"
#include "wire/telemetry.h"

namespace keel::edge::reduction {

// OK when `next` may follow `previous` (nullopt = first point); otherwise
// InvalidArgument prefixed with `who`, e.g.
//   swinging door: point t_ms=1000 is not after the previous point t_ms=1000
Status CheckNextPoint(std::string_view who, const std::optional<wire::Point>& previous,
                      const wire::Point& next);

}  // namespace keel::edge::reduction
