#include "edge/pipeline/window_summary.h"

#include <algorithm>
#include <cmath>

namespace keel::edge::pipeline {

context::WindowSet SummarizeWindow(const fusion::Window& window) {
  context::WindowSet out;
  for (const auto& [name, channel] : window.channels) {
    if (channel.samples.empty()) continue;
    context::SignalWindow s;
    s.end_ms = window.end_ms;
    s.count = channel.samples.size();
    s.min = channel.samples.front().value;
    s.max = s.min;
    double sum = 0;
    for (const auto& p : channel.samples) {
      sum += p.value;
      s.min = std::min(s.min, p.value);
      s.max = std::max(s.max, p.value);
    }
    s.mean = sum / static_cast<double>(s.count);
    double squares = 0;
    for (const auto& p : channel.samples) squares += (p.value - s.mean) * (p.value - s.mean);
    s.stddev = std::sqrt(squares / static_cast<double>(s.count));
    out.emplace(name, s);
  }
  return out;
}

}  // namespace keel::edge::pipeline
