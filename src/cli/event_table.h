// keelctl events: building the request and printing stored device events
// (GET /api/v1/events, docs/api.md). Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <string_view>

#include "common/status.h"

namespace keel::cli {

struct EventsRequest {
  std::string device;       // "" = every device
  std::string type_prefix;  // "" = every type
  std::string since;        // "" = no lower bound, else a duration (ParseDuration)
  int64_t limit = 0;        // 0 = the hub's default (100)
};

// common/duration.h's ParseDuration, and > 0.
Result<int64_t> ParsePositiveDuration(std::string_view text);

// "/api/v1/events?..." with from = now_ms - since; values percent-encoded.
// InvalidArgument for a bad --since or a negative --limit.
Result<std::string> EventsPath(const EventsRequest& request, int64_t now_ms);

// "2024-11-24T17:40:00.500Z".
std::string FormatUtcMs(int64_t ms);

// One line, at most `max_chars` bytes: the fields "mode", "score" and
// "signals" first when present, then the other keys in order, as key=value
// (strings bare, numbers compact, arrays of scalars comma-joined, nested
// objects as {..}); "-" for empty data. Cut with "..." when too long.
std::string SummarizeEventData(const nlohmann::json& data, size_t max_chars = 72);

// A table with a header: TIME (UTC), DEVICE, TYPE, SUMMARY; `events` is the
// "events" array of the API reply. Malformed entries print what they have.
void PrintEventTable(const nlohmann::json& events, std::ostream& out);

}  // namespace keel::cli
