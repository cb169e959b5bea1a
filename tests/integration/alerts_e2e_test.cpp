// End-to-end: contextual alerting in a real keel-hub. Devices report
// through the real broker (state messages and detections in telemetry
// batches); the hub's bus feeds the correlator; operators see incidents
// through keelctl. Checks: an offline gateway is one incident with its
// devices' alarms attached and one notification; a flapping sensor is one
// incident; open incidents survive a hub kill -9; clears resolve them; hub
// rules set with keelctl raise incidents from a device's series and from
// its silence.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "integration/hub_process.h"

namespace keel {
namespace {

using nlohmann::json;

constexpr int64_t kT0 = 1'800'000'000'000;

std::string State(bool online, int64_t t) {
  return json{{"online", online},     {"t", t},
              {"outbox_depth", 0},    {"outbox_bytes", 0},
              {"dropped_total", 0},   {"cert_not_after", kT0 + 86'400'000},
              {"agent", "e2e-test/1"}}
      .dump();
}

std::string Samples(uint64_t seq, const std::string& series, int64_t t, double value) {
  return json{{"seq", seq}, {"series", {{series, {{t, value}}}}}, {"events", json::array()}}.dump();
}

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string Detection(uint64_t seq, const std::string& type, int64_t t, json data) {
  return json{{"seq", seq},
              {"series", json::object()},
              {"events", json::array({{{"type", type}, {"t", t}, {"data", std::move(data)}}})}}
      .dump();
}

class AlertsE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto policy = tmp_.path() / "alert-policy.json";
    std::ofstream(policy) << R"({"group_wait_ms": 3000, "group_interval_ms": 1000,
                                 "resolve_after_ms": 1500, "reopen_window_ms": 60000,
                                 "flap_transitions": 4, "flap_window_ms": 20000})";
    hub_ = std::make_unique<HubProcess>(
        tmp_.path(), std::vector<std::string>{"--alert-policy", policy.string()});
    hub_->Start();
  }

  json Incidents(const std::string& state) {
    auto [rc, out] = hub_->Keelctl({"--json", "incident", "list", "--state", state});
    if (rc != 0) return json::array();
    auto parsed = json::parse(out, nullptr, false);
    return parsed.is_discarded() ? json::array() : parsed["incidents"];
  }
  size_t Notifications(const std::string& reason) {
    auto [rc, out] = hub_->Keelctl({"metrics"});
    const std::string series = "keel_alerts_notifications_total{reason=\"" + reason + "\"} ";
    const size_t at = out.find(series);
    return at == std::string::npos ? 0 : std::stoul(out.substr(at + series.size()));
  }
  void Tag(const std::string& device, std::vector<std::string> tags) {
    std::vector<std::string> args = {"device", "tag", device};
    args.insert(args.end(), tags.begin(), tags.end());
    auto [rc, out] = hub_->Keelctl(args);
    ASSERT_EQ(rc, 0) << out;
  }

  TempDir tmp_;
  std::unique_ptr<HubProcess> hub_;
};

TEST_F(AlertsE2eTest, GatewayOutageIsOneIncidentThatSurvivesAHubCrashAndResolves) {
  std::map<std::string, std::filesystem::path> ids;
  for (const std::string id : {"gw-1", "d1", "d2", "d3"}) ids[id] = hub_->EnrollDevice(id);
  Tag("gw-1", {"site=north"});
  for (const std::string id : {"d1", "d2", "d3"}) Tag(id, {"site=north", "gateway=gw-1"});
  // The hub reads tags at most every 10 s: let that pass before the outage.
  std::this_thread::sleep_for(std::chrono::seconds(11));
  int64_t t = kT0;
  auto state = [&](const std::string& id, bool online) {
    ASSERT_EQ(
        hub_->Publish(ids[id], "keel/v1/" + id + "/state", State(online, t += 100), id + "-state"),
        0);
  };
  for (const auto& [id, dir] : ids) state(id, true);
  // The devices' alarms first, then their gateway's.
  for (const std::string id : {"d1", "d2", "d3"}) state(id, false);
  state("gw-1", false);

  json active;
  ASSERT_TRUE(Eventually(
      [&] {
        active = Incidents("active");
        return active.size() == 1 && active[0]["members"].size() == 4 &&
               Notifications("opened") == 1;
      },
      std::chrono::seconds(20)))
      << active.dump(2) << hub_->Log();
  const int64_t id = active[0]["id"];
  EXPECT_EQ(active[0]["group_key"], "site=north,device=gw-1");
  EXPECT_EQ(Notifications("opened"), 1u) << "the devices' alarms notify nobody";

  hub_->Kill9();
  hub_->Start();
  auto [rc, shown] = hub_->Keelctl({"--json", "incident", "show", std::to_string(id)});
  ASSERT_EQ(rc, 0) << shown;
  EXPECT_EQ(json::parse(shown)["state"], "open") << "open incidents survive a crash";

  for (const auto& [device, dir] : ids) state(device, true);
  ASSERT_TRUE(Eventually(
      [&] {
        auto [src, out] = hub_->Keelctl({"--json", "incident", "show", std::to_string(id)});
        return src == 0 && json::parse(out)["state"] == "resolved";
      },
      std::chrono::seconds(20)))
      << hub_->Log();
  EXPECT_TRUE(Incidents("active").empty());
}

TEST_F(AlertsE2eTest, FlappingSensorIsOneIncidentNotifiedOnce) {
  const auto dir = hub_->EnrollDevice("pump-1");
  // Event times must not be in the future for the hub's ingest.
  const int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  uint64_t seq = 0;
  for (int i = 0; i < 12; ++i) {
    const std::string type = i % 2 == 0 ? "sensor_fault.raised" : "sensor_fault.cleared";
    ASSERT_EQ(hub_->Publish(dir, "keel/v1/pump-1/telemetry",
                            Detection(++seq, type, now + i * 10, {{"signal", "vibration"}}),
                            "pump-1-" + std::to_string(i)),
              0);
    // Firing spells longer than the correlator's 1 s tick, so the opened
    // notification is decided while it fires.
    std::this_thread::sleep_for(std::chrono::milliseconds(i % 2 == 0 ? 1500 : 500));
  }
  json all;
  ASSERT_TRUE(Eventually(
      [&] {
        all = Incidents("active");
        return all.size() == 1 && all[0]["raw_events"] == 12;
      },
      std::chrono::seconds(20)))
      << all.dump(2);
  EXPECT_TRUE(all[0]["members"][0]["flapping"]);
  EXPECT_EQ(Notifications("opened"), 1u);
  auto [rc, table] = hub_->Keelctl({"incident", "list", "--state", "active"});
  ASSERT_EQ(rc, 0);
  EXPECT_NE(table.find("sensor_fault on device=pump-1"), std::string::npos) << table;
}

TEST_F(AlertsE2eTest, HubRulesRaiseIncidentsFromSeriesAndSilence) {
  const auto dir = hub_->EnrollDevice("pump-1");
  const auto rules = tmp_.path() / "rules.json";
  std::ofstream(rules) << R"({"rules": [
      {"name": "hot", "when": "value('motor.temperature') > 80",
       "clear": "value('motor.temperature') < 75", "severity": "critical"},
      {"name": "heartbeat", "on": "absence", "timeout": "8s", "series": "motor.temperature"}]})";
  auto [rc, out] = hub_->Keelctl({"rules", "set", rules.string()});
  ASSERT_EQ(rc, 0) << out;
  uint64_t seq = 0;
  auto report = [&](double value) {
    ++seq;
    ASSERT_EQ(hub_->Publish(dir, "keel/v1/pump-1/telemetry",
                            Samples(seq, "motor.temperature", NowMs(), value),
                            "pump-1-" + std::to_string(seq)),
              0);
  };
  // Hot for longer than group_wait (3 s): one critical incident, notified.
  for (int i = 0; i < 5; ++i) {
    report(i == 0 ? 70 : 86);
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
  json active;
  ASSERT_TRUE(Eventually(
      [&] {
        active = Incidents("active");
        return active.size() == 1 && Notifications("opened") == 1;
      },
      std::chrono::seconds(20)))
      << active.dump(2) << hub_->Log();
  const json& member = active[0]["members"][0];
  EXPECT_EQ(member["name"], "rule");
  EXPECT_EQ(member["labels"]["rule"], "hot");
  EXPECT_EQ(member["labels"]["source"], "hub");
  EXPECT_EQ(active[0]["severity"], "critical");
  std::tie(rc, out) = hub_->Keelctl({"rules", "status"});
  EXPECT_NE(out.find("raised"), std::string::npos) << out;

  // Between the levels it stays raised; below the clear level it clears.
  report(78);
  report(72);
  const int64_t id = active[0]["id"];
  ASSERT_TRUE(Eventually(
      [&] {
        auto [src, shown] = hub_->Keelctl({"--json", "incident", "show", std::to_string(id)});
        return src == 0 && json::parse(shown)["state"] == "resolved";
      },
      std::chrono::seconds(20)))
      << hub_->Log();

  // Silent for longer than the heartbeat timeout: offline by the rule (the
  // same device's incident, reopened or new).
  json offline_member;
  ASSERT_TRUE(Eventually(
      [&] {
        active = Incidents("active");
        if (active.size() != 1) return false;
        for (const auto& m : active[0]["members"]) {
          if (m["name"] == "device.offline" && m["firing"] == true) offline_member = m;
        }
        return !offline_member.is_null();
      },
      std::chrono::seconds(25)))
      << active.dump(2) << hub_->Log();
  EXPECT_EQ(offline_member["labels"]["rule"], "heartbeat");
  report(70);  // reporting again clears it
  const int64_t offline = active[0]["id"];
  ASSERT_TRUE(Eventually(
      [&] {
        auto [src, shown] = hub_->Keelctl({"--json", "incident", "show", std::to_string(offline)});
        return src == 0 && json::parse(shown)["state"] == "resolved";
      },
      std::chrono::seconds(20)))
      << hub_->Log();
}

}  // namespace
}  // namespace keel
