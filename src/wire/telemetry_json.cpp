#include <utility>

#include "wire/telemetry_rules.h"

namespace keel::wire::internal {
namespace {

constexpr size_t kDomValuesPerPoint = 3;  // [t, v] is an array and two numbers

std::optional<Rejection> DecodeSeries(const std::string& name, const Json& points, int64_t now_ms,
                                      const DecodeLimits& limits, Series* out) {
  if (auto r = CheckSeriesName(name, limits)) return r;
  if (points.empty()) {
    return Rejection{RejectReason::kEmpty, "series \"" + name + "\": has no points"};
  }
  out->name = name;
  out->points.reserve(points.size());
  for (size_t i = 0; i < points.size(); ++i) {
    const Json& p = points[i];
    std::string where = PointWhere(name, i);
    if (!p.is_array()) {
      return Rejection{RejectReason::kWrongType,
                       where + "expected a [t, v] array, got " + std::string(JsonTypeName(p))};
    }
    if (p.size() != 2) {
      return Rejection{RejectReason::kMalformed,
                       where + "expected 2 elements [t, v], got " + std::to_string(p.size())};
    }
    Point point;
    if (auto r = ReadTimestamp(p[0], where, now_ms, limits, &point.t_ms)) return r;
    if (auto r = ReadValue(p[1], where, &point.value)) return r;
    out->points.push_back(point);
  }
  return std::nullopt;
}

}  // namespace

std::optional<Rejection> DecodeTelemetryJson(std::string_view payload, int64_t now_ms,
                                             const DecodeLimits& limits, TelemetryBatch* out) {
  Json root;
  if (auto r = ParseBounded(Format::kJson, payload,
                            TelemetryParseBounds(limits, kDomValuesPerPoint), &root)) {
    return r;
  }
  if (!root.is_object()) {
    return Rejection{RejectReason::kWrongType,
                     "payload must be an object, got " + std::string(JsonTypeName(root))};
  }
  for (const auto& [key, value] : root.items()) {
    if (key != "seq" && key != "series" && key != "events") {
      return Rejection{RejectReason::kMalformed,
                       "unknown top-level key \"" + key + "\" (allowed: seq, series, events)"};
    }
  }
  auto seq = root.find("seq");
  if (seq == root.end()) return Rejection{RejectReason::kBadSeq, "missing \"seq\""};
  *out = TelemetryBatch();
  if (auto r = ReadSeq(*seq, "seq", &out->seq)) return r;

  auto series = root.find("series");
  if (series == root.end()) return Rejection{RejectReason::kMalformed, "missing \"series\""};
  if (!series->is_object()) {
    return Rejection{RejectReason::kWrongType,
                     "\"series\" must be an object, got " + std::string(JsonTypeName(*series))};
  }
  auto events = root.find("events");
  const bool has_events = events != root.end() && !(events->is_array() && events->empty());
  if (series->empty() && !has_events) {
    return Rejection{RejectReason::kEmpty, "\"series\" is empty and there are no events"};
  }
  if (series->size() > limits.max_series) {
    return Rejection{
        RejectReason::kTooManySeries,
        std::to_string(series->size()) + " series, more than " + std::to_string(limits.max_series)};
  }
  size_t total_points = 0;
  for (const auto& [name, points] : series->items()) {
    if (!points.is_array()) {
      return Rejection{RejectReason::kWrongType, "series \"" + name +
                                                     "\": expected an array of points, got " +
                                                     std::string(JsonTypeName(points))};
    }
    total_points += points.size();
  }
  if (total_points > limits.max_points) {
    return Rejection{
        RejectReason::kTooManyPoints,
        std::to_string(total_points) + " points, more than " + std::to_string(limits.max_points)};
  }
  out->series.reserve(series->size());
  for (const auto& [name, points] : series->items()) {
    Series decoded;
    if (auto r = DecodeSeries(name, points, now_ms, limits, &decoded)) return r;
    out->series.push_back(std::move(decoded));
  }
  if (events != root.end()) {
    return DecodeEvents(*events, "events", EventShape::kObject, now_ms, limits, &out->events);
  }
  return std::nullopt;
}

std::string EncodeTelemetryJson(const TelemetryBatch& batch) {
  Json series = Json::object();
  for (const Series& s : batch.series) {
    Json points = Json::array();
    for (const Point& p : s.points) points.push_back(Json::array({p.t_ms, p.value}));
    series[s.name] = std::move(points);
  }
  Json root = Json::object();
  root["seq"] = batch.seq;
  root["series"] = std::move(series);
  if (!batch.events.empty()) {
    Json events = Json::array();
    for (const Event& e : batch.events) {
      events.push_back(Json{{"type", e.type}, {"t", e.t_ms}, {"data", Json(e.data)}});
    }
    root["events"] = std::move(events);
  }
  return root.dump(-1, ' ', false, Json::error_handler_t::replace);
}

}  // namespace keel::wire::internal
