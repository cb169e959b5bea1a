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
    if (key != "seq" && key != "series") {
      return Rejection{RejectReason::kMalformed,
                       "unknown top-level key \"" + key + "\" (allowed: seq, series)"};
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
  if (series->empty()) return Rejection{RejectReason::kEmpty, "\"series\" is empty"};
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
  return root.dump();
}

}  // namespace keel::wire::internal
