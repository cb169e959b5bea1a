// MeasureSimulatedEdge (edge_load.h): the agent's sampler loop
// (src/edge/agent/agent.cpp, SamplerLoop and AppendBatches) driven in
// simulated time, each stage timed with this thread's CPU clock.
#include <sys/resource.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>

#include "bench_stats.h"
#include "common/files.h"
#include "edge/agent/analytics_setup.h"
#include "edge/agent/batching.h"
#include "edge/analytics/analytics_config.h"
#include "edge/analytics/series_accumulator.h"
#include "edge/plant/motor_sensor.h"
#include "edge/rules/fake_gpio.h"
#include "edge_load.h"
#include "test_util/temp_dir.h"
#include "wire/telemetry_codec.h"

namespace keel::bench {
namespace {

using SteadyClock = std::chrono::steady_clock;

constexpr int64_t kT0 = 1'795'000'000'000;  // 2026-11-17
constexpr int64_t kTickMs = 100;            // [analytics] tick_ms default
constexpr int64_t kBatchIntervalMs = 1000;  // [batch] interval_ms default
constexpr size_t kBatchMaxSamples = 5000;   // [batch] max_samples default
constexpr uint64_t kFirstSeq = 1'795'000'000'000'000;

double ThreadCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

double RusageSeconds(int who) {
  rusage usage{};
  getrusage(who, &usage);
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

// FakeGpioLineFactory's lines, with the steady-clock time of every Set.
class TimedGpio : public edge::rules::GpioLineFactory {
 public:
  Result<std::unique_ptr<edge::rules::GpioLine>> RequestOutput(
      const edge::rules::GpioLineRequest& request) override {
    KEEL_ASSIGN_OR_RETURN(auto line, fake_.RequestOutput(request));
    return std::unique_ptr<edge::rules::GpioLine>(std::make_unique<Line>(this, std::move(line)));
  }

  std::vector<SteadyClock::time_point> SetTimes() const {
    std::lock_guard lock(mu_);
    return sets_;
  }

 private:
  class Line : public edge::rules::GpioLine {
   public:
    Line(TimedGpio* owner, std::unique_ptr<edge::rules::GpioLine> inner)
        : owner_(owner), inner_(std::move(inner)) {}
    Status Set(int value) override {
      const auto now = SteadyClock::now();
      {
        std::lock_guard lock(owner_->mu_);
        owner_->sets_.push_back(now);
      }
      return inner_->Set(value);
    }

   private:
    TimedGpio* owner_;
    std::unique_ptr<edge::rules::GpioLine> inner_;
  };

  edge::rules::FakeGpioLineFactory fake_{{{"gpiochip0", 8}}};
  mutable std::mutex mu_;
  std::vector<SteadyClock::time_point> sets_;
};

// The agent's batching (SplitIntoBatches) + EncodeTelemetry (CBOR); each
// batch takes the next *seq. Returns the encoded bytes.
size_t EncodeLikeTheAgent(edge::analytics::AnalyticsOutput output, uint64_t* seq) {
  size_t bytes = 0;
  for (auto& batch : edge::SplitIntoBatches(std::move(output), kBatchMaxSamples)) {
    batch.seq = (*seq)++;
    bytes += wire::EncodeTelemetry(batch, wire::Encoding::kCbor).size();
  }
  return bytes;
}

nlohmann::json Summary(const std::vector<double>& v) {
  return {{"count", v.size()},
          {"p50", Percentile(v, 0.50)},
          {"p99", Percentile(v, 0.99)},
          {"max", v.empty() ? 0.0 : *std::max_element(v.begin(), v.end())}};
}

}  // namespace

nlohmann::json MeasureSimulatedEdgeOnThisThread(int sim_seconds, int realtime_priority);

CpuLoad::CpuLoad(int threads) {
  for (int i = 0; i < threads; ++i) {
    threads_.emplace_back([this] {
      volatile uint64_t x = 0;
      while (!stop_.load(std::memory_order_relaxed)) x = x + 1;
    });
  }
}

CpuLoad::~CpuLoad() {
  stop_ = true;
  for (auto& t : threads_) t.join();
}

nlohmann::json MeasureSimulatedEdge(int sim_seconds, int realtime_priority) {
  nlohmann::json result;
  std::string error;
  std::thread runner([&] {
    try {
      const bool realtime = edge::ApplyRealtimePriority(realtime_priority, "bench");
      result = MeasureSimulatedEdgeOnThisThread(sim_seconds, realtime_priority);
      result["realtime_priority"] = realtime_priority;
      result["realtime_applied"] = realtime;
    } catch (const std::exception& e) {
      error = e.what();
    }
  });
  runner.join();
  if (!error.empty()) throw std::runtime_error(error);
  return result;
}

nlohmann::json MeasureSimulatedEdgeOnThisThread(int sim_seconds, int realtime_priority) {
  if (Status s = edge::plant::RegisterPlantSensors(); !s.ok()) {
    throw std::runtime_error(s.ToString());
  }
  edge::SensorConfig sensor;
  sensor.kind = "motor";
  sensor.name = "pump";
  sensor.options = {{"schedule", PumpSchedule(sim_seconds)},
                    {"faults", "imbalance@600s:factor=6,for=120s"}};
  auto driver = edge::plant::CreateMotorSensor(sensor, 7);
  if (!driver.ok()) throw std::runtime_error(driver.status().ToString());

  TempDir dir;
  const auto rules_path = dir.path() / "rules.toml";
  if (Status s = WriteFileAtomic(rules_path, PumpRulesToml(true)); !s.ok()) {
    throw std::runtime_error(s.ToString());
  }
  const std::string section = PumpAnalyticsToml(rules_path.string());
  toml::table root = toml::parse(std::string_view(section), std::string_view("pump"));
  auto config = edge::analytics::ParseAnalyticsSection(*root.get("analytics"), "pump");
  if (!config.ok()) throw std::runtime_error(config.status().ToString());
  config->realtime_priority = realtime_priority;
  TimedGpio gpio;
  auto built = edge::BuildAnalytics(*config, (*driver)->channels(), &gpio);
  if (!built.ok()) throw std::runtime_error(built.status().ToString());
  auto& analytics = **built;

  double sim_cpu = 0, analytics_cpu = 0, encode_cpu = 0;
  uint64_t seq = kFirstSeq, raw_seq = kFirstSeq;
  uint64_t sent_bytes = 0, raw_cbor_bytes = 0, events = 0;
  std::vector<double> sample_to_gpio_us;
  std::map<std::string, uint64_t> event_types;
  size_t gpio_sets_seen = 0;
  uint64_t transitions_seen = 0, windows_seen = 0;
  std::vector<double> window_tick_cpu_us;  // CPU of the Process() calls that closed a window
  edge::analytics::AnalyticsOutput pending;
  std::vector<wire::Series> raw_second;
  int64_t batch_due = kT0 + kBatchIntervalMs;

  const double process_cpu0 = RusageSeconds(RUSAGE_SELF);
  const double thread_cpu0 = ThreadCpuSeconds();
  const auto wall0 = SteadyClock::now();
  for (int64_t t = kT0 + kTickMs; t <= kT0 + sim_seconds * 1000LL; t += kTickMs) {
    std::vector<wire::Series> raw;
    const double c0 = ThreadCpuSeconds();
    if (Status s = (*driver)->Read(t, &raw); !s.ok()) throw std::runtime_error(s.ToString());
    const double c1 = ThreadCpuSeconds();
    sim_cpu += c1 - c0;
    edge::analytics::MergeSeries(raw, &raw_second);  // what the agent without [analytics] sends

    const size_t events_before = pending.events.size();
    const auto handed_in = SteadyClock::now();
    const double c2 = ThreadCpuSeconds();
    Status processed = analytics.Process(std::move(raw), t, &pending);
    const double process_cpu = ThreadCpuSeconds() - c2;
    analytics_cpu += process_cpu;
    if (!processed.ok()) throw std::runtime_error("analytics: " + processed.ToString());

    for (size_t i = events_before; i < pending.events.size(); ++i) {
      ++event_types[pending.events[i].type];
    }
    // Every rule has a GPIO action: each transition sets one line, on the
    // action's worker thread.
    const auto stats_now = analytics.stats();
    if (stats_now.windows > windows_seen) window_tick_cpu_us.push_back(process_cpu * 1e6);
    windows_seen = stats_now.windows;
    const uint64_t transitions_now = stats_now.rule_transitions;
    if (transitions_now > transitions_seen) {
      const size_t expected = gpio_sets_seen + (transitions_now - transitions_seen);
      transitions_seen = transitions_now;
      std::vector<SteadyClock::time_point> sets;
      const auto deadline = SteadyClock::now() + std::chrono::seconds(2);
      while ((sets = gpio.SetTimes()).size() < expected && SteadyClock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::microseconds(50));
      }
      if (sets.size() < expected) {
        throw std::runtime_error("a rule transition did not set its GPIO line within 2 s");
      }
      for (size_t i = gpio_sets_seen; i < sets.size(); ++i) {
        sample_to_gpio_us.push_back(
            std::chrono::duration<double, std::micro>(sets[i] - handed_in).count());
      }
      gpio_sets_seen = sets.size();
    }

    size_t pending_samples = 0;
    for (const auto& s : pending.series) pending_samples += s.points.size();
    if (t >= batch_due || !pending.events.empty() || pending_samples >= kBatchMaxSamples) {
      events += pending.events.size();
      const double c3 = ThreadCpuSeconds();
      sent_bytes += EncodeLikeTheAgent(std::move(pending), &seq);
      encode_cpu += ThreadCpuSeconds() - c3;
      pending = {};
    }
    if (t >= batch_due) {
      raw_cbor_bytes += EncodeLikeTheAgent({std::move(raw_second), {}}, &raw_seq);
      raw_second.clear();
      batch_due = t + kBatchIntervalMs;
    }
  }
  analytics.Flush(&pending);
  events += pending.events.size();
  sent_bytes += EncodeLikeTheAgent(std::move(pending), &seq);
  const double wall = std::chrono::duration<double>(SteadyClock::now() - wall0).count();
  const double other_threads_cpu =
      (RusageSeconds(RUSAGE_SELF) - process_cpu0) - (ThreadCpuSeconds() - thread_cpu0);

  const auto stats = analytics.stats();
  const double sim_s = sim_seconds;
  auto percent = [&](double cpu) { return 100.0 * cpu / sim_s; };
  return {
      {"benchmark", "edge_analytics_simulated"},
      {"simulated_s", sim_seconds},
      {"wall_s", wall},
      {"tick_ms", kTickMs},
      {"raw_samples_per_s", static_cast<double>(stats.raw_samples) / sim_s},
      {"cpu_percent_of_one_core",
       {{"analytics", percent(analytics_cpu)},
        {"cbor_encoding", percent(encode_cpu)},
        {"device_total", percent(analytics_cpu + encode_cpu)},
        {"action_threads", percent(other_threads_cpu)},
        {"sensor_simulation_not_on_a_device", percent(sim_cpu)}}},
      {"decision_latency_us",
       {{"count", stats.decision_latency.count},
        {"p50", stats.decision_latency.p50_us},
        {"p99", stats.decision_latency.p99_us},
        {"max", stats.decision_latency.max_us}}},
      {"sample_to_gpio_set_us", Summary(sample_to_gpio_us)},
      {"window_tick_cpu_us", Summary(window_tick_cpu_us)},
      {"loadavg_1m_at_end", LoadAverage1m()},
      {"windows", stats.windows},
      {"scored_windows", stats.scored_windows},
      {"rule_transitions", stats.rule_transitions},
      {"events", event_types},
      {"events_sent", events},
      {"snippets", stats.snippets},
      {"raw_samples", stats.raw_samples},
      {"sent_samples", stats.sent_samples},
      {"raw_bytes_16_per_sample", stats.raw_bytes},
      {"raw_cbor_bytes", raw_cbor_bytes},
      {"sent_cbor_bytes", sent_bytes},
      {"batches", seq - kFirstSeq},
      {"reduction_raw_bytes_to_sent",
       sent_bytes > 0 ? static_cast<double>(stats.raw_bytes) / static_cast<double>(sent_bytes) : 0},
      {"reduction_raw_cbor_to_sent",
       sent_bytes > 0 ? static_cast<double>(raw_cbor_bytes) / static_cast<double>(sent_bytes) : 0},
      {"sent_bytes_per_s", static_cast<double>(sent_bytes) / sim_s}};
}

}  // namespace keel::bench
