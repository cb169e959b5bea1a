// WindowAligner: cuts multi-rate sensor streams (e.g. vibration at 1 kHz,
// motor current at 10 Hz, temperature at 1 Hz) into time windows on a common
// clock, so features of all channels describe the same interval.
//
// Windows. Window k covers [k * hop_ms, k * hop_ms + window_ms) in ms since
// the Unix epoch, so two devices with the same configuration cut identical
// windows. hop_ms < window_ms gives overlapping windows; hop_ms > window_ms
// leaves gaps whose samples belong to no window.
//
// Emission. Poll(now_ms) returns, in time order, every window with
// end_ms + allowed_lateness_ms <= now_ms that has not been emitted yet and
// holds at least one sample of any channel. Windows with no sample at all
// are skipped (there is nothing to compute from them; a long outage does not
// produce millions of empty windows). `now_ms` is the caller's clock (e.g.
// Clock::NowMs()); it is not required to be monotonic.
//
// Lateness. Samples may arrive in any order. A sample is accepted while some
// window containing it can still be emitted, i.e. while t_ms >= the start of
// the next window Poll would consider; otherwise it is dropped and counted as
// late_dropped. With overlapping windows a sample can thus be accepted for
// the windows still to come after an earlier window containing it was
// emitted. A second sample with the same channel and timestamp as a buffered
// one is dropped (the first wins) and counted as a duplicate.
//
// Memory. After a window is emitted, samples that belong to no later window
// are discarded, so the buffer holds at most the samples of the windows not
// yet due (about rate * (window + hop + lateness) per channel when Poll is
// called regularly). As a hard bound, each channel buffers at most
// max_buffered_samples_per_channel; Add drops samples beyond it, counts them
// as overflow_dropped and returns ResourceExhausted.
//
// Thread-safety: none; one owner calls Add and Poll.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <vector>

#include "common/status.h"
#include "wire/telemetry.h"

namespace keel::edge::fusion {

struct ChannelSpec {
  std::string name;    // matches wire::Series::name
  double rate_hz = 0;  // nominal sample rate, > 0
};

struct AlignerConfig {
  int64_t window_ms = 1000;           // > 0
  int64_t hop_ms = 0;                 // > 0, or 0 for hop == window (tumbling windows)
  std::vector<ChannelSpec> channels;  // >= 1, unique names
  int64_t allowed_lateness_ms = 0;    // >= 0
  double min_coverage = 0.5;          // in [0, 1]; below it a channel is `missing`
  size_t max_buffered_samples_per_channel = 1 << 20;  // > 0
};

struct ChannelWindow {
  std::vector<wire::Point> samples;  // t in [start_ms, end_ms), sorted by t, unique t
  double expected = 0;               // rate_hz * window_ms / 1000
  double coverage = 0;               // samples.size() / expected; may exceed 1
  bool missing = true;               // coverage < min_coverage
};

struct Window {
  int64_t start_ms = 0;
  int64_t end_ms = 0;                             // exclusive
  std::map<std::string, ChannelWindow> channels;  // every configured channel
};

struct ChannelStats {
  uint64_t accepted = 0;
  uint64_t late_dropped = 0;
  uint64_t duplicates = 0;
  uint64_t overflow_dropped = 0;
  uint64_t windows_emitted = 0;  // emitted windows where this channel was not missing
  uint64_t windows_missing = 0;  // emitted windows where it was missing
};

struct AlignerStats {
  uint64_t windows_emitted = 0;
  std::map<std::string, ChannelStats> channels;
};

class WindowAligner {
 public:
  // InvalidArgument naming the field when the configuration is out of range.
  static Result<WindowAligner> Create(AlignerConfig config);

  // |t_ms| bound for Add: keeps window arithmetic far from int64 overflow.
  static constexpr int64_t kMaxAbsTimeMs = int64_t{1} << 52;

  // Buffers the series' points. InvalidArgument when the series is not a
  // configured channel or a timestamp exceeds kMaxAbsTimeMs (nothing is
  // buffered); ResourceExhausted when the
  // channel's buffer bound was hit (points up to the bound are kept).
  Status Add(const wire::Series& series);

  // The windows due at now_ms, oldest first (see the file comment).
  std::vector<Window> Poll(int64_t now_ms);

  const AlignerStats& stats() const { return stats_; }
  // Samples currently buffered over all channels (for memory-bound checks).
  size_t buffered_samples() const;
  const AlignerConfig& config() const { return config_; }

 private:
  struct Channel {
    ChannelSpec spec;
    std::deque<wire::Point> buffer;  // sorted by t, unique t
  };

  explicit WindowAligner(AlignerConfig config);
  int64_t FirstWindowContaining(int64_t t_ms) const;
  bool EarliestBuffered(int64_t* t_ms) const;
  Window Cut(int64_t start_ms) const;
  void DiscardBefore(int64_t t_ms);

  AlignerConfig config_;
  std::vector<Channel> channels_;
  bool started_ = false;       // a window was considered: next_start_ms_ is set
  int64_t next_start_ms_ = 0;  // start of the next window Poll considers
  AlignerStats stats_;
};

}  // namespace keel::edge::fusion
