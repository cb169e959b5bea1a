// Metrics: counters and gauges exported in the Prometheus text format
// (https://prometheus.io/docs/instrumenting/exposition_formats/).
//
// Thread-safe. Counter and Gauge objects are owned by the registry and live
// as long as it does; hot paths keep the returned reference and update it
// with a relaxed atomic operation (no lock, no lookup).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace keel {

using MetricLabels = std::vector<std::pair<std::string, std::string>>;

class Counter {
 public:
  void Increment(uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

class Gauge {
 public:
  void Set(double v) { value_.store(v, std::memory_order_relaxed); }
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

class MetricsRegistry {
 public:
  // Returns the counter `name{labels}`, creating it (and the family's HELP
  // line) on first use. Names must match [a-zA-Z_:][a-zA-Z0-9_:]*.
  Counter& GetCounter(const std::string& name, const std::string& help,
                      const MetricLabels& labels = {});
  Gauge& GetGauge(const std::string& name, const std::string& help,
                  const MetricLabels& labels = {});
  // A gauge computed at scrape time (e.g. connected devices); `read` runs
  // under the registry lock and must not call back into the registry.
  void AddCallbackGauge(const std::string& name, const std::string& help,
                        std::function<double()> read);

  // The whole registry in the Prometheus text exposition format 0.0.4.
  std::string RenderPrometheus() const;

 private:
  struct Family {
    std::string help;
    std::string type;                                          // "counter" or "gauge"
    std::map<std::string, std::unique_ptr<Counter>> counters;  // by rendered labels
    std::map<std::string, std::unique_ptr<Gauge>> gauges;
    std::function<double()> callback;
  };
  Family& FamilyFor(const std::string& name, const std::string& help, const char* type);

  mutable std::mutex mu_;
  std::map<std::string, Family> families_;
};

}  // namespace keel
