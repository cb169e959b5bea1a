#include "alerts/alertmanager_run.h"

#include <fmt/format.h>
#include <httplib.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include "hub/alerts/alert_from_event.h"
#include "hub/alerts/alert_replay.h"
#include "hub/bus/event.h"
#include "test_util/net.h"
#include "test_util/process.h"
#include "test_util/temp_dir.h"

namespace keel::bench {
namespace {

using hub::alerts::Alert;
using hub::alerts::Labels;
using nlohmann::json;
using SysTime = std::chrono::system_clock::time_point;
using Steady = std::chrono::steady_clock;

// A duration in Alertmanager's syntax: whole milliseconds, at least 1.
std::string Duration(int64_t simulated_ms, double speedup) {
  return fmt::format("{}ms", std::max<int64_t>(1, std::llround(simulated_ms / speedup)));
}

std::string Quote(const std::string& s) { return json(s).dump(); }

std::string Rfc3339(SysTime t) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch());
  const time_t secs = static_cast<time_t>(ms.count() / 1000);
  struct tm tm {};
  gmtime_r(&secs, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms.count() % 1000);
}

// The webhook receiver: every POST is one notification.
class WebhookCounter {
 public:
  void Add(const json& body) {
    std::lock_guard lock(mu_);
    ++notifications_;
    if (body.contains("groupKey") && body["groupKey"].is_string()) {
      groups_.insert(body["groupKey"].get<std::string>());
    }
    if (!body.contains("alerts") || !body["alerts"].is_array()) return;
    for (const auto& a : body["alerts"]) {
      const bool firing = a.value("status", "") == "firing";
      ++(firing ? firing_ : resolved_);
      if (firing) firing_alerts_.emplace_back(notifications_, a);
    }
  }
  json Figures(const LoadedScenario& scenario) const {
    std::lock_guard lock(mu_);
    uint64_t covered = 0;
    json faults = json::array();
    for (const auto& fault : scenario.faults) {
      std::set<std::string> groups;
      std::set<uint64_t> posts;
      for (const auto& [post, a] : firing_alerts_) {
        const json labels = a.value("labels", json::object());
        const std::string device = labels.value("device", "");
        const std::string name = labels.value("alertname", "");
        const int64_t t = std::stoll(a.value("annotations", json::object()).value("t_ms", "0"));
        if (t < fault.start_ms || t > fault.end_ms) continue;
        if (std::find(fault.devices.begin(), fault.devices.end(), device) == fault.devices.end() ||
            std::find(fault.alerts.begin(), fault.alerts.end(), name) == fault.alerts.end()) {
          continue;
        }
        groups.insert(labels.value("site", "") + "/" + device);
        posts.insert(post);
      }
      covered += !groups.empty();
      faults.push_back({{"id", fault.id},
                        {"kind", fault.kind},
                        {"groups", groups.size()},
                        {"notifications", posts.size()}});
    }
    return {{"notifications", notifications_},
            {"alerts_in_notifications", {{"firing", firing_}, {"resolved", resolved_}}},
            {"groups_notified", groups_.size()},
            {"faults", scenario.faults.size()},
            {"faults_covered", covered},
            {"fault_coverage", faults}};
  }

 private:
  mutable std::mutex mu_;
  uint64_t notifications_ = 0, firing_ = 0, resolved_ = 0;
  std::set<std::string> groups_;
  std::vector<std::pair<uint64_t, json>> firing_alerts_;  // (notification number, alert)
};

struct Firing {
  json labels;
  int64_t t_ms = 0;  // simulated time of the raise that started it
  SysTime starts;
};

// Plays the scenario's events to Alertmanager in accelerated time.
class Feeder {
 public:
  Feeder(const LoadedScenario& scenario, const hub::alerts::CorrelationPolicy& policy,
         const AlertmanagerRunOptions& options, httplib::Client& client)
      : scenario_(scenario), policy_(policy), o_(options), client_(client) {}

  Status Run() {
    std::istringstream in(scenario_.events);
    std::string line;
    int64_t clock = 0;
    for (int64_t number = 1; std::getline(in, line); ++number) {
      if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
      KEEL_ASSIGN_OR_RETURN(
          hub::bus::Event event,
          hub::alerts::ParseRecordedEvent(line, fmt::format("events.jsonl:{}", number)));
      if (clock == 0) Start(event.t_ms);
      clock = std::max(clock, event.t_ms);
      KEEL_RETURN_IF_ERROR(AdvanceTo(clock));
      auto labels = scenario_.labels.find(event.device);
      auto alert = hub::alerts::AlertFromEvent(
          event, labels != scenario_.labels.end() ? labels->second : Labels());
      if (alert) KEEL_RETURN_IF_ERROR(Observe(*alert));
    }
    if (clock != 0) KEEL_RETURN_IF_ERROR(AdvanceTo(clock + o_.drain_ms));
    return Status::Ok();
  }

  uint64_t posts() const { return posts_; }

  // How late the feed ran behind its schedule (real ms): what the time
  // scaling costs in fidelity (times `speedup` in simulated ms).
  json Lateness() const {
    std::vector<double> ms = lateness_ms_;
    std::sort(ms.begin(), ms.end());
    auto at = [&](double q) {
      return ms.empty() ? 0.0 : ms[std::min(ms.size() - 1, static_cast<size_t>(q * ms.size()))];
    };
    return {{"p50", at(0.5)}, {"p99", at(0.99)}, {"max", ms.empty() ? 0.0 : ms.back()}};
  }

 private:
  void Start(int64_t sim0) {
    sim0_ = sim0;
    wall0_ = Steady::now() + std::chrono::milliseconds(200);
    sys0_ = std::chrono::system_clock::now() + std::chrono::milliseconds(200);
    next_resend_ = sim0 + o_.resend_ms;
  }
  std::chrono::microseconds Real(int64_t sim_ms) const {
    return std::chrono::microseconds(std::llround((sim_ms - sim0_) * 1000.0 / o_.speedup));
  }
  SysTime Sys(int64_t sim_ms) const { return sys0_ + Real(sim_ms); }

  // Sleeps until the wall clock reaches simulated time `sim`, resending the
  // firing alerts on the way.
  void SleepUntil(Steady::time_point target) {
    std::this_thread::sleep_until(target);
    lateness_ms_.push_back(
        std::chrono::duration<double, std::milli>(Steady::now() - target).count());
  }

  Status AdvanceTo(int64_t sim) {
    while (next_resend_ <= sim) {
      SleepUntil(wall0_ + Real(next_resend_));
      json batch = json::array();
      for (const auto& [fp, f] : firing_) batch.push_back(Payload(f, next_resend_, true));
      if (!batch.empty()) KEEL_RETURN_IF_ERROR(Post(batch));
      next_resend_ += o_.resend_ms;
    }
    SleepUntil(wall0_ + Real(sim));
    now_ = sim;
    return Status::Ok();
  }

  json Payload(const Firing& f, int64_t now, bool firing) const {
    const SysTime ends = firing ? Sys(now + 4 * o_.resend_ms) : Sys(now);
    return {{"labels", f.labels},
            {"annotations", {{"t_ms", std::to_string(f.t_ms)}}},
            {"startsAt", Rfc3339(f.starts)},
            {"endsAt", Rfc3339(ends)}};
  }

  Status Observe(const Alert& alert) {
    const std::string fp = hub::alerts::Fingerprint(alert);
    auto it = firing_.find(fp);
    if (!alert.firing) {
      if (it == firing_.end()) return Status::Ok();
      json batch = json::array({Payload(it->second, now_, false)});
      firing_.erase(it);
      return Post(batch);
    }
    if (it != firing_.end()) return Status::Ok();
    Firing f;
    f.labels = {{"alertname", alert.name},
                {"severity", std::string(hub::alerts::SeverityName(alert.severity))}};
    for (const auto& [k, v] : alert.labels) {
      if (!v.empty()) f.labels[k] = v;  // an empty label is an absent one to Alertmanager
    }
    ExpressSourceLabels(alert, f.labels);
    f.t_ms = alert.t_ms;
    f.starts = Sys(alert.t_ms);
    json batch = json::array({Payload(f, now_, true)});
    firing_[fp] = std::move(f);
    return Post(batch);
  }

  // Keel's (target label == source label) pairs with two names: the source
  // alert gets the target label with the source label's value.
  void ExpressSourceLabels(const Alert& alert, json& labels) const {
    for (const auto& rule : policy_.inhibit) {
      if (rule.source_name != alert.name) continue;
      for (const auto& [target, source] : rule.equal) {
        if (target == source || hub::alerts::LabelOr(alert.labels, "role") != "gateway") continue;
        if (auto v = hub::alerts::LabelOr(alert.labels, source); !v.empty()) {
          labels[target] = std::string(v);
        }
      }
    }
  }

  Status Post(const json& batch) {
    ++posts_;
    auto res = client_.Post("/api/v2/alerts", batch.dump(), "application/json");
    if (!res) return Status::Unavailable("alertmanager: POST /api/v2/alerts failed");
    if (res->status != 200) {
      return Status::Unavailable(
          fmt::format("alertmanager: POST /api/v2/alerts: {} {}", res->status, res->body));
    }
    return Status::Ok();
  }

  const LoadedScenario& scenario_;
  const hub::alerts::CorrelationPolicy& policy_;
  const AlertmanagerRunOptions& o_;
  httplib::Client& client_;
  int64_t sim0_ = 0, now_ = 0, next_resend_ = 0;
  Steady::time_point wall0_;
  SysTime sys0_;
  std::map<std::string, Firing> firing_;
  uint64_t posts_ = 0;
  std::vector<double> lateness_ms_;
};

}  // namespace

Result<std::string> AlertmanagerConfig(const hub::alerts::CorrelationPolicy& policy, double speedup,
                                       const std::string& webhook_url) {
  std::string group_by;
  for (const auto& l : policy.group_by) group_by += (group_by.empty() ? "" : ", ") + Quote(l);
  std::string yml = fmt::format(
      "global:\n  resolve_timeout: {}\n"
      "route:\n  receiver: keel-bench\n  group_by: [{}]\n  group_wait: {}\n"
      "  group_interval: {}\n  repeat_interval: {}\n"
      "receivers:\n  - name: keel-bench\n    webhook_configs:\n"
      "      - url: {}\n        send_resolved: true\n        max_alerts: 0\n",
      Duration(policy.resolve_after_ms, speedup), group_by, Duration(policy.group_wait_ms, speedup),
      Duration(policy.group_interval_ms, speedup), Duration(policy.repeat_interval_ms, speedup),
      Quote(webhook_url));
  if (policy.inhibit.empty()) return yml;
  yml += "inhibit_rules:\n";
  for (const auto& rule : policy.inhibit) {
    std::vector<std::string> source{Quote("alertname=" + Quote(rule.source_name))}, equal;
    for (const auto& [k, v] : rule.source_match) source.push_back(Quote(k + "=" + Quote(v)));
    for (const auto& [target, from] : rule.equal) {
      if (target != from && !(target == "gateway" && from == "device")) {
        return Status::InvalidArgument(
            fmt::format("inhibit rule {}: Alertmanager cannot express {} == source {}",
                        rule.source_name, target, from));
      }
      if (target != from) source.push_back(Quote("role=\"gateway\""));
      equal.push_back(Quote(target));
    }
    yml += fmt::format("  - source_matchers: [{}]\n", fmt::join(source, ", "));
    if (!rule.target_name.empty()) {
      yml +=
          fmt::format("    target_matchers: [{}]\n", Quote("alertname=" + Quote(rule.target_name)));
    }
    yml += fmt::format("    equal: [{}]\n", fmt::join(equal, ", "));
  }
  return yml;
}

Result<json> RunAlertmanager(const LoadedScenario& scenario,
                             const hub::alerts::CorrelationPolicy& policy,
                             const AlertmanagerRunOptions& options) {
  WebhookCounter counter;
  httplib::Server receiver;
  receiver.Post("/webhook", [&](const httplib::Request& req, httplib::Response& res) {
    json body = json::parse(req.body, nullptr, /*allow_exceptions=*/false);
    counter.Add(body.is_discarded() ? json::object() : body);
    res.status = 200;
  });
  const int hook_port = receiver.bind_to_any_port("127.0.0.1");
  if (hook_port <= 0) return Status::Unavailable("webhook receiver: cannot bind 127.0.0.1");
  std::thread serving([&] { receiver.listen_after_bind(); });
  struct StopServer {
    httplib::Server& s;
    std::thread& t;
    ~StopServer() {
      s.stop();
      t.join();
    }
  } stop_server{receiver, serving};

  TempDir dir;
  AlertmanagerRunOptions o = options;
  if (o.drain_ms <= 0) o.drain_ms = policy.group_wait_ms + policy.group_interval_ms + 10'000;
  KEEL_ASSIGN_OR_RETURN(
      std::string yml,
      AlertmanagerConfig(policy, o.speedup, fmt::format("http://127.0.0.1:{}/webhook", hook_port)));
  std::ofstream(dir.path() / "alertmanager.yml") << yml;
  const int port = FreeLoopbackPort();
  auto am = std::make_unique<ChildProcess>(
      std::vector<std::string>{o.executable,
                               "--config.file=" + (dir.path() / "alertmanager.yml").string(),
                               "--storage.path=" + (dir.path() / "data").string(),
                               fmt::format("--web.listen-address=127.0.0.1:{}", port),
                               "--cluster.listen-address=", "--log.level=warn"},
      dir.path() / "am.out", dir.path() / "am.err");
  httplib::Client client("127.0.0.1", port);
  client.set_connection_timeout(2);
  client.set_read_timeout(10);
  bool ready = false;
  for (int i = 0; i < 200 && !ready; ++i) {
    auto res = client.Get("/-/ready");
    ready = res && res->status == 200;
    if (!ready) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  if (!ready) return Status::Unavailable("alertmanager did not become ready: " + am->Stderr());

  const auto start = Steady::now();
  Feeder feeder(scenario, policy, o, client);
  KEEL_RETURN_IF_ERROR(feeder.Run());
  // Notifications already decided may still be on their way.
  std::this_thread::sleep_for(std::chrono::seconds(1));
  const double seconds = std::chrono::duration<double>(Steady::now() - start).count();
  am.reset();
  json figures = counter.Figures(scenario);
  figures["version"] = "prometheus-alertmanager";
  figures["speedup"] = o.speedup;
  figures["config"] = yml;
  figures["posts"] = feeder.posts();
  figures["feed_lateness_real_ms"] = feeder.Lateness();
  figures["real_seconds"] = seconds;
  figures["drain_ms"] = o.drain_ms;
  return figures;
}

}  // namespace keel::bench
