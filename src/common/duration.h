// Durations as operators write them in configuration files, API bodies and
// command lines: a non-negative integer and one unit, "250ms", "45s", "10m",
// "2h", "7d".
#pragma once

#include <cstdint>
#include <string_view>

#include "common/status.h"

namespace keel {

// "250ms", "45s", "10m", "2h", "7d" -> ms (>= 0). InvalidArgument
// `duration "<text>": ...` for anything else (no sign, no fraction, no
// space, no overflow).
Result<int64_t> ParseDuration(std::string_view text);

}  // namespace keel
