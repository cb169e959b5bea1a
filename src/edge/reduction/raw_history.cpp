#include "edge/reduction/raw_history.h"

#include <algorithm>
#include <cmath>
#include <utility>

namespace keel::edge::reduction {

Status ValidateRawHistoryConfig(const RawHistoryConfig& config) {
  if (config.keep_ms <= 0) {
    return Status::InvalidArgument("raw history: keep_ms must be > 0, got " +
                                   std::to_string(config.keep_ms));
  }
  if (config.max_points_per_channel == 0) {
    return Status::InvalidArgument("raw history: max_points_per_channel must be > 0");
  }
  if (config.max_channels == 0) {
    return Status::InvalidArgument("raw history: max_channels must be > 0");
  }
  return Status::Ok();
}

Result<RawHistory> RawHistory::Create(const RawHistoryConfig& config) {
  KEEL_RETURN_IF_ERROR(ValidateRawHistoryConfig(config));
  return RawHistory(config);
}

Status RawHistory::Add(const wire::Series& series) {
  auto it = channels_.find(series.name);
  if (it == channels_.end()) {
    if (series.points.empty()) return Status::Ok();
    if (channels_.size() >= config_.max_channels) {
      return Status::ResourceExhausted(
          "raw history: series \"" + series.name +
          "\": already holding max_channels=" + std::to_string(config_.max_channels) + " channels");
    }
    it = channels_.emplace(series.name, std::deque<wire::Point>{}).first;
  }
  std::deque<wire::Point>& points = it->second;
  size_t skipped = 0;
  std::string first_problem;
  for (size_t i = 0; i < series.points.size(); ++i) {
    const wire::Point& p = series.points[i];
    std::string problem;
    if (!std::isfinite(p.value)) {
      problem = "value is not finite";
    } else if (!points.empty() && p.t_ms <= points.back().t_ms) {
      problem = "t_ms=" + std::to_string(p.t_ms) +
                " is not after t_ms=" + std::to_string(points.back().t_ms);
    }
    if (problem.empty()) {
      points.push_back(p);
      continue;
    }
    if (skipped++ == 0) first_problem = "point " + std::to_string(i) + ": " + problem;
  }
  if (!points.empty()) {
    const int64_t oldest_kept = points.back().t_ms - config_.keep_ms;
    while (!points.empty() &&
           (points.front().t_ms < oldest_kept || points.size() > config_.max_points_per_channel)) {
      points.pop_front();
    }
  }
  if (skipped == 0) return Status::Ok();
  skipped_points_ += static_cast<int64_t>(skipped);
  return Status::InvalidArgument(
      "raw history: series \"" + series.name + "\": skipped " + std::to_string(skipped) + " of " +
      std::to_string(series.points.size()) + " points (first: " + first_problem + ")");
}

void RawHistory::AppendRange(const std::deque<wire::Point>& points, int64_t from_ms, int64_t to_ms,
                             std::vector<wire::Point>* out) const {
  auto first = std::lower_bound(points.begin(), points.end(), from_ms,
                                [](const wire::Point& p, int64_t t) { return p.t_ms < t; });
  for (; first != points.end() && first->t_ms <= to_ms; ++first) out->push_back(*first);
}

std::vector<wire::Series> RawHistory::Capture(int64_t from_ms, int64_t to_ms,
                                              const std::vector<std::string>& channels) const {
  std::vector<ChannelRange> ranges;
  if (channels.empty()) {
    for (const auto& [name, points] : channels_) ranges.push_back({name, from_ms, to_ms});
  } else {
    for (const auto& name : channels) ranges.push_back({name, from_ms, to_ms});
  }
  return Capture(ranges);
}

std::vector<wire::Series> RawHistory::Capture(const std::vector<ChannelRange>& ranges) const {
  std::vector<std::string> order;
  std::map<std::string, std::vector<std::pair<int64_t, int64_t>>, std::less<>> by_channel;
  for (const auto& r : ranges) {
    if (r.from_ms > r.to_ms) continue;
    auto [it, inserted] = by_channel.try_emplace(r.channel);
    if (inserted) order.push_back(r.channel);
    it->second.emplace_back(r.from_ms, r.to_ms);
  }
  std::vector<wire::Series> out;
  for (const auto& name : order) {
    const auto stored = channels_.find(name);
    if (stored == channels_.end()) continue;
    auto& spans = by_channel[name];
    std::sort(spans.begin(), spans.end());
    wire::Series series{name, {}};
    int64_t next_from = spans.front().first;
    for (const auto& [from, to] : spans) {
      const int64_t start = std::max(from, next_from);
      if (start > to) continue;
      AppendRange(stored->second, start, to, &series.points);
      next_from = to == INT64_MAX ? to : to + 1;
      if (to == INT64_MAX) break;
    }
    if (!series.points.empty()) out.push_back(std::move(series));
  }
  return out;
}

void RawHistory::Trim(int64_t now_ms) {
  const int64_t oldest_kept = now_ms - config_.keep_ms;
  for (auto it = channels_.begin(); it != channels_.end();) {
    auto& points = it->second;
    while (!points.empty() && points.front().t_ms < oldest_kept) points.pop_front();
    it = points.empty() ? channels_.erase(it) : std::next(it);
  }
}

std::vector<std::string> RawHistory::Channels() const {
  std::vector<std::string> names;
  for (const auto& [name, points] : channels_) names.push_back(name);
  return names;
}

size_t RawHistory::point_count() const {
  size_t n = 0;
  for (const auto& [name, points] : channels_) n += points.size();
  return n;
}

}  // namespace keel::edge::reduction
