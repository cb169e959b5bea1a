#include "wire/telemetry_rules.h"

#include <algorithm>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <limits>
#include <utility>

namespace keel::wire::internal {
namespace {

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

bool IsNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '.' || c == ':' || c == '/' || c == '-';
}

std::string Printable(std::string_view s) {
  constexpr size_t kMaxShown = 64;
  std::string out;
  for (char c : s.substr(0, kMaxShown)) {
    if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
      out.push_back(c);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned char>(c));
      out.append(buf);
    }
  }
  if (s.size() > kMaxShown) out.append("...");
  return out;
}

// The event data object sits below the top-level map, the events array and
// the event, so its own level 1 is document level 4.
constexpr size_t kEventDataLevel = 3;

std::string FieldWhere(const std::string& where, std::string_view field) {
  return where + "\"" + std::string(field) + "\": ";
}

std::optional<Rejection> CheckEventShape(const Json& e, EventShape shape,
                                         const std::string& where) {
  if (shape == EventShape::kTriple) {
    if (!e.is_array()) {
      return Rejection{RejectReason::kWrongType,
                       where + "expected [type, t, data], got " + std::string(JsonTypeName(e))};
    }
    if (e.size() != 3) {
      return Rejection{
          RejectReason::kMalformed,
          where + "expected 3 elements [type, t, data], got " + std::to_string(e.size())};
    }
    return std::nullopt;
  }
  if (!e.is_object()) {
    return Rejection{RejectReason::kWrongType,
                     where + "expected an event object, got " + std::string(JsonTypeName(e))};
  }
  for (const auto& [name, value] : e.items()) {
    if (name != "type" && name != "t" && name != "data") {
      return Rejection{RejectReason::kMalformed,
                       FieldWhere(where, Printable(name)) + "unknown key (allowed: type, t, data)"};
    }
  }
  for (std::string_view name : {"type", "t", "data"}) {
    if (!e.contains(name)) {
      return Rejection{RejectReason::kMalformed, FieldWhere(where, name) + "missing"};
    }
  }
  return std::nullopt;
}

// Data must stay plain JSON: no CBOR byte strings, no NaN/Infinity, at most
// max_event_data_depth levels (`level` is the level of `v`).
std::optional<Rejection> CheckDataValue(const Json& v, size_t level, const std::string& where,
                                        const DecodeLimits& limits) {
  if (v.is_object() || v.is_array()) {
    if (level > limits.max_event_data_depth) {
      return Rejection{
          RejectReason::kTooDeep,
          where + "nesting deeper than " + std::to_string(limits.max_event_data_depth) + " levels"};
    }
    for (const Json& child : v) {
      if (auto r = CheckDataValue(child, level + 1, where, limits)) return r;
    }
    return std::nullopt;
  }
  if (v.is_binary()) {
    return Rejection{RejectReason::kWrongType, where + "byte strings are not allowed (JSON only)"};
  }
  if (v.is_number_float() && !std::isfinite(v.get<double>())) {
    return Rejection{RejectReason::kNonFinite, where + "a value is NaN or Infinity"};
  }
  return std::nullopt;
}

std::optional<Rejection> CheckEventData(const Json& data, const std::string& where,
                                        const DecodeLimits& limits) {
  if (auto r = CheckDataValue(data, 1, where, limits)) return r;
  size_t bytes = 0;
  try {
    bytes = data.dump().size();
  } catch (const nlohmann::json::exception&) {
    return Rejection{RejectReason::kMalformed, where + "a string is not valid UTF-8"};
  }
  if (bytes > limits.max_event_data_bytes) {
    return Rejection{RejectReason::kTooLarge, where + std::to_string(bytes) +
                                                  " bytes as JSON, more than " +
                                                  std::to_string(limits.max_event_data_bytes)};
  }
  return std::nullopt;
}

}  // namespace

std::string FormatUtc(int64_t ms) {
  constexpr int64_t kDayMs = 86400000;
  int64_t days = FloorDiv(ms, kDayMs);
  int64_t in_day = ms - days * kDayMs;
  // Howard Hinnant's civil_from_days.
  int64_t z = days + 719468;
  int64_t era = FloorDiv(z, 146097);
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  int64_t day = doy - (153 * mp + 2) / 5 + 1;
  int64_t month = mp < 10 ? mp + 3 : mp - 9;
  int64_t year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  char buf[192];
  if (in_day == 0) {
    std::snprintf(buf, sizeof buf, "%04" PRId64 "-%02" PRId64 "-%02" PRId64, year, month, day);
  } else {
    std::snprintf(buf, sizeof buf,
                  "%04" PRId64 "-%02" PRId64 "-%02" PRId64 "T%02" PRId64 ":%02" PRId64 ":%02" PRId64
                  ".%03" PRId64 "Z",
                  year, month, day, in_day / 3600000, in_day / 60000 % 60, in_day / 1000 % 60,
                  in_day % 1000);
  }
  return buf;
}

std::string_view JsonTypeName(const Json& v) {
  if (v.is_number_integer()) return "integer";
  if (v.is_number_float()) return "float";
  return v.type_name();
}

std::string PointWhere(std::string_view series, size_t index) {
  return "series \"" + std::string(series) + "\": point " + std::to_string(index) + ": ";
}

std::optional<Rejection> CheckSeriesName(std::string_view name, const DecodeLimits& limits) {
  if (name.empty()) return Rejection{RejectReason::kBadSeriesName, "empty series name"};
  if (name.size() > limits.max_name_bytes) {
    return Rejection{RejectReason::kBadSeriesName,
                     "series \"" + Printable(name) + "\": name is " + std::to_string(name.size()) +
                         " bytes, more than " + std::to_string(limits.max_name_bytes)};
  }
  for (size_t i = 0; i < name.size(); ++i) {
    if (!IsNameChar(name[i])) {
      return Rejection{RejectReason::kBadSeriesName, "series \"" + Printable(name) +
                                                         "\": character " + std::to_string(i) +
                                                         " is not one of [A-Za-z0-9_.:/-]"};
    }
  }
  return std::nullopt;
}

std::optional<Rejection> ReadSeq(const Json& v, std::string_view key, uint64_t* seq) {
  std::string where = "\"" + std::string(key) + "\": ";
  if (v.is_number_unsigned()) {
    *seq = v.get<uint64_t>();
    if (*seq == 0) return Rejection{RejectReason::kBadSeq, where + "seq must be >= 1, got 0"};
    return std::nullopt;
  }
  if (v.is_number_integer()) {
    return Rejection{RejectReason::kBadSeq,
                     where + "seq must be >= 1, got " + std::to_string(v.get<int64_t>())};
  }
  return Rejection{RejectReason::kBadSeq,
                   where + "seq must be an integer >= 1, got " + std::string(JsonTypeName(v))};
}

std::optional<Rejection> CheckTimestampRange(int64_t t_ms, const std::string& where, int64_t now_ms,
                                             const DecodeLimits& limits) {
  if (t_ms < limits.min_t_ms) {
    return Rejection{RejectReason::kBadTimestamp, where + "timestamp " + std::to_string(t_ms) +
                                                      " is before " + FormatUtc(limits.min_t_ms)};
  }
  if (now_ms <= std::numeric_limits<int64_t>::max() - limits.max_future_ms &&
      t_ms > now_ms + limits.max_future_ms) {
    return Rejection{RejectReason::kBadTimestamp, where + "timestamp " + std::to_string(t_ms) +
                                                      " (" + FormatUtc(t_ms) + ") is more than " +
                                                      std::to_string(limits.max_future_ms) +
                                                      " ms after now (" + FormatUtc(now_ms) + ")"};
  }
  return std::nullopt;
}

std::optional<Rejection> ReadTimestamp(const Json& v, const std::string& where, int64_t now_ms,
                                       const DecodeLimits& limits, int64_t* t_ms) {
  if (v.is_number_unsigned()) {
    uint64_t u = v.get<uint64_t>();
    if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      return Rejection{RejectReason::kBadTimestamp,
                       where + "timestamp " + std::to_string(u) + " is out of range"};
    }
    *t_ms = static_cast<int64_t>(u);
  } else if (v.is_number_integer()) {
    *t_ms = v.get<int64_t>();
  } else if (v.is_number_float()) {
    return Rejection{RejectReason::kBadTimestamp,
                     where + "timestamp " + v.dump() + " is not an integer number of ms"};
  } else {
    return Rejection{RejectReason::kWrongType,
                     where + "timestamp must be an integer, got " + std::string(JsonTypeName(v))};
  }
  return CheckTimestampRange(*t_ms, where, now_ms, limits);
}

std::optional<Rejection> ReadValue(const Json& v, const std::string& where, double* value) {
  if (v.is_number_float()) {
    *value = v.get<double>();
    if (!std::isfinite(*value)) {
      return Rejection{RejectReason::kNonFinite,
                       where + "value " +
                           (std::isnan(*value) ? "NaN" : (*value > 0 ? "Infinity" : "-Infinity")) +
                           " is not finite"};
    }
    return std::nullopt;
  }
  if (v.is_number_unsigned()) {
    *value = static_cast<double>(v.get<uint64_t>());
    return std::nullopt;
  }
  if (v.is_number_integer()) {
    *value = static_cast<double>(v.get<int64_t>());
    return std::nullopt;
  }
  return Rejection{RejectReason::kWrongType,
                   where + "value must be a number, got " + std::string(JsonTypeName(v))};
}

std::optional<Rejection> ReadEventFields(const Json& type, const Json& t, const Json& data,
                                         const std::string& where, Event* out) {
  if (!type.is_string()) {
    return Rejection{
        RejectReason::kWrongType,
        FieldWhere(where, "type") + "expected a string, got " + std::string(JsonTypeName(type))};
  }
  const auto& name = type.get_ref<const std::string&>();
  if (!IsValidEventType(name)) {
    return Rejection{RejectReason::kBadEventType,
                     FieldWhere(where, "type") + "\"" + Printable(name) +
                         "\" is not a dotted lower-case name like \"outbox.dropped\""};
  }
  if (t.is_number_unsigned() &&
      t.get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    return Rejection{RejectReason::kBadTimestamp, FieldWhere(where, "t") + "integer out of range"};
  }
  if (!t.is_number_integer()) {
    return Rejection{
        RejectReason::kWrongType,
        FieldWhere(where, "t") + "expected an integer, got " + std::string(JsonTypeName(t))};
  }
  if (!data.is_object()) {
    return Rejection{
        RejectReason::kWrongType,
        FieldWhere(where, "data") + "expected an object, got " + std::string(JsonTypeName(data))};
  }
  out->type = name;
  out->t_ms = t.get<int64_t>();
  out->data = nlohmann::json(data);
  return std::nullopt;
}

std::optional<Rejection> DecodeEvents(const Json& events, std::string_view key, EventShape shape,
                                      int64_t now_ms, const DecodeLimits& limits,
                                      std::vector<Event>* out) {
  const std::string quoted = "\"" + std::string(key) + "\"";
  if (!events.is_array()) {
    return Rejection{RejectReason::kWrongType,
                     quoted + " must be an array, got " + std::string(JsonTypeName(events))};
  }
  if (events.size() > limits.max_events) {
    return Rejection{
        RejectReason::kTooManyEvents,
        std::to_string(events.size()) + " events, more than " + std::to_string(limits.max_events)};
  }
  out->reserve(out->size() + events.size());
  for (size_t i = 0; i < events.size(); ++i) {
    const Json& e = events[i];
    const std::string where = std::string(key) + "[" + std::to_string(i) + "]: ";
    if (auto r = CheckEventShape(e, shape, where)) return r;
    const bool object = shape == EventShape::kObject;
    const Json& data = object ? e.at("data") : e[2];
    Event event;
    if (auto r = ReadEventFields(object ? e.at("type") : e[0], object ? e.at("t") : e[1], data,
                                 where, &event)) {
      return r;
    }
    if (auto r = CheckTimestampRange(event.t_ms, FieldWhere(where, "t"), now_ms, limits)) return r;
    if (auto r = CheckEventData(data, FieldWhere(where, "data"), limits)) return r;
    out->push_back(std::move(event));
  }
  return std::nullopt;
}

ParseBounds TelemetryParseBounds(const DecodeLimits& limits, size_t values_per_point) {
  ParseBounds bounds;
  bounds.max_depth = std::max(limits.max_depth, kEventDataLevel + limits.max_event_data_depth);
  bounds.max_object_keys = std::max<size_t>(limits.max_series, 3);  // top level: 3 keys
  bounds.too_many_keys = RejectReason::kTooManySeries;
  bounds.max_values =
      values_per_point * limits.max_points + 4 * limits.max_series + 16 + 4 * limits.max_events +
      std::min(limits.max_payload_bytes, limits.max_events * limits.max_event_data_bytes) / 2;
  bounds.too_many_values = RejectReason::kTooManyPoints;
  return bounds;
}

}  // namespace keel::wire::internal
