// A time range of one channel's raw points, as the SnippetScheduler hands
// out and RawHistory captures.
#pragma once

#include <cstdint>
#include <string>

namespace keel::edge::reduction {

struct ChannelRange {
  std::string channel;
  int64_t from_ms = 0;  // inclusive, ms since the Unix epoch
  int64_t to_ms = 0;    // inclusive
  bool operator==(const ChannelRange&) const = default;
};

}  // namespace keel::edge::reduction
