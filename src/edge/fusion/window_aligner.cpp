#include "edge/fusion/window_aligner.h"

#include <algorithm>
#include <cmath>
#include <set>

namespace keel::edge::fusion {
namespace {

int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

bool EarlierThan(const wire::Point& p, int64_t t) { return p.t_ms < t; }

}  // namespace

Result<WindowAligner> WindowAligner::Create(AlignerConfig config) {
  if (config.window_ms <= 0) {
    return Status::InvalidArgument("fusion: aligner: window_ms must be > 0");
  }
  if (config.hop_ms < 0) return Status::InvalidArgument("fusion: aligner: hop_ms must be >= 0");
  if (config.hop_ms == 0) config.hop_ms = config.window_ms;
  if (config.window_ms > kMaxAbsTimeMs || config.hop_ms > kMaxAbsTimeMs ||
      config.allowed_lateness_ms > kMaxAbsTimeMs) {
    return Status::InvalidArgument(
        "fusion: aligner: window_ms, hop_ms and allowed_lateness_ms "
        "must be <= 2^52");
  }
  if (config.allowed_lateness_ms < 0) {
    return Status::InvalidArgument("fusion: aligner: allowed_lateness_ms must be >= 0");
  }
  if (!(config.min_coverage >= 0 && config.min_coverage <= 1)) {
    return Status::InvalidArgument("fusion: aligner: min_coverage must be in [0, 1]");
  }
  if (config.max_buffered_samples_per_channel == 0) {
    return Status::InvalidArgument("fusion: aligner: max_buffered_samples_per_channel must be > 0");
  }
  if (config.channels.empty()) {
    return Status::InvalidArgument("fusion: aligner: no channels configured");
  }
  std::set<std::string> names;
  for (const auto& c : config.channels) {
    if (c.name.empty()) return Status::InvalidArgument("fusion: aligner: empty channel name");
    if (!names.insert(c.name).second) {
      return Status::InvalidArgument("fusion: aligner: channel \"" + c.name + "\" listed twice");
    }
    if (!std::isfinite(c.rate_hz) || c.rate_hz <= 0) {
      return Status::InvalidArgument("fusion: aligner: channel \"" + c.name +
                                     "\": rate_hz must be finite and > 0");
    }
  }
  return WindowAligner(std::move(config));
}

WindowAligner::WindowAligner(AlignerConfig config) : config_(std::move(config)) {
  for (const auto& spec : config_.channels) {
    channels_.push_back({spec, {}});
    stats_.channels[spec.name] = {};
  }
}

Status WindowAligner::Add(const wire::Series& series) {
  auto it = std::find_if(channels_.begin(), channels_.end(),
                         [&](const Channel& c) { return c.spec.name == series.name; });
  if (it == channels_.end()) {
    return Status::InvalidArgument("fusion: aligner: series \"" + series.name +
                                   "\" is not a configured channel");
  }
  for (size_t i = 0; i < series.points.size(); ++i) {
    if (series.points[i].t_ms < -kMaxAbsTimeMs || series.points[i].t_ms > kMaxAbsTimeMs) {
      return Status::InvalidArgument("fusion: aligner: series \"" + series.name + "\": point " +
                                     std::to_string(i) + ": timestamp out of range");
    }
  }
  ChannelStats& st = stats_.channels[series.name];
  std::deque<wire::Point>& buf = it->buffer;
  uint64_t overflow = 0;
  for (const wire::Point& p : series.points) {
    if (started_ && p.t_ms < next_start_ms_) {
      ++st.late_dropped;
      continue;
    }
    if (buf.empty() || p.t_ms > buf.back().t_ms) {
      if (buf.size() >= config_.max_buffered_samples_per_channel) {
        ++overflow;
        continue;
      }
      buf.push_back(p);
      ++st.accepted;
      continue;
    }
    auto pos = std::lower_bound(buf.begin(), buf.end(), p.t_ms, EarlierThan);
    if (pos != buf.end() && pos->t_ms == p.t_ms) {
      ++st.duplicates;
      continue;
    }
    if (buf.size() >= config_.max_buffered_samples_per_channel) {
      ++overflow;
      continue;
    }
    buf.insert(pos, p);
    ++st.accepted;
  }
  if (overflow > 0) {
    st.overflow_dropped += overflow;
    return Status::ResourceExhausted("fusion: aligner: channel \"" + series.name +
                                     "\": " + std::to_string(overflow) +
                                     " samples dropped, buffer holds its maximum of " +
                                     std::to_string(config_.max_buffered_samples_per_channel));
  }
  return Status::Ok();
}

int64_t WindowAligner::FirstWindowContaining(int64_t t_ms) const {
  return (FloorDiv(t_ms - config_.window_ms, config_.hop_ms) + 1) * config_.hop_ms;
}

bool WindowAligner::EarliestBuffered(int64_t* t_ms) const {
  bool found = false;
  for (const auto& c : channels_) {
    if (c.buffer.empty()) continue;
    if (!found || c.buffer.front().t_ms < *t_ms) *t_ms = c.buffer.front().t_ms;
    found = true;
  }
  return found;
}

Window WindowAligner::Cut(int64_t start_ms) const {
  Window w;
  w.start_ms = start_ms;
  w.end_ms = start_ms + config_.window_ms;
  for (const auto& c : channels_) {
    ChannelWindow cw;
    auto first = std::lower_bound(c.buffer.begin(), c.buffer.end(), w.start_ms, EarlierThan);
    auto last = std::lower_bound(first, c.buffer.end(), w.end_ms, EarlierThan);
    cw.samples.assign(first, last);
    cw.expected = c.spec.rate_hz * static_cast<double>(config_.window_ms) / 1000.0;
    cw.coverage = static_cast<double>(cw.samples.size()) / cw.expected;
    cw.missing = cw.coverage < config_.min_coverage;
    w.channels.emplace(c.spec.name, std::move(cw));
  }
  return w;
}

void WindowAligner::DiscardBefore(int64_t t_ms) {
  for (auto& c : channels_) {
    auto end = std::lower_bound(c.buffer.begin(), c.buffer.end(), t_ms, EarlierThan);
    c.buffer.erase(c.buffer.begin(), end);
  }
}

std::vector<Window> WindowAligner::Poll(int64_t now_ms) {
  std::vector<Window> out;
  int64_t earliest = 0;
  while (EarliestBuffered(&earliest)) {
    int64_t start = FirstWindowContaining(earliest);
    if (started_) start = std::max(start, next_start_ms_);
    if (start + config_.window_ms + config_.allowed_lateness_ms > now_ms) break;
    Window w = Cut(start);
    started_ = true;
    next_start_ms_ = start + config_.hop_ms;
    DiscardBefore(next_start_ms_);
    bool any = std::any_of(w.channels.begin(), w.channels.end(),
                           [](const auto& kv) { return !kv.second.samples.empty(); });
    if (!any) continue;
    ++stats_.windows_emitted;
    for (const auto& [name, cw] : w.channels) {
      ChannelStats& st = stats_.channels[name];
      ++(cw.missing ? st.windows_missing : st.windows_emitted);
    }
    out.push_back(std::move(w));
  }
  return out;
}

size_t WindowAligner::buffered_samples() const {
  size_t n = 0;
  for (const auto& c : channels_) n += c.buffer.size();
  return n;
}

}  // namespace keel::edge::fusion
