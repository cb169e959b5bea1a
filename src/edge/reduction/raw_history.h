// RawHistory: the last few seconds of raw samples per channel, so that when
// an event fires the agent can send the raw snippet around it
// ([t_event - pre_ms, t_event + post_ms]) while normal uploads carry only
// features and compressed signals.
//
// Bounds, per channel: points older than keep_ms before the channel's newest
// point are evicted on Add, and at most max_points_per_channel newest points
// are kept (e.g. keep_ms = 10 s at 1 kHz needs 10'001 points). Trim(now_ms)
// applies keep_ms against a caller-supplied time, for channels that went
// silent; a channel left with no points is forgotten. At most max_channels
// channels are held. Memory is therefore bounded by
// max_channels * max_points_per_channel * 16 bytes (plus deque overhead).
//
// Input rules: within a channel, points must be strictly increasing in t_ms,
// also across Add calls, and finite. Add stores the points that follow the
// rules and skips the others; if any were skipped it returns InvalidArgument
// saying how many and why for the first one (the good points are stored
// regardless). A series for a new channel beyond max_channels is refused
// whole with ResourceExhausted.
//
// Not thread-safe: one owner (the agent's sampling loop). No clock.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <vector>

#include "common/status.h"
#include "edge/reduction/channel_range.h"
#include "wire/telemetry.h"

namespace keel::edge::reduction {

struct RawHistoryConfig {
  int64_t keep_ms = 10'000;                // > 0
  size_t max_points_per_channel = 20'000;  // > 0
  size_t max_channels = 64;                // > 0
};

// InvalidArgument naming the offending field and value.
Status ValidateRawHistoryConfig(const RawHistoryConfig& config);

class RawHistory {
 public:
  static Result<RawHistory> Create(const RawHistoryConfig& config);

  Status Add(const wire::Series& series);

  // The stored points with from_ms <= t_ms <= to_ms of each named channel
  // (empty = all, in name order), in the order named. Channels that are
  // unknown or have no point in the range are left out, so the result may
  // be empty. Duplicate names are captured once.
  std::vector<wire::Series> Capture(int64_t from_ms, int64_t to_ms,
                                    const std::vector<std::string>& channels) const;
  // One series per channel named in `ranges` (in order of first mention),
  // holding the points inside any of its ranges, each point once.
  std::vector<wire::Series> Capture(const std::vector<ChannelRange>& ranges) const;

  // Evicts points with t_ms < now_ms - keep_ms in every channel.
  void Trim(int64_t now_ms);

  std::vector<std::string> Channels() const;  // in name order
  size_t point_count() const;
  int64_t skipped_points() const { return skipped_points_; }

 private:
  explicit RawHistory(const RawHistoryConfig& config) : config_(config) {}
  void AppendRange(const std::deque<wire::Point>& points, int64_t from_ms, int64_t to_ms,
                   std::vector<wire::Point>* out) const;

  RawHistoryConfig config_;
  std::map<std::string, std::deque<wire::Point>, std::less<>> channels_;
  int64_t skipped_points_ = 0;
};

}  // namespace keel::edge::reduction
