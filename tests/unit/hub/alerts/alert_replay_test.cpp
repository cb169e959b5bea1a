#include "hub/alerts/alert_replay.h"

#include <gtest/gtest.h>

#include <sstream>

namespace keel::hub::alerts {
namespace {

constexpr int64_t kT0 = 1'800'000'000'000;

std::string Line(int64_t t, const std::string& device, const std::string& type,
                 nlohmann::json data = nullptr) {
  nlohmann::json line = {{"t", t}, {"device", device}, {"type", type}};
  if (!data.is_null()) line["data"] = std::move(data);
  return line.dump() + "\n";
}

Labels Topology(const std::string& device) {
  if (device == "gw-1") return {{"site", "north"}, {"role", "gateway"}};
  if (device.starts_with("d")) return {{"site", "north"}, {"gateway", "gw-1"}};
  return {{"site", "south"}};
}

nlohmann::json Replay(const std::string& text, ReplayOptions options = {}) {
  options.context = Topology;
  std::istringstream in(text);
  auto report = ReplayAlerts(in, "events.jsonl", options);
  EXPECT_TRUE(report.ok()) << report.status().ToString();
  return report.ok() ? *report : nlohmann::json();
}

TEST(AlertReplayTest, GatewayOutageIsOneIncidentWithEveryMemberEvent) {
  std::string text;
  for (int i = 0; i < 4; ++i) text += Line(kT0 + i, "d" + std::to_string(i), "device.offline");
  text += Line(kT0 + 500, "gw-1", "device.offline");
  text += "\n";                                                      // blank lines are skipped
  text += Line(kT0 + 700, "d1", "mode.changed", {{"mode", "off"}});  // not an alert
  text += Line(kT0 + 900, "pump-9", "sensor_fault.raised", {{"signal", "temp"}});
  const nlohmann::json report = Replay(text);
  EXPECT_EQ(report["events"], 7);
  EXPECT_EQ(report["raw_detections"], 6);
  EXPECT_EQ(report["notifications"], 2);
  ASSERT_EQ(report["incidents"].size(), 2u);
  const nlohmann::json& outage = report["incidents"][0];
  EXPECT_EQ(outage["member_events"], nlohmann::json::array({1, 2, 3, 4, 5}));
  EXPECT_EQ(outage["first_event_ms"], kT0);
  EXPECT_EQ(outage["last_event_ms"], kT0 + 500);
  EXPECT_TRUE(outage["notified"]);
  EXPECT_EQ(report["incidents"][1]["member_events"], nlohmann::json::array({8}));
  EXPECT_EQ(report["correlator"]["incidents_merged"], 4);
}

TEST(AlertReplayTest, FlappingSensorStaysOneIncident) {
  std::string text;
  for (int i = 0; i < 40; ++i) {
    const int64_t t = kT0 + i * 60'000;
    text += Line(t, "pump-1", i % 2 == 0 ? "sensor_fault.raised" : "sensor_fault.cleared",
                 {{"signal", "vibration"}});
  }
  const nlohmann::json report = Replay(text);
  EXPECT_EQ(report["raw_detections"], 40);
  ASSERT_EQ(report["incidents"].size(), 1u);
  EXPECT_EQ(report["notifications"], 1);
  EXPECT_EQ(report["incidents"][0]["member_events"].size(), 40u);
}

TEST(AlertReplayTest, BadLinesAreRejectedWithTheirLineNumber) {
  auto error = [](const std::string& text) {
    std::istringstream in(text);
    auto report = ReplayAlerts(in, "events.jsonl", ReplayOptions{});
    EXPECT_FALSE(report.ok()) << text;
    return report.ok() ? std::string() : report.status().message();
  };
  const std::string good = Line(kT0, "d1", "anomaly.raised");
  EXPECT_EQ(error(good + "{\n"), "events.jsonl:2: not valid JSON at byte 2");
  EXPECT_EQ(error(R"({"t": 1800000000000, "type": "a.raised", "t": 1800000000001})"),
            "events.jsonl:1: t: given twice");
  EXPECT_EQ(error(good + R"({"t": "now", "type": "x.raised"})" + "\n"),
            "events.jsonl:2.t: expected an integer, got string");
  EXPECT_EQ(error(R"({"t": 1800000000000, "type": "a.raised", "dev": "x"})"),
            "events.jsonl:1.dev: unknown member");
  EXPECT_EQ(error(R"({"t": 1800000000000})"), "events.jsonl:1.type: missing");
  EXPECT_EQ(error(R"({"t": 17, "type": "a.raised"})"),
            "events.jsonl:1.t: 17 is not between 2000-01-01 and 2100-01-01");
  EXPECT_EQ(error(R"({"t": 1800000000000, "type": "a.raised", "data": [1]})"),
            "events.jsonl:1.data: expected an object, got array");
  EXPECT_EQ(error("[1, 2]"), "events.jsonl:1: expected a JSON object, got array");
  EXPECT_NE(error(good + Line(kT0 - 120'000, "d1", "anomaly.cleared")).find("events.jsonl:2: t"),
            std::string::npos);
}

TEST(AlertReplayTest, YearsOfQuietCostFewTicksAndTimersStillFire) {
  const int64_t year = 365LL * 24 * 3600 * 1000;
  const std::string text = Line(kT0, "d1", "anomaly.raised") +
                           Line(kT0 + 60'000, "d1", "anomaly.cleared") +
                           Line(kT0 + 50 * year, "d2", "anomaly.raised");
  const nlohmann::json report = Replay(text);
  ASSERT_EQ(report["incidents"].size(), 2u);
  EXPECT_EQ(report["incidents"][0]["state"], "resolved");
  EXPECT_EQ(report["notifications"], 3) << "opened, resolved, and the second one opened";
}

TEST(AlertReplayTest, SmallDisorderIsAccepted) {
  const std::string text =
      Line(kT0 + 5'000, "d1", "anomaly.raised") + Line(kT0 + 1'000, "d2", "anomaly.raised");
  const nlohmann::json report = Replay(text);
  EXPECT_EQ(report["raw_detections"], 2);
}

}  // namespace
}  // namespace keel::hub::alerts
