#include "wire/messages.h"

#include <initializer_list>
#include <limits>
#include <utility>

#include "wire/limited_parse.h"
#include "wire/strict_object.h"
#include "wire/telemetry_rules.h"

namespace keel::wire {
namespace {

using internal::Guarded;
using internal::IsPrintableAscii;
using internal::Json;
using internal::StrictObject;

Result<Ack> DecodeAckImpl(std::string_view payload) {
  KEEL_ASSIGN_OR_RETURN(Json root, StrictObject::Parse("ack", payload));
  StrictObject o("ack", root);
  KEEL_RETURN_IF_ERROR(o.CheckKeys({"ack"}));
  Ack ack;
  KEEL_ASSIGN_OR_RETURN(ack.seq, o.Unsigned("ack"));
  return ack;
}

Result<RawRequest> DecodeRawRequestImpl(std::string_view payload) {
  KEEL_ASSIGN_OR_RETURN(Json root, StrictObject::Parse("raw request", payload));
  StrictObject o("raw request", root);
  KEEL_RETURN_IF_ERROR(o.CheckKeys({"seconds"}));
  RawRequest request;
  KEEL_ASSIGN_OR_RETURN(request.seconds, o.Signed("seconds"));
  if (request.seconds < 1 || request.seconds > kMaxRawRequestSeconds) {
    return o.Error("seconds", "must be between 1 and " + std::to_string(kMaxRawRequestSeconds));
  }
  return request;
}

Result<DeviceState> DecodeDeviceStateImpl(std::string_view payload) {
  KEEL_ASSIGN_OR_RETURN(Json root, StrictObject::Parse("state", payload));
  StrictObject o("state", root);
  KEEL_RETURN_IF_ERROR(o.CheckKeys(
      {"online", "t", "outbox_depth", "outbox_bytes", "dropped_total", "cert_not_after", "agent"}));
  DeviceState s;
  KEEL_ASSIGN_OR_RETURN(s.online, o.Bool("online"));
  KEEL_ASSIGN_OR_RETURN(s.t_ms, o.Signed("t"));
  KEEL_ASSIGN_OR_RETURN(s.outbox_depth, o.Unsigned("outbox_depth"));
  KEEL_ASSIGN_OR_RETURN(s.outbox_bytes, o.Unsigned("outbox_bytes"));
  KEEL_ASSIGN_OR_RETURN(s.dropped_total, o.Unsigned("dropped_total"));
  KEEL_ASSIGN_OR_RETURN(s.cert_not_after_ms, o.Signed("cert_not_after"));
  KEEL_ASSIGN_OR_RETURN(s.agent, o.String("agent"));
  if (s.agent.empty() || s.agent.size() > 64 || !IsPrintableAscii(s.agent)) {
    return o.Error("agent", "must be 1..64 printable ASCII characters");
  }
  return s;
}

Result<Event> DecodeEventImpl(std::string_view payload) {
  KEEL_ASSIGN_OR_RETURN(Json root, StrictObject::Parse("event", payload));
  StrictObject o("event", root);
  KEEL_RETURN_IF_ERROR(o.CheckKeys({"type", "t", "data"}));
  Event event;
  if (auto r = internal::ReadEventFields(root.at("type"), root.at("t"), root.at("data"),
                                         "event: ", &event)) {
    return Status::InvalidArgument(r->message);
  }
  return event;
}

}  // namespace

std::string EncodeAck(const Ack& ack) { return Json{{"ack", ack.seq}}.dump(); }

Result<Ack> DecodeAck(std::string_view payload) {
  return Guarded<Ack>("ack", &DecodeAckImpl, payload);
}

std::string EncodeRawRequest(const RawRequest& request) {
  Json j = Json::object();
  j["seconds"] = request.seconds;
  return j.dump();
}

Result<RawRequest> DecodeRawRequest(std::string_view payload) {
  return Guarded<RawRequest>("raw request", &DecodeRawRequestImpl, payload);
}

std::string EncodeDeviceState(const DeviceState& state) {
  Json j = Json::object();
  j["online"] = state.online;
  j["t"] = state.t_ms;
  j["outbox_depth"] = state.outbox_depth;
  j["outbox_bytes"] = state.outbox_bytes;
  j["dropped_total"] = state.dropped_total;
  j["cert_not_after"] = state.cert_not_after_ms;
  j["agent"] = state.agent;
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Result<DeviceState> DecodeDeviceState(std::string_view payload) {
  return Guarded<DeviceState>("state", &DecodeDeviceStateImpl, payload);
}

bool IsValidEventType(std::string_view type) {
  if (type.empty() || type.size() > 64) return false;
  size_t segments = 1;
  bool segment_empty = true;
  for (char c : type) {
    if (c == '.') {
      if (segment_empty) return false;
      ++segments;
      segment_empty = true;
    } else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_') {
      segment_empty = false;
    } else {
      return false;
    }
  }
  return !segment_empty && segments >= 2;
}

std::string EncodeEvent(const Event& event) {
  Json j = Json::object();
  j["type"] = event.type;
  j["t"] = event.t_ms;
  j["data"] = Json(event.data);
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Result<Event> DecodeEvent(std::string_view payload) {
  return Guarded<Event>("event", &DecodeEventImpl, payload);
}

Event DroppedRangeEvent(const DroppedRange& range, int64_t t_ms) {
  Event event;
  event.type = std::string(kOutboxDroppedEventType);
  event.t_ms = t_ms;
  event.data = {{"from", range.from}, {"to", range.to}, {"count", range.to - range.from + 1}};
  return event;
}

std::string EncodeDroppedRange(const DroppedRange& range, int64_t t_ms) {
  return EncodeEvent(DroppedRangeEvent(range, t_ms));
}

Result<DroppedRange> DecodeDroppedRange(const Event& event) {
  if (event.type != kOutboxDroppedEventType) {
    return Status::InvalidArgument("event: type \"" + event.type.substr(0, 64) + "\" is not \"" +
                                   std::string(kOutboxDroppedEventType) + "\"");
  }
  Json data(event.data);
  if (!data.is_object()) return Status::InvalidArgument("outbox.dropped: data is not an object");
  StrictObject o("outbox.dropped: data", data);
  KEEL_RETURN_IF_ERROR(o.CheckKeys({"from", "to", "count"}));
  DroppedRange range;
  KEEL_ASSIGN_OR_RETURN(range.from, o.Unsigned("from"));
  KEEL_ASSIGN_OR_RETURN(range.to, o.Unsigned("to"));
  KEEL_ASSIGN_OR_RETURN(uint64_t count, o.Unsigned("count"));
  if (range.from == 0) return o.Error("from", "must be >= 1");
  if (range.to < range.from) {
    return o.Error("to",
                   std::to_string(range.to) + " is before from " + std::to_string(range.from));
  }
  if (count != range.to - range.from + 1) {
    return o.Error("count", std::to_string(count) + " does not match to - from + 1 = " +
                                std::to_string(range.to - range.from + 1));
  }
  return range;
}

std::string EncodeOutboxSync(uint64_t acked, int64_t t_ms) {
  Event event;
  event.type = std::string(kOutboxSyncEventType);
  event.t_ms = t_ms;
  event.data = {{"acked", acked}};
  return EncodeEvent(event);
}

Result<uint64_t> DecodeOutboxSync(const Event& event) {
  if (event.type != kOutboxSyncEventType) {
    return Status::InvalidArgument("event: type \"" + event.type.substr(0, 64) + "\" is not \"" +
                                   std::string(kOutboxSyncEventType) + "\"");
  }
  Json data(event.data);
  if (!data.is_object()) return Status::InvalidArgument("outbox.sync: data is not an object");
  StrictObject o("outbox.sync: data", data);
  KEEL_RETURN_IF_ERROR(o.CheckKeys({"acked"}));
  KEEL_ASSIGN_OR_RETURN(uint64_t acked, o.Unsigned("acked"));
  if (acked > kMaxSyncedSeq) {
    return o.Error("acked", std::to_string(acked) + " is above 2^53");
  }
  return acked;
}

}  // namespace keel::wire
