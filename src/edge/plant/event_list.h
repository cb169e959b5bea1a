// EventList: the small text grammar shared by the motor's `schedule` and
// `faults` options.
//
//   list   := entry (';' entry)*          (an all-blank text is an empty list)
//   entry  := name '@' time [':' param (',' param)*]
//   param  := key '=' value
//   name, key := [a-z0-9_]+
//   value  := any run of characters other than ',' ';' and blanks
//   time   := decimal number >= 0 followed by a unit: ms | s | m | h
//
// Blanks (space, tab) are allowed around every token. Examples:
//   "on@0s;off@10m;on@12.5m"
//   "bearing_wear@600s:growth=0.002; stuck@300s:signal=temperature_bearing"
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace keel::edge::plant {

struct EventParam {
  std::string key;
  std::string value;
  size_t offset = 0;  // 0-based byte offset of the key in the text
};

struct EventEntry {
  std::string name;
  int64_t at_ms = 0;  // after the sensor's first Read
  std::vector<EventParam> params;
  size_t offset = 0;  // 0-based byte offset of the name in the text
};

// InvalidArgument on any deviation from the grammar; the message starts with
// `what`, names the 0-based byte offset and what was expected, e.g.
//   faults: offset 12: expected a time unit (ms, s, m, h) after "600"
Result<std::vector<EventEntry>> ParseEventList(std::string_view what, std::string_view text);

// "<number><unit>" as in the grammar above, to ms (rounded); InvalidArgument
// (without position) otherwise. Also used for single duration values.
Result<int64_t> ParseDurationMs(std::string_view text);

// A finite decimal number (std::from_chars format); InvalidArgument otherwise.
Result<double> ParseNumber(std::string_view text);

}  // namespace keel::edge::plant
