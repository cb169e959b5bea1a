// SnippetScheduler: the raw-snippet captures requested by events whose
// post-event window has not fully arrived yet, and the record of what raw
// ranges were already sent so that overlapping snippets never carry the
// same raw point twice.
//
// A request covers [at_ms - pre_ms, at_ms + post_ms] (inclusive) of the named
// channels. TakeDue(data_time_ms) returns the requests whose window ends at
// or before data_time_ms, which must be a time up to which the caller has
// received every channel's data (e.g. the oldest of the channels' newest
// t_ms), ordered by window end, then by request order. For each returned
// snippet and channel, `ranges` is the window minus what earlier snippets
// already took (zero, one or two ranges per channel); TakeDue records those
// as sent. A snippet fully covered by earlier ones has no ranges: its event
// refers to raw data that an earlier snippet carries.
//
// The sent record of a channel forgets ranges ending more than
// sent_memory_ms before data_time_ms (set it to at least the RawHistory's
// keep_ms, since older points cannot be captured again anyway).
//
// Not thread-safe: one owner. No clock: times are data times, ms since the
// Unix epoch.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"
#include "edge/reduction/channel_range.h"

namespace keel::edge::reduction {

struct SnippetSchedulerConfig {
  size_t max_pending = 64;          // > 0; Request beyond it is ResourceExhausted
  int64_t sent_memory_ms = 60'000;  // > 0
  int64_t max_window_ms = 600'000;  // > 0; bound on pre_ms and on post_ms each
};

// InvalidArgument naming the offending field and value.
Status ValidateSnippetSchedulerConfig(const SnippetSchedulerConfig& config);

struct DueSnippet {
  std::string event_id;
  int64_t from_ms = 0;  // the requested window, inclusive
  int64_t to_ms = 0;
  std::vector<ChannelRange> ranges;  // what to capture now; see above
  bool operator==(const DueSnippet&) const = default;
};

class SnippetScheduler {
 public:
  static Result<SnippetScheduler> Create(const SnippetSchedulerConfig& config);

  // InvalidArgument: empty event_id or channel list, pre_ms/post_ms outside
  // 0..max_window_ms, at_ms < 0. AlreadyExists: event_id is pending.
  // ResourceExhausted: max_pending requests are pending.
  Status Request(const std::string& event_id, int64_t at_ms, int64_t pre_ms, int64_t post_ms,
                 const std::vector<std::string>& channels);

  std::vector<DueSnippet> TakeDue(int64_t data_time_ms);

  size_t pending() const { return pending_.size(); }

 private:
  struct Pending {
    std::string event_id;
    int64_t from_ms;
    int64_t to_ms;
    std::vector<std::string> channels;  // sorted, unique
  };
  // Disjoint, non-adjacent, sorted inclusive ranges.
  using RangeSet = std::vector<std::pair<int64_t, int64_t>>;

  explicit SnippetScheduler(const SnippetSchedulerConfig& config) : config_(config) {}
  static std::vector<std::pair<int64_t, int64_t>> Unsent(const RangeSet& sent, int64_t from_ms,
                                                         int64_t to_ms);
  static void MarkSent(RangeSet* sent, int64_t from_ms, int64_t to_ms);
  void Forget(int64_t before_ms);

  SnippetSchedulerConfig config_;
  std::vector<Pending> pending_;  // in request order
  std::map<std::string, RangeSet, std::less<>> sent_;
};

}  // namespace keel::edge::reduction
