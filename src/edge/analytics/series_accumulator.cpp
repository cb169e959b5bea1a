#include "edge/analytics/series_accumulator.h"

#include <algorithm>

namespace keel::edge::analytics {

void SortUniqueByTime(std::vector<wire::Point>* points) {
  std::stable_sort(points->begin(), points->end(),
                   [](const wire::Point& a, const wire::Point& b) { return a.t_ms < b.t_ms; });
  std::vector<wire::Point> unique;
  unique.reserve(points->size());
  for (const auto& p : *points) {
    if (!unique.empty() && unique.back().t_ms == p.t_ms) {
      unique.back() = p;
    } else {
      unique.push_back(p);
    }
  }
  *points = std::move(unique);
}

void MergeSeries(std::vector<wire::Series> from, std::vector<wire::Series>* into) {
  SeriesAccumulator acc;
  for (const auto& s : from) acc.Add(s.name, s.points);
  acc.MoveInto(into);
}

void SeriesAccumulator::Add(const std::string& name, const std::vector<wire::Point>& points) {
  if (points.empty()) return;
  auto& into = points_[name];
  into.insert(into.end(), points.begin(), points.end());
}

uint64_t SeriesAccumulator::MoveInto(std::vector<wire::Series>* out) {
  uint64_t moved = 0;
  for (auto& [name, points] : points_) {
    auto existing = std::find_if(out->begin(), out->end(),
                                 [&](const wire::Series& s) { return s.name == name; });
    if (existing == out->end()) {
      out->push_back({name, {}});
      existing = out->end() - 1;
    }
    existing->points.insert(existing->points.end(), points.begin(), points.end());
    SortUniqueByTime(&existing->points);
    moved += points.size();
  }
  points_.clear();
  return moved;
}

}  // namespace keel::edge::analytics
