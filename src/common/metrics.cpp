#include "common/metrics.h"

#include <fmt/format.h>

#include <cassert>

namespace keel {
namespace {

std::string EscapeLabelValue(const std::string& v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\' || c == '"') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string RenderLabels(const MetricLabels& labels) {
  if (labels.empty()) return "";
  std::string out = "{";
  for (size_t i = 0; i < labels.size(); ++i) {
    if (i > 0) out += ',';
    out += labels[i].first + "=\"" + EscapeLabelValue(labels[i].second) + "\"";
  }
  return out + "}";
}

std::string FormatValue(double v) { return fmt::format("{}", v); }

}  // namespace

MetricsRegistry::Family& MetricsRegistry::FamilyFor(const std::string& name,
                                                    const std::string& help, const char* type) {
  auto [it, inserted] = families_.try_emplace(name);
  if (inserted) {
    it->second.help = help;
    it->second.type = type;
  }
  assert(it->second.type == type && "metric registered with two types");
  return it->second;
}

Counter& MetricsRegistry::GetCounter(const std::string& name, const std::string& help,
                                     const MetricLabels& labels) {
  std::lock_guard lock(mu_);
  auto& slot = FamilyFor(name, help, "counter").counters[RenderLabels(labels)];
  if (!slot) slot = std::make_unique<Counter>();
  return *slot;
}

Gauge& MetricsRegistry::GetGauge(const std::string& name, const std::string& help,
                                 const MetricLabels& labels) {
  std::lock_guard lock(mu_);
  auto& slot = FamilyFor(name, help, "gauge").gauges[RenderLabels(labels)];
  if (!slot) slot = std::make_unique<Gauge>();
  return *slot;
}

void MetricsRegistry::AddCallbackGauge(const std::string& name, const std::string& help,
                                       std::function<double()> read) {
  std::lock_guard lock(mu_);
  FamilyFor(name, help, "gauge").callback = std::move(read);
}

std::string MetricsRegistry::RenderPrometheus() const {
  std::lock_guard lock(mu_);
  std::string out;
  for (const auto& [name, family] : families_) {
    out += "# HELP " + name + " " + family.help + "\n";
    out += "# TYPE " + name + " " + family.type + "\n";
    for (const auto& [labels, counter] : family.counters) {
      out += name + labels + " " + std::to_string(counter->value()) + "\n";
    }
    for (const auto& [labels, gauge] : family.gauges) {
      out += name + labels + " " + FormatValue(gauge->value()) + "\n";
    }
    if (family.callback) out += name + " " + FormatValue(family.callback()) + "\n";
  }
  return out;
}

}  // namespace keel
