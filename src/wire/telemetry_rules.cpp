#include "wire/telemetry_rules.h"

#include <algorithm>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <limits>

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

ParseBounds TelemetryParseBounds(const DecodeLimits& limits, size_t values_per_point) {
  ParseBounds bounds;
  bounds.max_depth = limits.max_depth;
  bounds.max_object_keys = std::max<size_t>(limits.max_series, 2);  // top level: 2 keys
  bounds.too_many_keys = RejectReason::kTooManySeries;
  bounds.max_values = values_per_point * limits.max_points + 4 * limits.max_series + 16;
  bounds.too_many_values = RejectReason::kTooManyPoints;
  return bounds;
}

}  // namespace keel::wire::internal
