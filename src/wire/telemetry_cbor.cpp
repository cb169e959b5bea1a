#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

#include "wire/telemetry_rules.h"

namespace keel::wire::internal {
namespace {

constexpr size_t kDomValuesPerPoint = 2;                 // one delta and one value
constexpr double kMaxExactInteger = 9007199254740992.0;  // 2^53

Json CompactValue(double v) {
  if (std::isfinite(v) && std::trunc(v) == v && std::fabs(v) <= kMaxExactInteger &&
      !(v == 0 && std::signbit(v))) {
    return static_cast<int64_t>(v);
  }
  return v;
}

std::optional<Rejection> ReadDelta(const Json& v, const std::string& where, uint64_t* dt) {
  if (v.is_number_unsigned()) {
    *dt = v.get<uint64_t>();
    return std::nullopt;
  }
  if (v.is_number_integer()) {
    return Rejection{RejectReason::kBadTimestamp,
                     where + "negative time delta " + std::to_string(v.get<int64_t>()) +
                         " (points must be in non-decreasing time order)"};
  }
  if (v.is_number_float()) {
    return Rejection{RejectReason::kBadTimestamp,
                     where + "time delta " + v.dump() + " is not an integer number of ms"};
  }
  return Rejection{
      RejectReason::kWrongType,
      where + "time delta must be an unsigned integer, got " + std::string(JsonTypeName(v))};
}

// Checks the [t0, [dt...], [v...]] shape; leaves the element checks to
// DecodeSeries. Sets *count to the number of points.
std::optional<Rejection> CheckSeriesShape(const std::string& name, const Json& s, size_t* count) {
  std::string where = "series \"" + name + "\": ";
  if (!s.is_array()) {
    return Rejection{RejectReason::kWrongType,
                     where + "expected [t0, [dt...], [v...]], got " + std::string(JsonTypeName(s))};
  }
  if (s.size() != 3) {
    return Rejection{
        RejectReason::kMalformed,
        where + "expected 3 elements [t0, [dt...], [v...]], got " + std::to_string(s.size())};
  }
  if (!s[1].is_array() || !s[2].is_array()) {
    return Rejection{RejectReason::kWrongType, where + "deltas and values must be arrays"};
  }
  *count = s[2].size();
  if (*count == 0) return Rejection{RejectReason::kEmpty, where + "has no points"};
  if (s[1].size() != *count - 1) {
    return Rejection{RejectReason::kMalformed, where + std::to_string(s[1].size()) +
                                                   " time deltas for " + std::to_string(*count) +
                                                   " values (expected " +
                                                   std::to_string(*count - 1) + ")"};
  }
  return std::nullopt;
}

std::optional<Rejection> DecodeSeries(const std::string& name, const Json& s, int64_t now_ms,
                                      const DecodeLimits& limits, Series* out) {
  const Json& deltas = s[1];
  const Json& values = s[2];
  out->name = name;
  out->points.resize(values.size());
  for (size_t i = 0; i < values.size(); ++i) {
    std::string where = PointWhere(name, i);
    Point& p = out->points[i];
    if (i == 0) {
      if (auto r = ReadTimestamp(s[0], where, now_ms, limits, &p.t_ms)) return r;
    } else {
      uint64_t dt = 0;
      if (auto r = ReadDelta(deltas[i - 1], where, &dt)) return r;
      int64_t prev = out->points[i - 1].t_ms;
      uint64_t headroom =
          static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) - static_cast<uint64_t>(prev);
      if (dt > headroom) {
        return Rejection{RejectReason::kBadTimestamp,
                         where + "time delta " + std::to_string(dt) + " overflows the timestamp"};
      }
      p.t_ms = static_cast<int64_t>(static_cast<uint64_t>(prev) + dt);
      if (auto r = CheckTimestampRange(p.t_ms, where, now_ms, limits)) return r;
    }
    if (auto r = ReadValue(values[i], where, &p.value)) return r;
  }
  return std::nullopt;
}

}  // namespace

std::optional<Rejection> DecodeTelemetryCbor(std::string_view payload, int64_t now_ms,
                                             const DecodeLimits& limits, TelemetryBatch* out) {
  Json root;
  if (auto r = ParseBounded(Format::kCbor, payload,
                            TelemetryParseBounds(limits, kDomValuesPerPoint), &root)) {
    return r;
  }
  if (!root.is_object()) {
    return Rejection{RejectReason::kWrongType,
                     "payload must be a map, got " + std::string(JsonTypeName(root))};
  }
  for (const auto& [key, value] : root.items()) {
    if (key != "s" && key != "d" && key != "e") {
      return Rejection{RejectReason::kMalformed,
                       "unknown top-level key \"" + key + "\" (allowed: s, d, e)"};
    }
  }
  auto seq = root.find("s");
  if (seq == root.end()) return Rejection{RejectReason::kBadSeq, "missing \"s\" (seq)"};
  *out = TelemetryBatch();
  if (auto r = ReadSeq(*seq, "s", &out->seq)) return r;

  auto data = root.find("d");
  if (data == root.end()) return Rejection{RejectReason::kMalformed, "missing \"d\" (series)"};
  if (!data->is_object()) {
    return Rejection{RejectReason::kWrongType,
                     "\"d\" must be a map, got " + std::string(JsonTypeName(*data))};
  }
  auto events = root.find("e");
  const bool has_events = events != root.end() && !(events->is_array() && events->empty());
  if (data->empty() && !has_events) {
    return Rejection{RejectReason::kEmpty, "\"d\" (series) is empty and there are no events"};
  }
  if (data->size() > limits.max_series) {
    return Rejection{
        RejectReason::kTooManySeries,
        std::to_string(data->size()) + " series, more than " + std::to_string(limits.max_series)};
  }
  size_t total_points = 0;
  for (const auto& [name, s] : data->items()) {
    if (auto r = CheckSeriesName(name, limits)) return r;
    size_t count = 0;
    if (auto r = CheckSeriesShape(name, s, &count)) return r;
    total_points += count;
  }
  if (total_points > limits.max_points) {
    return Rejection{
        RejectReason::kTooManyPoints,
        std::to_string(total_points) + " points, more than " + std::to_string(limits.max_points)};
  }
  out->series.reserve(data->size());
  for (const auto& [name, s] : data->items()) {
    Series decoded;
    if (auto r = DecodeSeries(name, s, now_ms, limits, &decoded)) return r;
    out->series.push_back(std::move(decoded));
  }
  if (events != root.end()) {
    return DecodeEvents(*events, "e", EventShape::kTriple, now_ms, limits, &out->events);
  }
  return std::nullopt;
}

std::string EncodeTelemetryCbor(const TelemetryBatch& batch) {
  Json data = Json::object();
  for (const Series& s : batch.series) {
    std::vector<Point> points = s.points;
    std::stable_sort(points.begin(), points.end(),
                     [](const Point& a, const Point& b) { return a.t_ms < b.t_ms; });
    Json deltas = Json::array();
    Json values = Json::array();
    for (size_t i = 0; i < points.size(); ++i) {
      if (i > 0) {
        deltas.push_back(static_cast<uint64_t>(points[i].t_ms) -
                         static_cast<uint64_t>(points[i - 1].t_ms));
      }
      values.push_back(CompactValue(points[i].value));
    }
    int64_t t0 = points.empty() ? 0 : points[0].t_ms;
    data[s.name] = Json::array({t0, std::move(deltas), std::move(values)});
  }
  Json root = Json::object();
  root["s"] = batch.seq;
  root["d"] = std::move(data);
  if (!batch.events.empty()) {
    Json events = Json::array();
    for (const Event& e : batch.events)
      events.push_back(Json::array({e.type, e.t_ms, Json(e.data)}));
    root["e"] = std::move(events);
  }
  std::vector<uint8_t> bytes = Json::to_cbor(root);
  return std::string(bytes.begin(), bytes.end());
}

}  // namespace keel::wire::internal
