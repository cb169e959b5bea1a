// End-to-end edge intelligence through the real hub and broker: a keel-edge
// agent with [analytics] watches a simulated pump; its link to the broker is
// cut before a fault develops. The local action (a command) still fires while
// the device is offline, and the events with their context — and the raw
// snippet around them — reach the hub once the link is back.
//
// [edge-intel-5] with the network down, local actions fire and events are
// delivered after reconnection, exactly once.
// [edge-intel-8] an operator gets raw samples on request (keelctl device raw).
// [edge-intel-9] with realtime_priority, the sampler runs under SCHED_FIFO
// when permitted, and the commands its actions start run at normal priority.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "common/files.h"
#include "common/random.h"
#include "common/thread_priority.h"
#include "edge/agent/agent.h"
#include "edge/plant/motor_sensor.h"
#include "integration/hub_process.h"
#include "test_util/tcp_proxy.h"

namespace keel {
namespace {

std::string AgentConfigText(const std::string& id, const std::filesystem::path& identity,
                            const HubProcess& hub, int mqtt_port) {
  return "[device]\nid = \"" + id + "\"\ndir = \"" + identity.string() +
         "\"\n"
         "[hub]\nmqtt = \"mqtts://127.0.0.1:" +
         std::to_string(mqtt_port) + "\"\napi = \"" + hub.api_url() +
         "\"\n"
         "[batch]\ninterval_ms = 500\n"
         "[mqtt]\nreconnect_min_ms = 100\nreconnect_max_ms = 1000\nack_timeout_ms = 2000\n"
         "[[sensor]]\nkind = \"motor\"\nname = \"pump\"\nschedule = \"on@0s\"\n"
         "faults = \"imbalance@30s:factor=6\"\n"
         R"(
[analytics]
window_ms = 1000
learn_windows = 12
raise_windows = 2
clear_windows = 3
detector = "mahalanobis"
detector_params = { threshold = 12.0 }
rules = "rules.toml"
realtime_priority = 20

[analytics.mode]
signal = "pump.current.mean"
off_below = 1.0
running_above = 8.0
ramp_rate_per_s = 2.0

[[analytics.channel]]
name = "pump.vibration"
features = ["rms", "kurtosis", "band"]
band_edges_hz = [0, 40, 80, 160, 500]

[[analytics.channel]]
name = "pump.current"
features = ["mean"]

[analytics.reduction]
raw = "around_events"
snippet_pre_ms = 2000
snippet_post_ms = 1000
)";
}

std::string RulesText(const std::filesystem::path& marker) {
  return R"(
[[rule]]
name = "vibration-high"
input = "pump.vibration.rms"
kind = "for_duration"
above = 0.12
for_ms = 2000
when_mode = ["running"]
severity = "critical"
actions = ["publish", "command:mark"]

[[command]]
name = "mark"
argv = ["/bin/sh", "-c", "echo \"$KEEL_RULE $KEEL_TRANSITION policy=$(cut -d' ' -f41 /proc/$$/stat)\" >> )" +
         marker.string() + R"("]
timeout_ms = 5000
)";
}

// Events of `device` stored at the hub, oldest first.
std::vector<nlohmann::json> HubEvents(const HubProcess& hub, const std::string& device) {
  auto [rc, out] = hub.Keelctl({"--json", "events", "--device", device, "--limit", "1000"});
  if (rc != 0) return {};
  auto parsed = nlohmann::json::parse(out, nullptr, false);
  if (parsed.is_discarded() || !parsed.contains("events")) return {};
  std::vector<nlohmann::json> events(parsed["events"].begin(), parsed["events"].end());
  std::reverse(events.begin(), events.end());
  return events;
}

size_t CountType(const std::vector<nlohmann::json>& events, const std::string& type) {
  return static_cast<size_t>(std::count_if(events.begin(), events.end(),
                                           [&](const auto& e) { return e["type"] == type; }));
}

std::string Describe(const edge::Agent& agent, const HubProcess& hub, const std::string& id) {
  const auto stats = agent.stats();
  std::string out = "samples read " + std::to_string(stats.samples_read) + ", events appended " +
                    std::to_string(stats.events_appended) + ", batches " +
                    std::to_string(stats.batches_appended) + ", acked " +
                    std::to_string(stats.acked_seq);
  if (stats.analytics) {
    out += ", windows " + std::to_string(stats.analytics->windows) + ", events " +
           std::to_string(stats.analytics->events);
  }
  return out + "; hub: " + hub.Keelctl({"--json", "events", "--device", id}).second;
}

TEST(EdgeIntelligenceE2eTest, LocalActionsFireOfflineAndEventsArriveAfterReconnect) {
  ASSERT_TRUE(edge::plant::RegisterPlantSensors().ok());
  TempDir tmp;
  HubProcess hub(tmp.path());
  hub.Start();
  TcpProxy link(hub.mqtt_port());
  const std::string id = "pump-e2e";
  const auto identity = hub.EnrollDevice(id);
  const auto marker = tmp.path() / "actions.log";
  ASSERT_TRUE(WriteFileAtomic(tmp.path() / "rules.toml", RulesText(marker)).ok());
  ASSERT_TRUE(
      WriteFileAtomic(tmp.path() / "edge.toml", AgentConfigText(id, identity, hub, link.port()))
          .ok());
  auto config = edge::LoadAgentConfig(tmp.path() / "edge.toml");
  ASSERT_TRUE(config.ok()) << config.status().ToString();

  SeededRandom random(11);
  edge::Agent agent(std::move(config).value(), SystemClock(), random);
  ASSERT_TRUE(agent.Start().ok());
  ASSERT_TRUE(Eventually([&] { return agent.stats().connected; }, std::chrono::seconds(20)));
  bool realtime_permitted = false;
  std::thread([&] { realtime_permitted = SetCurrentThreadRealtime(1).ok(); }).join();
  EXPECT_TRUE(Eventually([&] { return agent.stats().sampler_realtime == realtime_permitted; },
                         std::chrono::seconds(5)))
      << "sampler_realtime " << agent.stats().sampler_realtime << ", permitted "
      << realtime_permitted;
  ASSERT_TRUE(Eventually([&] { return CountType(HubEvents(hub, id), "model.learned") == 1; },
                         std::chrono::seconds(40)))
      << "the model was not learned: " << Describe(agent, hub, id);

  // The network goes down before the fault (at 30 s) develops.
  link.Cut();
  const auto events_before = HubEvents(hub, id);
  ASSERT_TRUE(Eventually(
      [&] {
        auto log = ReadFile(marker);
        return log.ok() && log->find("vibration-high raised") != std::string::npos;
      },
      std::chrono::seconds(40)))
      << "the local action did not run while offline";
  // SCHED_OTHER is policy 0: the action worker's child did not inherit SCHED_FIFO.
  EXPECT_NE(ReadFile(marker)->find("vibration-high raised policy=0"), std::string::npos)
      << *ReadFile(marker);
  EXPECT_FALSE(agent.stats().connected);
  EXPECT_EQ(CountType(HubEvents(hub, id), "rule.raised"), 0u);
  EXPECT_EQ(HubEvents(hub, id).size(), events_before.size());
  std::this_thread::sleep_for(std::chrono::seconds(3));  // let the raw snippet complete

  link.Restore();
  ASSERT_TRUE(Eventually(
      [&] {
        auto events = HubEvents(hub, id);
        return CountType(events, "rule.raised") == 1 && CountType(events, "anomaly.raised") >= 1;
      },
      std::chrono::seconds(40)))
      << "events were not delivered after reconnection";

  const auto events = HubEvents(hub, id);
  for (const auto& e : events) {
    if (e["type"] == "rule.raised") {
      EXPECT_EQ(e["data"]["rule"], "vibration-high");
      EXPECT_EQ(e["data"]["mode"], "running");
      EXPECT_GT(e["data"]["value"].get<double>(), 0.12);
      EXPECT_TRUE(e["data"]["features"].contains("pump.vibration.rms"));
    }
    if (e["type"] == "anomaly.raised") {
      EXPECT_EQ(e["data"]["model"], "builtin:mahalanobis");
      EXPECT_TRUE(e["data"].contains("snippet"));
      const auto signals = e["data"]["signals"].get<std::vector<std::string>>();
      EXPECT_NE(std::find(signals.begin(), signals.end(), "pump.vibration"), signals.end());
    }
  }
  // Data reduction: features per window at the hub; raw vibration only from
  // the snippets around the events.
  auto [rc, series] = hub.Keelctl({"series", "list", id});
  EXPECT_EQ(rc, 0) << series;
  EXPECT_NE(series.find("pump.vibration.rms"), std::string::npos) << series;
  EXPECT_NE(series.find("keel:score"), std::string::npos) << series;
  EXPECT_NE(series.find("pump.vibration\n"), std::string::npos) << series;

  // Raw samples on request: the operator asks for 3 s of raw vibration.
  auto vibration_points = [&] {
    auto [get_rc, text] =
        hub.Keelctl({"series", "get", id, "pump.vibration", "--limit", "1000000"});
    return get_rc == 0 ? std::count(text.begin(), text.end(), '\n') : -1;
  };
  const auto before = vibration_points();
  auto [raw_rc, raw_out] = hub.Keelctl({"device", "raw", id, "--seconds", "3"});
  ASSERT_EQ(raw_rc, 0) << raw_out;
  ASSERT_TRUE(Eventually(
      [&] {
        return CountType(HubEvents(hub, id), "raw.sending") == 1 &&
               vibration_points() >= before + 2500;
      },
      std::chrono::seconds(20)))
      << "raw samples on request did not arrive: " << before << " -> " << vibration_points();

  const auto stats = agent.stats();
  ASSERT_TRUE(stats.analytics.has_value());
  // A short run with two snippets, 500 ms batches and five channels sent raw
  // (make bench measures the steady state).
  EXPECT_GT(stats.analytics->raw_bytes, 5 * stats.bytes_appended)
      << "sent samples " << stats.analytics->sent_samples << ", raw samples "
      << stats.analytics->raw_samples << ", snippets " << stats.analytics->snippets << ", events "
      << events.size() << ", batches " << stats.batches_appended;
  agent.Stop();
}

}  // namespace
}  // namespace keel
