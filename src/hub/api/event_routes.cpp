#include "hub/api/event_routes.h"

#include <limits>

#include "hub/api/http_json.h"
#include "wire/topics.h"

namespace keel::hub {
namespace {

bool IsTypePrefix(std::string_view s) {
  if (s.size() > 64) return false;
  for (char c : s) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.')) return false;
  }
  return true;
}

Status BadParam(const char* name, const std::string& value, std::string_view why) {
  return Status::InvalidArgument(std::string("query parameter ") + name + "=\"" +
                                 value.substr(0, 80) + "\": " + std::string(why));
}

}  // namespace

Result<EventQuery> ParseEventQuery(const httplib::Request& req,
                                   const std::optional<std::string>& path_device) {
  EventQuery q;
  q.limit = kDefaultEventsPerRead;
  q.newest_first = true;
  if (req.has_param("device")) {
    const std::string device = req.get_param_value("device");
    if (path_device) {
      return BadParam("device", device, "not allowed here (the device is in the path)");
    }
    if (!wire::IsValidDeviceId(device)) return BadParam("device", device, "not a device id");
    q.device_id = device;
  } else if (path_device) {
    q.device_id = *path_device;
  }
  if (req.has_param("type")) {
    q.type_prefix = req.get_param_value("type");
    if (!IsTypePrefix(q.type_prefix)) {
      return BadParam("type", q.type_prefix, "must be at most 64 bytes of [a-z0-9_.]");
    }
  }
  KEEL_ASSIGN_OR_RETURN(const auto from, IntQueryParam(req, "from"));
  KEEL_ASSIGN_OR_RETURN(const auto to, IntQueryParam(req, "to"));
  KEEL_ASSIGN_OR_RETURN(const auto limit, IntQueryParam(req, "limit"));
  q.from_ms = from.value_or(std::numeric_limits<int64_t>::min());
  q.to_ms = to.value_or(std::numeric_limits<int64_t>::max());
  if (q.to_ms < q.from_ms) {
    return BadParam("to", std::to_string(q.to_ms), "is before from");
  }
  if (limit) {
    if (*limit < 1 || static_cast<uint64_t>(*limit) > kMaxEventsPerRead) {
      return BadParam("limit", std::to_string(*limit),
                      "must be 1.." + std::to_string(kMaxEventsPerRead));
    }
    q.limit = static_cast<size_t>(*limit);
  }
  return q;
}

nlohmann::json EventsJson(const std::vector<StoredEvent>& events) {
  nlohmann::json list = nlohmann::json::array();
  for (const StoredEvent& e : events) {
    list.push_back({{"device", e.device_id},
                    {"seq", e.seq},
                    {"type", e.type},
                    {"t", e.t_ms},
                    {"data", e.data}});
  }
  return {{"events", std::move(list)}};
}

void ServeEvents(const httplib::Request& req, httplib::Response& res, TelemetryStore& store,
                 const std::optional<std::string>& path_device) {
  auto query = ParseEventQuery(req, path_device);
  if (!query.ok()) return ReplyError(res, query.status());
  auto events = store.ReadEvents(*query);
  if (!events.ok()) return ReplyError(res, events.status());
  ReplyJson(res, EventsJson(*events));
}

}  // namespace keel::hub
