#include "edge/reduction/snippet_scheduler.h"

#include <algorithm>
#include <limits>

namespace keel::edge::reduction {

Status ValidateSnippetSchedulerConfig(const SnippetSchedulerConfig& config) {
  if (config.max_pending == 0) {
    return Status::InvalidArgument("snippet scheduler: max_pending must be > 0");
  }
  if (config.sent_memory_ms <= 0) {
    return Status::InvalidArgument("snippet scheduler: sent_memory_ms must be > 0, got " +
                                   std::to_string(config.sent_memory_ms));
  }
  if (config.max_window_ms <= 0) {
    return Status::InvalidArgument("snippet scheduler: max_window_ms must be > 0, got " +
                                   std::to_string(config.max_window_ms));
  }
  return Status::Ok();
}

Result<SnippetScheduler> SnippetScheduler::Create(const SnippetSchedulerConfig& config) {
  KEEL_RETURN_IF_ERROR(ValidateSnippetSchedulerConfig(config));
  return SnippetScheduler(config);
}

Status SnippetScheduler::Request(const std::string& event_id, int64_t at_ms, int64_t pre_ms,
                                 int64_t post_ms, const std::vector<std::string>& channels) {
  const std::string where = "snippet scheduler: event \"" + event_id + "\": ";
  if (event_id.empty()) return Status::InvalidArgument("snippet scheduler: empty event_id");
  if (channels.empty()) return Status::InvalidArgument(where + "no channels named");
  for (const auto& [name, value] : {std::pair{"pre_ms", pre_ms}, std::pair{"post_ms", post_ms}}) {
    if (value < 0 || value > config_.max_window_ms) {
      return Status::InvalidArgument(where + name + " must be 0.." +
                                     std::to_string(config_.max_window_ms) + ", got " +
                                     std::to_string(value));
    }
  }
  if (at_ms < 0 || at_ms > std::numeric_limits<int64_t>::max() / 2) {
    return Status::InvalidArgument(where + "at_ms " + std::to_string(at_ms) + " is out of range");
  }
  for (const auto& p : pending_) {
    if (p.event_id == event_id) return Status::AlreadyExists(where + "already pending");
  }
  if (pending_.size() >= config_.max_pending) {
    return Status::ResourceExhausted(where + "max_pending=" + std::to_string(config_.max_pending) +
                                     " captures pending");
  }
  std::vector<std::string> sorted = channels;
  std::sort(sorted.begin(), sorted.end());
  sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
  pending_.push_back({event_id, at_ms - pre_ms, at_ms + post_ms, std::move(sorted)});
  return Status::Ok();
}

std::vector<std::pair<int64_t, int64_t>> SnippetScheduler::Unsent(const RangeSet& sent,
                                                                  int64_t from_ms, int64_t to_ms) {
  std::vector<std::pair<int64_t, int64_t>> out;
  int64_t cursor = from_ms;
  for (const auto& [a, b] : sent) {
    if (b < cursor) continue;
    if (a > to_ms) break;
    if (a > cursor) out.emplace_back(cursor, a - 1);
    if (b >= to_ms) return out;
    cursor = b + 1;
  }
  out.emplace_back(cursor, to_ms);
  return out;
}

void SnippetScheduler::MarkSent(RangeSet* sent, int64_t from_ms, int64_t to_ms) {
  RangeSet merged;
  bool placed = false;
  for (const auto& [a, b] : *sent) {
    if (b < from_ms - 1) {
      merged.emplace_back(a, b);
    } else if (a > to_ms + 1) {
      if (!placed) merged.emplace_back(from_ms, to_ms);
      placed = true;
      merged.emplace_back(a, b);
    } else {
      from_ms = std::min(from_ms, a);
      to_ms = std::max(to_ms, b);
    }
  }
  if (!placed) merged.emplace_back(from_ms, to_ms);
  *sent = std::move(merged);
}

void SnippetScheduler::Forget(int64_t before_ms) {
  for (auto it = sent_.begin(); it != sent_.end();) {
    RangeSet& ranges = it->second;
    std::erase_if(ranges, [before_ms](const auto& r) { return r.second < before_ms; });
    it = ranges.empty() ? sent_.erase(it) : std::next(it);
  }
}

std::vector<DueSnippet> SnippetScheduler::TakeDue(int64_t data_time_ms) {
  std::vector<Pending> due;
  std::vector<Pending> waiting;
  for (auto& p : pending_) (p.to_ms <= data_time_ms ? due : waiting).push_back(std::move(p));
  pending_ = std::move(waiting);
  std::stable_sort(due.begin(), due.end(),
                   [](const Pending& a, const Pending& b) { return a.to_ms < b.to_ms; });
  std::vector<DueSnippet> out;
  for (const auto& p : due) {
    DueSnippet snippet{p.event_id, p.from_ms, p.to_ms, {}};
    for (const auto& channel : p.channels) {
      RangeSet& sent = sent_[channel];
      for (const auto& [from, to] : Unsent(sent, p.from_ms, p.to_ms)) {
        snippet.ranges.push_back({channel, from, to});
      }
      MarkSent(&sent, p.from_ms, p.to_ms);
    }
    out.push_back(std::move(snippet));
  }
  if (data_time_ms > std::numeric_limits<int64_t>::min() + config_.sent_memory_ms) {
    Forget(data_time_ms - config_.sent_memory_ms);
  }
  return out;
}

}  // namespace keel::edge::reduction
