#include "edge/analytics/edge_analytics.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <variant>

#include "edge/analytics/event_context.h"
#include "edge/analytics/series_accumulator.h"
#include "edge/reduction/deadband_filter.h"
#include "edge/reduction/raw_history.h"
#include "edge/reduction/snippet_scheduler.h"
#include "edge/reduction/swinging_door.h"
#include "edge/rules/rule_engine.h"

namespace keel::edge::analytics {
namespace {

using Compressor = std::variant<reduction::DeadbandFilter, reduction::SwingingDoorCompressor>;
using SteadyClock = std::chrono::steady_clock;

constexpr size_t kLatencySamples = 4096;
constexpr uint64_t kRawBytesPerSample = 16;

double Percentile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  const size_t k = std::min(v.size() - 1, static_cast<size_t>(q * static_cast<double>(v.size())));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  return v[k];
}

Result<Compressor> MakeCompressor(const CompressSpec& spec) {
  if (spec.method == CompressMethod::kDeadband) {
    reduction::DeadbandConfig c;
    c.deadband = spec.deviation;
    c.max_interval_ms = spec.max_interval_ms;
    KEEL_ASSIGN_OR_RETURN(auto filter, reduction::DeadbandFilter::Create(c));
    return Compressor(std::move(filter));
  }
  reduction::SwingingDoorConfig c;
  c.deviation = spec.deviation;
  c.max_interval_ms = spec.max_interval_ms;
  KEEL_ASSIGN_OR_RETURN(auto door, reduction::SwingingDoorCompressor::Create(c));
  return Compressor(std::move(door));
}

}  // namespace

Status ResolveChannelRates(const std::vector<ChannelSpec>& sensor_channels,
                           AnalyticsConfig* config) {
  pipeline::PipelineConfig& p = config->pipeline;
  for (auto& channel : p.aligner.channels) {
    auto it = std::find_if(sensor_channels.begin(), sensor_channels.end(),
                           [&](const ChannelSpec& c) { return c.name == channel.name; });
    if (it == sensor_channels.end()) {
      return Status::InvalidArgument(fmt::format(
          "analytics: channel \"{}\" is not produced by any configured sensor", channel.name));
    }
    if (channel.rate_hz <= 0) channel.rate_hz = it->rate_hz;
  }
  for (auto& spec : p.features.channels) {
    if (spec.sample_rate_hz > 0) continue;
    for (const auto& c : p.aligner.channels) {
      if (c.name == spec.channel) spec.sample_rate_hz = c.rate_hz;
    }
  }
  return Status::Ok();
}

class EdgeAnalytics::Impl {
 public:
  Impl(AnalyticsConfig config, std::string model_name, ActionSinks sinks)
      : config_(std::move(config)),
        model_name_(std::move(model_name)),
        sinks_(std::move(sinks)),
        publish_(1024) {}

  Status Init(const std::vector<ChannelSpec>& sensor_channels, rules::RuleSet rule_set);
  Status Process(std::vector<wire::Series> raw, int64_t now_ms, AnalyticsOutput* out);
  void Flush(AnalyticsOutput* out);
  AnalyticsStats stats() const;
  void SendRawUntil(int64_t until_ms) {
    raw_until_ms_.store(until_ms);
    raw_request_pending_.store(true);
  }

 private:
  void HandleRaw(wire::Series& series, bool send_raw, SeriesAccumulator* acc);
  void HandleWindow(const pipeline::WindowReport& report, SteadyClock::time_point handed_in,
                    SeriesAccumulator* acc);
  std::optional<SnippetRange> RequestSnippet(int64_t at_ms, std::vector<std::string> signals);
  void EmitDueSnippets(int64_t data_time_ms, SeriesAccumulator* acc);
  std::string ChannelOf(const std::string& input) const;
  // How long a snippet waits for a silent analysed channel before it is cut
  // without that channel's latest data.
  int64_t SilentAfterMs() const {
    return config_.pipeline.aligner.window_ms + config_.pipeline.aligner.allowed_lateness_ms +
           2 * config_.tick_ms;
  }
  const pipeline::WindowReport* ReportAt(int64_t end_ms) const;

  AnalyticsConfig config_;
  const std::string model_name_;
  ActionSinks sinks_;
  rules::PublishAction publish_;
  std::unique_ptr<pipeline::AnalyticsPipeline> pipeline_;
  std::optional<rules::RuleEngine> engine_;
  std::optional<rules::ActionRouter> router_;
  std::set<std::string, std::less<>> analysed_;  // aligner channels
  std::map<std::string, Compressor, std::less<>> compressors_;
  std::optional<reduction::RawHistory> history_;
  std::optional<reduction::SnippetScheduler> snippets_;
  uint64_t next_snippet_id_ = 1;
  std::map<std::string, int64_t, std::less<>> newest_ms_;  // per analysed channel
  int64_t newest_sample_ms_ = 0;
  std::vector<pipeline::WindowReport> reports_;  // of the current Process call
  std::atomic<int64_t> raw_until_ms_{0};
  std::atomic<bool> raw_request_pending_{false};

  mutable std::mutex stats_mu_;
  AnalyticsStats stats_;
  std::deque<double> latencies_us_;
};

Status EdgeAnalytics::Impl::Init(const std::vector<ChannelSpec>& sensor_channels,
                                 rules::RuleSet rule_set) {
  KEEL_RETURN_IF_ERROR(ResolveChannelRates(sensor_channels, &config_));
  pipeline::PipelineConfig& p = config_.pipeline;
  for (const auto& channel : p.aligner.channels) analysed_.insert(channel.name);
  KEEL_ASSIGN_OR_RETURN(pipeline_, pipeline::AnalyticsPipeline::Create(p));
  for (const auto& spec : config_.reduction.compress) {
    auto known = std::find_if(sensor_channels.begin(), sensor_channels.end(),
                              [&](const ChannelSpec& c) { return c.name == spec.channel; });
    if (known == sensor_channels.end()) {
      return Status::InvalidArgument(fmt::format(
          "analytics: compressed channel \"{}\" is not produced by any sensor", spec.channel));
    }
    KEEL_ASSIGN_OR_RETURN(Compressor c, MakeCompressor(spec));
    compressors_.emplace(spec.channel, std::move(c));
  }
  if (config_.reduction.raw == RawPolicy::kAroundEvents) {
    reduction::RawHistoryConfig h;
    h.keep_ms = config_.reduction.snippet_pre_ms + config_.reduction.snippet_post_ms +
                SilentAfterMs() + config_.tick_ms;
    h.max_points_per_channel = 200'000;
    KEEL_ASSIGN_OR_RETURN(auto history, reduction::RawHistory::Create(h));
    history_.emplace(std::move(history));
    reduction::SnippetSchedulerConfig sc;
    sc.sent_memory_ms = h.keep_ms;
    KEEL_ASSIGN_OR_RETURN(auto scheduler, reduction::SnippetScheduler::Create(sc));
    snippets_.emplace(std::move(scheduler));
  }
  KEEL_ASSIGN_OR_RETURN(auto engine, rules::RuleEngine::Create(rule_set.rules));
  engine_.emplace(std::move(engine));
  KEEL_ASSIGN_OR_RETURN(
      auto router, rules::ActionRouter::Create(rule_set.rules, &publish_, sinks_.by_reference));
  router_.emplace(std::move(router));
  return Status::Ok();
}

void EdgeAnalytics::Impl::HandleRaw(wire::Series& series, bool send_raw, SeriesAccumulator* acc) {
  const bool analysed = analysed_.count(series.name) > 0;
  if (analysed) {
    Status added = pipeline_->Add(series);
    if (!added.ok()) spdlog::warn("analytics: {}", added.ToString());
    if (history_) {
      Status kept = history_->Add(series);
      if (!kept.ok()) spdlog::debug("analytics: raw history: {}", kept.ToString());
    }
    if (!series.points.empty()) {
      int64_t& newest = newest_ms_[series.name];
      newest = std::max(newest, series.points.back().t_ms);
    }
  }
  auto compressor = compressors_.find(series.name);
  if (compressor != compressors_.end()) {
    std::vector<wire::Point> kept;
    for (const auto& point : series.points) {
      Status s = std::visit([&](auto& c) { return c.Add(point, &kept); }, compressor->second);
      if (!s.ok()) spdlog::debug("analytics: {}: {}", series.name, s.ToString());
    }
    acc->Add(series.name, kept);
    return;
  }
  if (!analysed || send_raw) acc->Add(series.name, series.points);
}

std::string EdgeAnalytics::Impl::ChannelOf(const std::string& input) const {
  std::string best;
  for (const auto& channel : analysed_) {
    if (input.rfind(channel + ".", 0) == 0 && channel.size() > best.size()) best = channel;
  }
  return best;
}

const pipeline::WindowReport* EdgeAnalytics::Impl::ReportAt(int64_t end_ms) const {
  for (const auto& r : reports_) {
    if (r.end_ms == end_ms) return &r;
  }
  return nullptr;
}

std::optional<SnippetRange> EdgeAnalytics::Impl::RequestSnippet(int64_t at_ms,
                                                                std::vector<std::string> signals) {
  if (!history_) return std::nullopt;
  std::vector<std::string> channels;
  for (auto& s : signals) {
    if (analysed_.count(s) > 0) channels.push_back(std::move(s));
  }
  if (channels.empty()) channels.assign(analysed_.begin(), analysed_.end());
  const auto& red = config_.reduction;
  Status requested = snippets_->Request(std::to_string(next_snippet_id_++), at_ms,
                                        red.snippet_pre_ms, red.snippet_post_ms, channels);
  if (!requested.ok()) {
    spdlog::warn("analytics: raw snippet not kept: {}", requested.ToString());
    return std::nullopt;
  }
  return SnippetRange{at_ms - red.snippet_pre_ms, at_ms + red.snippet_post_ms, channels};
}

void EdgeAnalytics::Impl::EmitDueSnippets(int64_t data_time_ms, SeriesAccumulator* acc) {
  if (!history_) return;
  for (const auto& due : snippets_->TakeDue(data_time_ms)) {
    for (const auto& series : history_->Capture(due.ranges)) {
      acc->Add(series.name, series.points);
    }
    std::lock_guard lock(stats_mu_);
    ++stats_.snippets;
  }
}

void EdgeAnalytics::Impl::HandleWindow(const pipeline::WindowReport& report,
                                       SteadyClock::time_point handed_in, SeriesAccumulator* acc) {
  rules::WindowInputs inputs;
  inputs.end_ms = report.end_ms;
  inputs.mode = std::string(context::OperatingModeName(report.mode));
  for (const auto& [name, value] : report.features) inputs.values.emplace(name, value);
  if (report.scored) inputs.values.emplace("score", report.score);
  inputs.values.emplace("anomaly", report.anomaly_active ? 1.0 : 0.0);
  inputs.values.emplace("sensor_fault", report.faulty_signals.empty() ? 0.0 : 1.0);
  const std::vector<rules::RuleEvent> transitions = engine_->Evaluate(inputs);
  router_->Dispatch(transitions);
  const double latency_us =
      std::chrono::duration<double, std::micro>(SteadyClock::now() - handed_in).count();
  {
    std::lock_guard lock(stats_mu_);
    ++stats_.windows;
    if (report.scored) ++stats_.scored_windows;
    stats_.rule_transitions += transitions.size();
    latencies_us_.push_back(latency_us);
    if (latencies_us_.size() > kLatencySamples) latencies_us_.pop_front();
  }
  if (config_.reduction.send_features) {
    const int64_t t = report.end_ms;
    for (const auto& [name, value] : report.features) {
      if (std::isfinite(value)) acc->Add(name, {{t, value}});
    }
    acc->Add("keel:mode", {{t, static_cast<double>(report.mode)}});
    if (report.scored && std::isfinite(report.score)) acc->Add("keel:score", {{t, report.score}});
  }
}

Status EdgeAnalytics::Impl::Process(std::vector<wire::Series> raw, int64_t now_ms,
                                    AnalyticsOutput* out) {
  const SteadyClock::time_point handed_in = SteadyClock::now();
  SeriesAccumulator acc;
  std::vector<wire::Event> events;
  const int64_t raw_until = raw_until_ms_.load();
  if (raw_request_pending_.exchange(false)) {
    wire::Event e;
    e.type = "raw.sending";
    e.t_ms = now_ms;
    e.data = {{"until", raw_until},
              {"channels", std::vector<std::string>(analysed_.begin(), analysed_.end())}};
    events.push_back(std::move(e));
  }
  const bool send_raw = config_.reduction.raw == RawPolicy::kAll || now_ms <= raw_until;
  uint64_t raw_samples = 0;
  for (auto& series : raw) {
    raw_samples += series.points.size();
    for (const auto& p : series.points) newest_sample_ms_ = std::max(newest_sample_ms_, p.t_ms);
    HandleRaw(series, send_raw, &acc);
  }
  // Snippets are cut once every analysed channel has data up to their end,
  // or once a silent channel (a dead sensor) cannot deliver it any more.
  int64_t complete_to_ms = newest_ms_.size() == analysed_.size() ? INT64_MAX : 0;
  for (const auto& [name, t] : newest_ms_) complete_to_ms = std::min(complete_to_ms, t);
  complete_to_ms = std::max(complete_to_ms, now_ms - SilentAfterMs());
  reports_.clear();
  auto polled = pipeline_->Poll(now_ms, &reports_);
  for (const auto& report : reports_) HandleWindow(report, handed_in, &acc);

  if (polled.ok()) {
    for (const auto& e : *polled) {
      std::optional<SnippetRange> snippet;
      if (WantsSnippet(e)) snippet = RequestSnippet(e.at_ms, e.signals);
      events.push_back(PipelineEventToWire(e, ReportAt(e.at_ms), model_name_, snippet));
    }
  }
  for (const auto& e : publish_.Drain()) {
    std::optional<SnippetRange> snippet;
    if (e.transition == rules::RuleEvent::Transition::kRaised) {
      const auto rule = std::find_if(engine_->rules().begin(), engine_->rules().end(),
                                     [&](const auto& r) { return r.name == e.rule; });
      std::vector<std::string> signals;
      if (rule != engine_->rules().end()) signals.push_back(ChannelOf(rule->input));
      snippet = RequestSnippet(e.at_ms, std::move(signals));
    }
    events.push_back(RuleEventToWire(e, ReportAt(e.at_ms), model_name_, snippet));
  }
  std::stable_sort(events.begin(), events.end(),
                   [](const auto& a, const auto& b) { return a.t_ms < b.t_ms; });
  EmitDueSnippets(complete_to_ms, &acc);
  if (history_) history_->Trim(newest_sample_ms_);

  const uint64_t sent = acc.MoveInto(&out->series);
  for (auto& e : events) out->events.push_back(std::move(e));
  {
    std::lock_guard lock(stats_mu_);
    stats_.raw_samples += raw_samples;
    stats_.raw_bytes += raw_samples * kRawBytesPerSample;
    stats_.sent_samples += sent;
    stats_.events += events.size();
  }
  return polled.status();
}

void EdgeAnalytics::Impl::Flush(AnalyticsOutput* out) {
  SeriesAccumulator acc;
  for (auto& [name, compressor] : compressors_) {
    std::vector<wire::Point> kept;
    std::visit([&](auto& c) { c.Flush(&kept); }, compressor);
    acc.Add(name, kept);
  }
  EmitDueSnippets(INT64_MAX, &acc);
  const uint64_t sent = acc.MoveInto(&out->series);
  std::lock_guard lock(stats_mu_);
  stats_.sent_samples += sent;
}

AnalyticsStats EdgeAnalytics::Impl::stats() const {
  std::lock_guard lock(stats_mu_);
  AnalyticsStats s = stats_;
  std::vector<double> v(latencies_us_.begin(), latencies_us_.end());
  s.decision_latency.count = v.size();
  s.decision_latency.p50_us = Percentile(v, 0.50);
  s.decision_latency.p99_us = Percentile(v, 0.99);
  s.decision_latency.max_us = v.empty() ? 0 : *std::max_element(v.begin(), v.end());
  if (engine_) s.rules = engine_->Statuses();
  return s;
}

EdgeAnalytics::EdgeAnalytics(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
EdgeAnalytics::~EdgeAnalytics() = default;

Result<std::unique_ptr<EdgeAnalytics>> EdgeAnalytics::Create(
    AnalyticsConfig config, const std::vector<ChannelSpec>& sensor_channels,
    rules::RuleSet rule_set, ActionSinks sinks, std::string model_name) {
  auto impl = std::make_unique<Impl>(std::move(config), std::move(model_name), std::move(sinks));
  KEEL_RETURN_IF_ERROR(impl->Init(sensor_channels, std::move(rule_set)));
  return std::unique_ptr<EdgeAnalytics>(new EdgeAnalytics(std::move(impl)));
}

Status EdgeAnalytics::Process(std::vector<wire::Series> raw, int64_t now_ms, AnalyticsOutput* out) {
  return impl_->Process(std::move(raw), now_ms, out);
}

void EdgeAnalytics::Flush(AnalyticsOutput* out) { impl_->Flush(out); }

void EdgeAnalytics::SendRawUntil(int64_t until_ms) { impl_->SendRawUntil(until_ms); }

AnalyticsStats EdgeAnalytics::stats() const { return impl_->stats(); }

}  // namespace keel::edge::analytics
