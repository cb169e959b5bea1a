#include "alerts/alert_scenario.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>

#include "common/files.h"
#include "common/random.h"

namespace keel::bench {
namespace {

using nlohmann::json;

constexpr int64_t kSecond = 1000;
constexpr int64_t kMinute = 60 * kSecond;
constexpr int64_t kHour = 60 * kMinute;
constexpr int kAssetsPerSite = 12;

struct Interval {
  int64_t from = 0, to = 0;
  bool Overlaps(int64_t a, int64_t b) const { return a <= to && from <= b; }
};

struct SiteLayout {
  std::string id, prefix;
  std::vector<std::string> gateways;
  std::string power_monitor;
  std::vector<std::string> devices;               // behind the gateways
  std::map<std::string, std::string> gateway_of;  // device -> gateway
};

double Round2(double x) { return std::round(x * 100.0) / 100.0; }

json AnomalyData(double score, const char* mode) {
  return {{"score", Round2(score)}, {"threshold", 1.0}, {"mode", mode}};
}

class Generator {
 public:
  explicit Generator(const ScenarioOptions& o)
      : o_(o), rng_(o.seed), begin_(o.start_ms), end_(o.start_ms + o.hours * kHour) {}

  Scenario Run() {
    BuildTopology();
    PlaceSiteFaults();
    PlaceDeviceFaults();
    AddNoise();
    Scenario s;
    s.topology = std::move(topology_);
    std::sort(faults_.begin(), faults_.end(),
              [](const Fault& a, const Fault& b) { return a.start_ms < b.start_ms; });
    for (size_t i = 0; i < faults_.size(); ++i) faults_[i].id = fmt::format("F{:02}", i + 1);
    s.faults = std::move(faults_);
    s.events = Deliver();
    return s;
  }

 private:
  double U(double a, double b) { return a + (b - a) * rng_.Uniform(); }
  int64_t Ms(double a, double b) { return std::llround(U(a, b)); }
  bool Chance(double p) { return rng_.Uniform() < p; }
  size_t Pick(size_t n) { return std::min(n - 1, static_cast<size_t>(rng_.Uniform() * n)); }

  void BuildTopology() {
    static constexpr const char* kSites[] = {"north", "south", "east"};
    static constexpr const char* kKinds[] = {"pump", "fan", "compressor", "conveyor"};
    topology_ = {{"tenants", json::array({{{"id", "acme"}, {"name", "ACME Foods"}}})},
                 {"sites", json::array()},
                 {"gateways", json::array()},
                 {"assets", json::array()},
                 {"devices", json::array()}};
    for (const char* name : kSites) {
      SiteLayout site;
      site.id = name;
      site.prefix = std::string(1, name[0]);
      topology_["sites"].push_back({{"id", site.id}, {"tenant", "acme"}});
      for (int g = 1; g <= 2; ++g) {
        const std::string gw = fmt::format("{}-gw{}", site.prefix, g);
        site.gateways.push_back(gw);
        topology_["gateways"].push_back({{"id", gw}, {"site", site.id}});
        topology_["devices"].push_back({{"id", gw}, {"site", site.id}});
      }
      site.power_monitor = site.prefix + "-power";
      topology_["devices"].push_back(
          {{"id", site.power_monitor}, {"site", site.id}, {"tags", {{"kind", "power_monitor"}}}});
      for (int a = 1; a <= kAssetsPerSite; ++a) {
        topology_["assets"].push_back({{"id", fmt::format("{}-m{:02}", site.prefix, a)},
                                       {"site", site.id},
                                       {"criticality", 1 + static_cast<int>(Pick(5))}});
      }
      for (int d = 1; d <= o_.devices_per_site; ++d) {
        const int asset = (d - 1) % kAssetsPerSite;
        const char* kind = kKinds[asset % 4];
        const std::string id = fmt::format("{}-{}-{:02}", site.prefix, kind, d);
        const std::string& gw = site.gateways[(d - 1) % 2];
        site.devices.push_back(id);
        site.gateway_of[id] = gw;
        topology_["devices"].push_back({{"id", id},
                                        {"site", site.id},
                                        {"gateway", gw},
                                        {"asset", fmt::format("{}-m{:02}", site.prefix, asset + 1)},
                                        {"tags", {{"kind", kind}}}});
      }
      sites_.push_back(std::move(site));
    }
  }

  // --- events ------------------------------------------------------------

  void Emit(int64_t t, const std::string& device, const std::string& type, json data = {}) {
    ScenarioEvent e;
    e.t_ms = t;
    e.device = device;
    e.type = type;
    if (data.is_object()) e.data = std::move(data);
    events_.push_back(std::move(e));
  }

  // Whether `device` could publish throughout [from, to] (not offline by a
  // site-level fault, with a margin for reconnects).
  bool Reachable(const std::string& device, int64_t from, int64_t to) const {
    auto it = offline_.find(device);
    if (it == offline_.end()) return true;
    for (const auto& w : it->second) {
      if (w.Overlaps(from - 2 * kMinute, to + 3 * kMinute)) return false;
    }
    return true;
  }

  // A raise at `from` and its clear at `to` (none when to < 0), dropped
  // whole when the device is unreachable meanwhile.
  void Episode(const std::string& device, const std::string& name, int64_t from, int64_t to,
               const json& raised, const json& cleared = {}) {
    if (!Reachable(device, from, to < 0 ? from : to)) return;
    Emit(from, device, name + ".raised", raised);
    if (to >= 0) Emit(to, device, name + ".cleared", cleared);
  }

  // Records the fault whose events are events_[mark..]. The devices of a
  // device-level fault are busy from then on: no other device fault and no
  // noise goes there (site-level faults only make devices unreachable).
  void Record(size_t mark, std::string kind, std::string site, std::vector<std::string> devices,
              bool device_level) {
    if (mark == events_.size()) return;  // every event fell into an outage
    Fault f;
    f.kind = std::move(kind);
    f.site = std::move(site);
    f.start_ms = events_[mark].t_ms;
    f.end_ms = events_[mark].t_ms;
    for (size_t i = mark; i < events_.size(); ++i) {
      f.start_ms = std::min(f.start_ms, events_[i].t_ms);
      f.end_ms = std::max(f.end_ms, events_[i].t_ms);
      const std::string name = AlertNameOfType(events_[i].type);
      if (std::find(f.alerts.begin(), f.alerts.end(), name) == f.alerts.end()) {
        f.alerts.push_back(name);
      }
    }
    if (device_level) {
      for (const auto& d : devices) busy_[d].push_back({f.start_ms, f.end_ms});
    }
    f.devices = std::move(devices);
    faults_.push_back(std::move(f));
  }

  static bool Clear(const std::map<std::string, std::vector<Interval>>& windows,
                    const std::string& device, int64_t from, int64_t to, int64_t margin) {
    auto it = windows.find(device);
    if (it == windows.end()) return true;
    for (const auto& w : it->second) {
      if (w.Overlaps(from - margin, to + margin)) return false;
    }
    return true;
  }
  bool Free(const std::string& device, int64_t from, int64_t to, int64_t margin) const {
    return Clear(busy_, device, from, to, margin);
  }

  // A start for a fault of `length` on `devices` with no other fault of its
  // level (device or site) within 20 minutes on any of them; nullopt if
  // 500 random tries find none.
  std::optional<int64_t> FindWindow(const std::vector<std::string>& devices, int64_t length,
                                    bool device_level = true) {
    const int64_t earliest = begin_ + 10 * kMinute, latest = end_ - length - 5 * kMinute;
    if (latest <= earliest) return std::nullopt;
    const auto& windows = device_level ? busy_ : offline_;
    for (int attempt = 0; attempt < 500; ++attempt) {
      const int64_t start = Ms(static_cast<double>(earliest), static_cast<double>(latest));
      bool ok = true;
      for (const auto& d : devices)
        ok = ok && Clear(windows, d, start, start + length, 20 * kMinute);
      if (ok) return start;
    }
    return std::nullopt;
  }

  std::optional<std::string> FreeDevice(const SiteLayout& site, int64_t length, int64_t* start) {
    for (int attempt = 0; attempt < 50; ++attempt) {
      const std::string& d = site.devices[Pick(site.devices.size())];
      if (auto s = FindWindow({d}, length)) {
        *start = *s;
        return d;
      }
    }
    return std::nullopt;
  }

  // --- site-level faults -------------------------------------------------

  void GatewayOutage(const SiteLayout& site, const std::string& gw) {
    std::vector<std::string> devices{gw};
    for (const auto& [d, g] : site.gateway_of) {
      if (g == gw) devices.push_back(d);
    }
    const int64_t length = Ms(4 * kMinute, 25 * kMinute);
    auto start = FindWindow(devices, length + 2 * kMinute, /*device_level=*/false);
    if (!start) return;
    const size_t mark = events_.size();
    const int64_t down = *start, up = *start + length;
    Emit(down, gw, "device.offline", {{"reason", "keepalive"}});
    Emit(up, gw, "device.online");
    for (size_t i = 1; i < devices.size(); ++i) {
      const int64_t off = down + Ms(-3 * kSecond, 3 * kSecond);
      const int64_t on = up + Ms(0.5 * kSecond, 30 * kSecond);
      Emit(off, devices[i], "device.offline", {{"reason", "keepalive"}});
      Emit(on, devices[i], "device.online");
      offline_[devices[i]].push_back({off, on});
    }
    offline_[gw].push_back({down, up});
    Record(mark, "gateway_outage", site.id, std::move(devices), false);
  }

  void PowerLoss(const SiteLayout& site) {
    std::vector<std::string> devices{site.power_monitor};
    devices.insert(devices.end(), site.gateways.begin(), site.gateways.end());
    devices.insert(devices.end(), site.devices.begin(), site.devices.end());
    const int64_t length = Ms(12 * kMinute, 40 * kMinute);
    auto start = FindWindow(devices, length + 3 * kMinute, /*device_level=*/false);
    if (!start) return;
    const size_t mark = events_.size();
    const int64_t down = *start, up = *start + length;
    Emit(down, site.power_monitor, "site.power_loss.raised",
         {{"source", "mains"}, {"ups", "on battery"}});
    Emit(up, site.power_monitor, "site.power_loss.cleared", {{"source", "mains"}});
    for (size_t i = 1; i < devices.size(); ++i) {
      const bool gateway = i <= site.gateways.size();
      // The hub sees a device go when its keepalive expires; a gateway
      // boots faster than the devices behind it.
      const int64_t off = down + Ms(0.3 * kSecond, 60 * kSecond);
      const int64_t on =
          up + (gateway ? Ms(30 * kSecond, 90 * kSecond) : Ms(20 * kSecond, 150 * kSecond));
      Emit(off, devices[i], "device.offline", {{"reason", "keepalive"}});
      Emit(on, devices[i], "device.online");
      offline_[devices[i]].push_back({off, on});
    }
    Record(mark, "power_loss", site.id, std::move(devices), false);
  }

  void PlaceSiteFaults() {
    for (size_t s = 0; s < sites_.size(); ++s) {
      if (s != 0) PowerLoss(sites_[s]);  // south and east lose power once
      for (const auto& gw : sites_[s].gateways) GatewayOutage(sites_[s], gw);
    }
  }

  // --- device-level faults ------------------------------------------------

  // Anomalies that come ever more often, last longer and score higher, then
  // stay (re-raised every ~10 min with the new score).
  void BearingWear(const SiteLayout& site) {
    int64_t start = 0;
    const int64_t length = Ms(std::min<int64_t>(5 * kHour, o_.hours * kHour / 2),
                              std::min<int64_t>(10 * kHour, o_.hours * kHour * 3 / 4));
    auto device = FreeDevice(site, length, &start);
    if (!device) return;
    const size_t mark = events_.size();
    const int64_t persistent = start + length * 85 / 100;
    for (int64_t t = start; t < persistent;) {
      const double p = static_cast<double>(t - start) / static_cast<double>(length);
      const int64_t lasting = Ms(10 * kSecond, 40 * kSecond + p * 8 * kMinute);
      const double score = 1.05 + 1.6 * p + 0.08 * rng_.Gaussian();
      // Near the end of an episode the score hovers at the threshold.
      int64_t at = t;
      const int64_t until = std::min(t + lasting, persistent);
      while (at < until) {
        const int64_t up = std::min(until, at + Ms(5 * kSecond, 60 * kSecond));
        Episode(*device, "anomaly", at, up, AnomalyData(score, "bearing"),
                AnomalyData(0.9, "bearing"));
        at = up + Ms(2 * kSecond, 15 * kSecond);
      }
      t = at + Ms(20 * kSecond, (1.0 - p) * 40 * kMinute + 60 * kSecond);
    }
    for (int64_t t = persistent; t < start + length; t += Ms(8 * kMinute, 12 * kMinute)) {
      const double p = static_cast<double>(t - start) / static_cast<double>(length);
      Episode(*device, "anomaly", t, -1, AnomalyData(1.5 + 2.0 * p, "bearing"));
    }
    // Maintenance replaces the bearing when the fault ends before the
    // scenario does.
    if (start + length < end_ - 30 * kMinute) {
      Episode(*device, "anomaly", start + length, -1, AnomalyData(3.6, "bearing"));
      Emit(start + length + Ms(5 * kMinute, 20 * kMinute), *device, "anomaly.cleared",
           AnomalyData(0.4, "bearing"));
    }
    Record(mark, "bearing_wear", site.id, {*device}, true);
  }

  // A bad signal: sensor_fault on it, and the anomalies it causes on the
  // same device until the sensor is replaced or recalibrated.
  void SensorFault(const SiteLayout& site, const char* fault) {
    int64_t start = 0;
    const int64_t length = Ms(45 * kMinute, 3 * kHour);
    auto device = FreeDevice(site, length, &start);
    if (!device) return;
    const size_t mark = events_.size();
    const bool drift = std::string_view(fault) == "drift";
    const char* signal = drift ? "temperature" : "vibration_rms";
    // A drifting signal first looks like a process anomaly; a stuck one is
    // recognised within minutes.
    const int64_t detected = start + (drift ? Ms(8 * kMinute, 25 * kMinute) : Ms(1, 4) * kMinute);
    const int64_t fixed = start + length;
    for (int64_t t = start; t < fixed - kMinute;) {
      const int64_t up = std::min(fixed - 30 * kSecond, t + Ms(10 * kSecond, 2 * kMinute));
      Episode(*device, "anomaly", t, up, AnomalyData(U(1.1, 2.5), drift ? "drift" : "flatline"),
              AnomalyData(0.8, drift ? "drift" : "flatline"));
      t = up + Ms(5 * kSecond, 90 * kSecond);
    }
    Episode(*device, "sensor_fault", detected, fixed, {{"signal", signal}, {"fault", fault}},
            {{"signal", signal}, {"fault", fault}});
    Record(mark, drift ? "sensor_drift" : "sensor_stuck", site.id, {*device}, true);
  }

  // A loose connector: the anomaly toggles every few seconds in bursts of
  // minutes, for hours.
  void Flapping(const SiteLayout& site) {
    int64_t start = 0;
    const int64_t length = Ms(3 * kHour, 6 * kHour);
    auto device = FreeDevice(site, length, &start);
    if (!device) return;
    const size_t mark = events_.size();
    for (int64_t t = start; t < start + length;) {
      const int64_t burst_end = std::min(start + length, t + Ms(3 * kMinute, 30 * kMinute));
      while (t < burst_end) {
        const int64_t up = t + Ms(1 * kSecond, 20 * kSecond);
        Episode(*device, "anomaly", t, up, AnomalyData(U(1.0, 1.3), "vibration"),
                AnomalyData(U(0.8, 0.99), "vibration"));
        t = up + Ms(1 * kSecond, 25 * kSecond);
      }
      t += Ms(1 * kMinute, 8 * kMinute);
    }
    Record(mark, "flapping_sensor", site.id, {*device}, true);
  }

  // The temperature rule: warning, then critical crossing its hysteresis a
  // few times, with the model's anomaly alongside.
  void Overheating(const SiteLayout& site) {
    int64_t start = 0;
    const int64_t length = Ms(15 * kMinute, 50 * kMinute);
    auto device = FreeDevice(site, length, &start);
    if (!device) return;
    const size_t mark = events_.size();
    const json warning = {{"rule", "motor_temp_high"}, {"severity", "warning"}, {"value", 82.5}};
    const json critical = {{"rule", "motor_overtemp"}, {"severity", "critical"}, {"value", 96.0}};
    const int64_t end = start + length;
    Episode(*device, "rule", start, end, warning, warning);
    Episode(*device, "anomaly", start + Ms(20 * kSecond, 2 * kMinute), end - kMinute,
            AnomalyData(U(2.0, 4.0), "thermal"), AnomalyData(0.7, "thermal"));
    int64_t t = start + Ms(3 * kMinute, 8 * kMinute);
    const int crossings = 1 + static_cast<int>(Pick(4));
    for (int c = 0; c < crossings && t < end - 2 * kMinute; ++c) {
      const int64_t down = std::min(end - kMinute, t + Ms(30 * kSecond, 8 * kMinute));
      Episode(*device, "rule", t, down, critical, critical);
      t = down + Ms(10 * kSecond, 90 * kSecond);
    }
    Record(mark, "overheating", site.id, {*device}, true);
  }

  void Compromised(const SiteLayout& site) {
    int64_t start = 0;
    const int64_t length = Ms(40 * kMinute, 3 * kHour);
    auto device = FreeDevice(site, length, &start);
    if (!device) return;
    const size_t mark = events_.size();
    Emit(start, *device, "attestation.quarantined",
         {{"reason", "measurement mismatch"}, {"component", "keel-edge"}});
    Emit(start + length, *device, "attestation.restored", {{"version", "1.4.2"}});
    Record(mark, "compromised", site.id, {*device}, true);
  }

  void PlaceDeviceFaults() {
    for (size_t s = 0; s < sites_.size(); ++s) {
      const SiteLayout& site = sites_[s];
      BearingWear(site);
      BearingWear(site);
      SensorFault(site, "drift");
      SensorFault(site, "stuck");
      Flapping(site);
      Flapping(site);
      Overheating(site);
      if (s != 1) Overheating(site);
      if (s == 2) Compromised(site);
    }
  }

  // --- noise and delivery -------------------------------------------------

  void AddNoise() {
    static constexpr const char* kModes[] = {"run", "idle", "cleaning", "run"};
    const double rate_per_ms = o_.blips_per_device_hour / static_cast<double>(kHour);
    for (const auto& site : sites_) {
      for (const auto& d : site.devices) {
        for (double t = static_cast<double>(begin_);;) {
          t += -std::log(1.0 - rng_.Uniform()) / rate_per_ms;
          if (t >= static_cast<double>(end_ - kMinute)) break;
          // Mostly a few seconds; sometimes long enough to be notified.
          const double r = rng_.Uniform();
          const int64_t lasting = r < 0.8    ? Ms(1 * kSecond, 15 * kSecond)
                                  : r < 0.95 ? Ms(15 * kSecond, 30 * kSecond)
                                             : Ms(30 * kSecond, 90 * kSecond);
          const auto from = static_cast<int64_t>(t);
          if (!Free(d, from, from + lasting, 10 * kMinute)) continue;
          Episode(d, "anomaly", from, from + lasting, AnomalyData(U(1.02, 1.4), "noise"),
                  AnomalyData(U(0.6, 0.95), "noise"));
        }
        for (int64_t t = begin_ + Ms(0, 6 * kHour); t < end_; t += Ms(3 * kHour, 9 * kHour)) {
          if (Reachable(d, t, t)) Emit(t, d, "mode.changed", {{"mode", kModes[Pick(4)]}});
        }
      }
    }
  }

  // Arrival order: most events on time, some late (out of order by up to
  // 4.5 s), some detections delivered twice (the same event again).
  std::vector<ScenarioEvent> Deliver() {
    std::vector<ScenarioEvent> out;
    out.reserve(events_.size() + events_.size() / 16);
    std::sort(events_.begin(), events_.end(), [](const auto& a, const auto& b) {
      return std::tie(a.t_ms, a.device, a.type) < std::tie(b.t_ms, b.device, b.type);
    });
    for (auto& e : events_) {
      e.arrival_ms = e.t_ms + (Chance(o_.late_rate) ? Ms(100, 4500) : 0);
      if (Chance(o_.duplicate_rate)) {
        ScenarioEvent copy = e;
        copy.arrival_ms = e.arrival_ms + Ms(50, 3000);
        out.push_back(std::move(copy));
      }
      out.push_back(std::move(e));
    }
    std::stable_sort(out.begin(), out.end(),
                     [](const auto& a, const auto& b) { return a.arrival_ms < b.arrival_ms; });
    return out;
  }

  const ScenarioOptions o_;
  SeededRandom rng_;
  const int64_t begin_, end_;
  json topology_;
  std::vector<SiteLayout> sites_;
  std::vector<ScenarioEvent> events_;
  std::vector<Fault> faults_;
  std::map<std::string, std::vector<Interval>> busy_;     // device -> fault windows
  std::map<std::string, std::vector<Interval>> offline_;  // device -> offline windows
};

}  // namespace

std::string AlertNameOfType(std::string_view type) {
  if (type == "device.offline" || type == "device.online") return "device.offline";
  if (type.starts_with("attestation.")) return "attestation";
  for (std::string_view suffix : {".raised", ".cleared"}) {
    if (type.size() > suffix.size() && type.ends_with(suffix)) {
      return std::string(type.substr(0, type.size() - suffix.size()));
    }
  }
  return std::string(type);
}

Scenario GenerateScenario(const ScenarioOptions& options) { return Generator(options).Run(); }

std::string EventLine(const ScenarioEvent& event) {
  json line = {{"t", event.t_ms}, {"device", event.device}, {"type", event.type}};
  if (!event.data.empty()) line["data"] = event.data;
  return line.dump();
}

json FaultsToJson(const std::vector<Fault>& faults) {
  json out = json::array();
  for (const auto& f : faults) {
    out.push_back({{"id", f.id},
                   {"kind", f.kind},
                   {"site", f.site},
                   {"devices", f.devices},
                   {"alerts", f.alerts},
                   {"start_ms", f.start_ms},
                   {"end_ms", f.end_ms}});
  }
  return {{"faults", std::move(out)}};
}

Result<std::vector<Fault>> FaultsFromJson(const json& doc) {
  if (!doc.is_object() || !doc.contains("faults") || !doc["faults"].is_array()) {
    return Status::InvalidArgument("faults: expected {\"faults\": [...]}");
  }
  std::vector<Fault> faults;
  for (size_t i = 0; i < doc["faults"].size(); ++i) {
    const json& f = doc["faults"][i];
    const std::string where = fmt::format("faults[{}]", i);
    if (!f.is_object() || !f.contains("id") || !f["id"].is_string() || !f.contains("kind") ||
        !f["kind"].is_string() || !f.contains("devices") || !f["devices"].is_array() ||
        f["devices"].empty() || !f.contains("start_ms") || !f["start_ms"].is_number_integer() ||
        !f.contains("end_ms") || !f["end_ms"].is_number_integer()) {
      return Status::InvalidArgument(
          where + ": needs id, kind (strings), devices (non-empty), start_ms, end_ms (integers)");
    }
    Fault fault;
    fault.id = f["id"].get<std::string>();
    fault.kind = f["kind"].get<std::string>();
    fault.site = f.value("site", "");
    for (const auto& d : f["devices"]) {
      if (!d.is_string()) return Status::InvalidArgument(where + ".devices: expected strings");
      fault.devices.push_back(d.get<std::string>());
    }
    if (f.contains("alerts") && f["alerts"].is_array()) {
      for (const auto& a : f["alerts"]) {
        if (!a.is_string()) return Status::InvalidArgument(where + ".alerts: expected strings");
        fault.alerts.push_back(a.get<std::string>());
      }
    }
    if (fault.alerts.empty()) return Status::InvalidArgument(where + ".alerts: expected names");
    fault.start_ms = f["start_ms"].get<int64_t>();
    fault.end_ms = f["end_ms"].get<int64_t>();
    if (fault.end_ms < fault.start_ms) {
      return Status::InvalidArgument(where + ": end_ms before start_ms");
    }
    faults.push_back(std::move(fault));
  }
  return faults;
}

Status WriteScenario(const Scenario& scenario, const std::filesystem::path& dir) {
  KEEL_RETURN_IF_ERROR(EnsureDirectory(dir));
  std::string lines;
  for (const auto& e : scenario.events) lines += EventLine(e) + "\n";
  KEEL_RETURN_IF_ERROR(WriteFileAtomic(dir / "topology.json", scenario.topology.dump(1) + "\n"));
  KEEL_RETURN_IF_ERROR(WriteFileAtomic(dir / "events.jsonl", lines));
  return WriteFileAtomic(dir / "faults.json", FaultsToJson(scenario.faults).dump(1) + "\n");
}

}  // namespace keel::bench
