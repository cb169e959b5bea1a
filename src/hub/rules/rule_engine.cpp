#include "hub/rules/rule_engine.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <tuple>

namespace keel::hub::rules {
namespace {

using nlohmann::json;

bool IsHubEmitted(const bus::Event& event) {
  auto it = event.data.find("source");
  return it != event.data.end() && it->is_string() && it->get<std::string>() == "hub";
}

// Whether the event is the device reporting (as opposed to something the hub
// or the broker says about it).
bool IsReport(const bus::Event& event) {
  switch (event.kind) {
    case bus::EventKind::kTelemetry:
    case bus::EventKind::kDetection:
    case bus::EventKind::kDeviceEvent:
    case bus::EventKind::kDeviceOnline:
      return true;
    default:
      return false;
  }
}

// A detection's type split into its prefix and whether it raises:
// "sensor_fault.raised" -> ("sensor_fault", true).
std::optional<std::pair<std::string, bool>> SplitDetection(const std::string& type) {
  for (auto [suffix, raised] : {std::pair<std::string_view, bool>{".raised", true},
                                std::pair<std::string_view, bool>{".cleared", false}}) {
    if (type.size() > suffix.size() && type.ends_with(suffix)) {
      return std::make_pair(type.substr(0, type.size() - suffix.size()), raised);
    }
  }
  return std::nullopt;
}

std::string StringMember(const json& data, const char* key) {
  auto it = data.find(key);
  return it != data.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// The series a series rule reads (its `when` and `clear`).
std::set<std::string> SeriesOf(const HubRule& rule) {
  std::set<std::string> out;
  for (const auto* e : {&rule.when, &rule.clear}) {
    if (!e->has_value()) continue;
    for (const auto& [name, window] : (*e)->series()) out.insert(name);
  }
  return out;
}

}  // namespace

// The inputs of one evaluation: a device's series at time `now_ms`, or one
// detection.
class RuleEngine::Inputs : public EvalInputs {
 public:
  Inputs(const DeviceState& device, int64_t now_ms) : device_(&device), now_ms_(now_ms) {}
  explicit Inputs(const bus::Event& detection) : detection_(&detection) {}

  std::optional<double> Latest(const std::string& series) const override {
    const auto* samples = Samples(series);
    if (samples == nullptr || samples->empty()) return std::nullopt;
    return samples->back().value;
  }

  WindowSummary Window(const std::string& series, int64_t window_ms) const override {
    WindowSummary w;
    const auto* samples = Samples(series);
    if (samples == nullptr) return w;
    for (auto it = samples->rbegin(); it != samples->rend() && it->t_ms > now_ms_ - window_ms;
         ++it) {
      if (it->t_ms > now_ms_) continue;
      if (w.count == 0) {
        w.min = w.max = w.last = it->value;
        w.last_t = it->t_ms;
      }
      w.min = std::min(w.min, it->value);
      w.max = std::max(w.max, it->value);
      w.sum += it->value;
      w.first = it->value;
      w.first_t = it->t_ms;
      ++w.count;
    }
    return w;
  }

  std::optional<double> Number(const std::string& field) const override {
    if (detection_ == nullptr) return std::nullopt;
    auto it = detection_->data.find(field);
    if (it == detection_->data.end() || !it->is_number()) return std::nullopt;
    return it->get<double>();
  }

  std::optional<std::string> Text(const std::string& field) const override {
    if (detection_ == nullptr) return std::nullopt;
    if (field == "type") return detection_->type;
    auto it = detection_->data.find(field);
    if (it == detection_->data.end() || !it->is_string()) return std::nullopt;
    return it->get<std::string>();
  }

 private:
  const std::deque<Sample>* Samples(const std::string& series) const {
    if (device_ == nullptr) return nullptr;
    auto it = device_->series.find(series);
    return it == device_->series.end() ? nullptr : &it->second;
  }

  const DeviceState* device_ = nullptr;
  int64_t now_ms_ = 0;
  const bus::Event* detection_ = nullptr;
};

RuleEngine::RuleEngine(RuleSet rules) { Replace(std::move(rules), 0); }

std::vector<bus::Event> RuleEngine::Replace(RuleSet rules, int64_t now_ms) {
  std::vector<bus::Event> out;
  std::map<std::string, const HubRule*> incoming;
  for (const auto& rule : rules.rules) incoming[rule.name] = &rule;
  std::set<std::string> unchanged;
  for (const auto& old : rules_.rules) {
    auto it = incoming.find(old.name);
    if (it != incoming.end() && it->second->definition == old.definition) {
      unchanged.insert(old.name);
      continue;
    }
    // Changed or gone: what it raised is no longer its verdict.
    for (auto& [device_id, device] : devices_) {
      for (auto h = device.holds.begin(); h != device.holds.end();) {
        if (h->first.first != old.name) {
          ++h;
          continue;
        }
        if (h->second.raised) {
          Transition(old, device_id, h->second, false, now_ms, {{"reason", "rule replaced"}}, out);
        }
        h = device.holds.erase(h);
      }
    }
  }
  // A new or changed rule counts silence from when it is in force, not
  // from a report that came before it.
  std::map<std::string, int64_t> since;
  for (const auto& rule : rules.rules) {
    auto kept_since = in_force_since_.find(rule.name);
    since[rule.name] = unchanged.count(rule.name) != 0 && kept_since != in_force_since_.end()
                           ? kept_since->second
                           : now_ms;
  }
  in_force_since_ = std::move(since);
  rules_ = std::move(rules);
  windows_.clear();
  reads_.clear();
  for (const auto& rule : rules_.rules) {
    reads_.push_back(SeriesOf(rule));
    if (rule.on != RuleOn::kSeries) continue;
    for (const auto* e : {&rule.when, &rule.clear}) {
      if (!e->has_value()) continue;
      for (const auto& [name, window] : (*e)->series()) {
        windows_[name] = std::max(windows_[name], window);
      }
    }
  }
  return out;
}

void RuleEngine::Track(const std::string& device, const alerts::Labels& context, int64_t now_ms) {
  auto [it, added] = devices_.try_emplace(device);
  it->second.context = context;
  if (added) it->second.last_seen_ms = now_ms;
}

std::vector<bus::Event> RuleEngine::OnEvent(const bus::Event& event, const alerts::Labels& context,
                                            int64_t now_ms) {
  std::vector<bus::Event> out;
  if (event.device.empty() || IsHubEmitted(event) || !IsReport(event)) return out;
  DeviceState& device = devices_[event.device];
  device.context = context;
  device.last_seen_ms = now_ms;
  std::set<std::string> reported;  // heartbeat series in this event
  if (event.kind == bus::EventKind::kTelemetry) {
    if (auto names = event.data.find("series"); names != event.data.end() && names->is_array()) {
      for (const auto& name : *names) {
        if (name.is_string()) reported.insert(name.get<std::string>());
      }
    }
  }
  for (const auto& name : reported) device.series_seen_ms[name] = now_ms;
  // Back online for the absence rules this report satisfies.
  for (const auto& rule : rules_.rules) {
    if (rule.on != RuleOn::kAbsence) continue;
    auto offline = device.holds.find({rule.name, ""});
    if (offline == device.holds.end() || !offline->second.raised) continue;
    if (!rule.heartbeat_series.empty() && reported.count(rule.heartbeat_series) == 0) continue;
    Transition(rule, event.device, offline->second, false, now_ms, {{"reason", "reported again"}},
               out);
  }
  if (event.kind == bus::EventKind::kTelemetry) OnSamples(event, device, out);
  if (event.kind == bus::EventKind::kDetection) OnDetection(event, device, out);
  return out;
}

void RuleEngine::OnSamples(const bus::Event& event, DeviceState& device,
                           std::vector<bus::Event>& out) {
  auto points = event.data.find("points");
  if (points == event.data.end() || !points->is_object()) return;
  struct Point {
    int64_t t_ms;
    const std::string* series;
    double value;
  };
  std::vector<Point> batch;
  for (auto it = points->begin(); it != points->end(); ++it) {
    auto window = windows_.find(it.key());
    if (window == windows_.end() || !it.value().is_array()) continue;
    for (const auto& p : it.value()) {
      if (!p.is_array() || p.size() != 2 || !p[0].is_number_integer() || !p[1].is_number() ||
          !std::isfinite(p[1].get<double>())) {
        ++stats_.bad_points;
        continue;
      }
      batch.push_back({p[0].get<int64_t>(), &window->first, p[1].get<double>()});
    }
  }
  std::stable_sort(batch.begin(), batch.end(),
                   [](const Point& a, const Point& b) { return a.t_ms < b.t_ms; });
  std::vector<std::string> changed;
  for (size_t i = 0; i < batch.size();) {
    const int64_t t = batch[i].t_ms;
    changed.clear();
    for (; i < batch.size() && batch[i].t_ms == t; ++i) {
      auto& samples = device.series[*batch[i].series];
      if (!samples.empty() && samples.back().t_ms >= t) {
        ++stats_.late_samples;
        continue;
      }
      samples.push_back({t, batch[i].value});
      const int64_t window = windows_[*batch[i].series];
      while (samples.size() > 1 && samples.front().t_ms <= t - window) samples.pop_front();
      while (samples.size() > kMaxSamplesPerSeries) {
        samples.pop_front();
        ++stats_.dropped_samples;
      }
      changed.push_back(*batch[i].series);
    }
    if (!changed.empty()) EvaluateSeries(event.device, device, changed, t, out);
  }
}

void RuleEngine::EvaluateSeries(const std::string& device_id, DeviceState& device,
                                const std::vector<std::string>& changed, int64_t t_ms,
                                std::vector<bus::Event>& out) {
  const Inputs inputs(device, t_ms);
  for (size_t r = 0; r < rules_.rules.size(); ++r) {
    const HubRule& rule = rules_.rules[r];
    const std::set<std::string>& reads = reads_[r];
    if (rule.on != RuleOn::kSeries ||
        std::none_of(changed.begin(), changed.end(),
                     [&](const std::string& s) { return reads.count(s) != 0; }) ||
        !rule.scope.Matches(device_id, device.context)) {
      continue;
    }
    ++stats_.evaluations;
    Hold& hold = device.holds[{rule.name, ""}];
    const std::optional<bool> when = rule.when->Evaluate(inputs);
    // What decided, for the emitted event (built only on a transition).
    auto values = [&] {
      json v = json::object();
      for (const auto& name : reads) {
        auto latest = inputs.Latest(name);
        v[name] = latest ? json(*latest) : json(nullptr);
      }
      return json{{"values", std::move(v)}};
    };
    if (!hold.raised) {
      if (when != true) {
        hold.holding = false;
        continue;
      }
      if (!hold.holding) {
        hold.holding = true;
        hold.since_ms = t_ms;
      }
      if (t_ms - hold.since_ms >= rule.for_ms) {
        Transition(rule, device_id, hold, true, t_ms, values(), out);
      }
      continue;
    }
    std::optional<bool> clear;
    if (rule.clear) {
      clear = rule.clear->Evaluate(inputs);
    } else if (when) {
      clear = !*when;
    }
    if (clear == true) {
      Transition(rule, device_id, hold, false, t_ms, values(), out);
    }
  }
}

void RuleEngine::OnDetection(const bus::Event& event, DeviceState& device,
                             std::vector<bus::Event>& out) {
  auto split = SplitDetection(event.type);
  if (!split) return;
  const auto& [prefix, raises] = *split;
  const std::string signal = StringMember(event.data, "signal");
  const std::string key = signal.empty() ? prefix : prefix + "/" + signal;
  const Inputs inputs(event);
  for (const auto& rule : rules_.rules) {
    if (rule.on != RuleOn::kDetection || !rule.scope.Matches(event.device, device.context)) {
      continue;
    }
    ++stats_.evaluations;
    Hold& hold = device.holds[{rule.name, key}];
    json why = {{"detection", {{"type", event.type}, {"data", event.data}}}};
    if (!signal.empty()) why["signal"] = signal;
    if (!hold.raised) {
      if (raises && rule.when->Evaluate(inputs) == true) {
        Transition(rule, event.device, hold, true, event.t_ms, std::move(why), out);
      }
    } else if (!raises || (rule.clear && rule.clear->Evaluate(inputs) == true)) {
      Transition(rule, event.device, hold, false, event.t_ms, std::move(why), out);
    }
  }
}

std::vector<bus::Event> RuleEngine::Tick(int64_t now_ms) {
  std::vector<bus::Event> out;
  for (const auto& rule : rules_.rules) {
    if (rule.on != RuleOn::kAbsence) continue;
    for (auto& [device_id, device] : devices_) {
      if (!rule.scope.Matches(device_id, device.context)) continue;
      Hold& offline = device.holds[{rule.name, ""}];
      if (offline.raised) continue;
      int64_t last = std::max(device.last_seen_ms, in_force_since_[rule.name]);
      if (!rule.heartbeat_series.empty()) {
        // Only devices that have the series are watched for it: a device
        // without that sensor is not silent, and after a hub restart a
        // device is watched again from its first report of the series.
        auto seen = device.series_seen_ms.find(rule.heartbeat_series);
        if (seen == device.series_seen_ms.end()) continue;
        last = std::max(seen->second, in_force_since_[rule.name]);
      }
      if (now_ms - last <= rule.timeout_ms) continue;
      Transition(rule, device_id, offline, true, now_ms, {{"last_seen_ms", last}}, out);
    }
  }
  return out;
}

void RuleEngine::Transition(const HubRule& rule, const std::string& device, Hold& hold, bool raise,
                            int64_t t_ms, json why, std::vector<bus::Event>& out) {
  hold.raised = raise;
  hold.holding = false;
  hold.since_ms = t_ms;
  ++(raise ? stats_.raised : stats_.cleared);
  bus::Event e;
  e.device = device;
  e.t_ms = t_ms;
  e.data = std::move(why);
  e.data["rule"] = rule.name;
  e.data["source"] = "hub";
  if (rule.on == RuleOn::kAbsence) {
    e.kind = raise ? bus::EventKind::kDeviceOffline : bus::EventKind::kDeviceOnline;
    e.type = raise ? "device.offline" : "device.online";
    e.data["timeout_ms"] = rule.timeout_ms;
  } else {
    e.kind = bus::EventKind::kDetection;
    e.type = raise ? "rule.raised" : "rule.cleared";
    e.data["on"] = RuleOnName(rule.on);
    e.data["severity"] = alerts::SeverityName(rule.severity);
    if (!rule.summary.empty()) e.data["summary"] = rule.summary;
  }
  out.push_back(std::move(e));
}

std::vector<RuleState> RuleEngine::States() const {
  std::vector<RuleState> out;
  for (const auto& [device_id, device] : devices_) {
    for (const auto& [key, hold] : device.holds) {
      if (hold.raised || hold.holding) {
        out.push_back({key.first, device_id, key.second, hold.raised, hold.since_ms});
      }
    }
  }
  return out;
}

}  // namespace keel::hub::rules
