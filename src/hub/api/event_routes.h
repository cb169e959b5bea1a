// GET /api/v1/events and GET /api/v1/devices/{id}/events (docs/api.md): the
// device events stored from telemetry batches, newest first.
//
//   ?device=ID     fleet endpoint only: one device (404 if unknown)
//   ?type=PREFIX   plain prefix of the dotted type, e.g. "anomaly." (<= 64
//                  bytes of [a-z0-9_.])
//   ?from=MS       inclusive, default the beginning of time
//   ?to=MS         exclusive, default 2^63 - 1; not before from
//   ?limit=N       1..kMaxEventsPerRead, default kDefaultEventsPerRead
// Reply: {"events": [{"device", "seq", "type", "t", "data"}, ...]}.
// Stateless helpers; the caller checks authorization first.
#pragma once

#include <httplib.h>

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "hub/store/telemetry_store.h"

namespace keel::hub {

inline constexpr size_t kDefaultEventsPerRead = 100;
inline constexpr size_t kMaxEventsPerRead = 10000;

// The EventQuery of a request. `path_device` is the {id} of the per-device
// endpoint (which then refuses a `device` parameter). InvalidArgument names
// the parameter, e.g. `query parameter limit="0": must be 1..10000`.
Result<EventQuery> ParseEventQuery(const httplib::Request& req,
                                   const std::optional<std::string>& path_device);

nlohmann::json EventsJson(const std::vector<StoredEvent>& events);

// Parses, reads from `store` and replies (200, or the error as JSON).
void ServeEvents(const httplib::Request& req, httplib::Response& res, TelemetryStore& store,
                 const std::optional<std::string>& path_device);

}  // namespace keel::hub
