#include "hub/rules/rule_engine.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace keel::hub::rules {
namespace {

using nlohmann::json;

RuleSet Rules(std::string_view text) {
  auto set = ParseRuleSet(text, "test rules");
  EXPECT_TRUE(set.ok()) << set.status().ToString();
  return set.ok() ? std::move(*set) : RuleSet{};
}

// A telemetry event carrying samples of one series: {t, v} pairs.
bus::Event Samples(const std::string& device, const std::string& series,
                   std::vector<std::pair<int64_t, double>> points) {
  bus::Event e{bus::EventKind::kTelemetry, device, 1, points.empty() ? 0 : points.back().first,
               "telemetry.batch"};
  json list = json::array();
  for (auto [t, v] : points) list.push_back({t, v});
  e.data = {{"series", {series}}, {"points", {{series, list}}}};
  return e;
}

bus::Event Detection(const std::string& device, const std::string& type, int64_t t, json data) {
  return bus::Event{bus::EventKind::kDetection, device, 1, t, type, std::move(data)};
}

// "rule.raised@t" / "device.offline@t" for compact assertions.
std::vector<std::string> Summary(const std::vector<bus::Event>& events) {
  std::vector<std::string> out;
  for (const auto& e : events) out.push_back(e.type + "@" + std::to_string(e.t_ms));
  return out;
}

using Strings = std::vector<std::string>;

TEST(RuleEngineTest, ThresholdWithHysteresis) {
  RuleEngine engine(Rules(R"({"rules": [{"name": "hot", "when": "value('temp') > 80",
      "clear": "value('temp') < 75", "severity": "critical"}]})"));
  EXPECT_TRUE(engine.Watches("temp"));
  EXPECT_FALSE(engine.Watches("pressure"));
  auto out = engine.OnEvent(
      Samples("p1", "temp",
              {{1000, 70}, {2000, 81}, {3000, 78}, {4000, 76}, {5000, 74}, {6000, 90}}),
      {}, 0);
  EXPECT_EQ(Summary(out), (Strings{"rule.raised@2000", "rule.cleared@5000", "rule.raised@6000"}));
  EXPECT_EQ(out[0].kind, bus::EventKind::kDetection);
  EXPECT_EQ(out[0].device, "p1");
  EXPECT_EQ(out[0].data["rule"], "hot");
  EXPECT_EQ(out[0].data["severity"], "critical");
  EXPECT_EQ(out[0].data["source"], "hub");
  EXPECT_EQ(out[0].data["values"]["temp"], 81.0);
}

TEST(RuleEngineTest, ClearsWhenConditionFailsWithoutAClearExpression) {
  RuleEngine engine(Rules(R"({"rules": [{"name": "hot", "when": "value('temp') > 80"}]})"));
  auto out = engine.OnEvent(Samples("p1", "temp", {{1000, 81}, {2000, 80}}), {}, 0);
  EXPECT_EQ(Summary(out), (Strings{"rule.raised@1000", "rule.cleared@2000"}));
}

TEST(RuleEngineTest, ForDurationMustHoldInEveryEvaluation) {
  RuleEngine engine(
      Rules(R"({"rules": [{"name": "hot", "when": "value('temp') > 80", "for": "30s"}]})"));
  // Held from 0 to 20 s, broken at 25 s, held again from 30 s: raises at 60 s.
  std::vector<std::pair<int64_t, double>> points;
  for (int64_t t = 0; t <= 70'000; t += 5'000) points.push_back({t, t == 25'000 ? 70 : 90});
  auto out = engine.OnEvent(Samples("p1", "temp", points), {}, 0);
  EXPECT_EQ(Summary(out), (Strings{"rule.raised@60000"}));
}

TEST(RuleEngineTest, RateOfChangeOverAWindow) {
  RuleEngine engine(
      Rules(R"({"rules": [{"name": "heating-fast", "when": "rate('temp', 1m) > 0.1"}]})"));
  std::vector<std::pair<int64_t, double>> flat, rising;
  for (int64_t s = 0; s < 120; s += 10) flat.push_back({s * 1000, 50});
  for (int64_t s = 120; s < 240; s += 10) rising.push_back({s * 1000, 50 + (s - 110) * 0.2});
  EXPECT_TRUE(engine.OnEvent(Samples("p1", "temp", flat), {}, 0).empty());
  auto out = engine.OnEvent(Samples("p1", "temp", rising), {}, 0);
  ASSERT_FALSE(out.empty());
  EXPECT_EQ(out[0].type, "rule.raised");
}

TEST(RuleEngineTest, LateSamplesAreDroppedAndCounted) {
  RuleEngine engine(Rules(R"({"rules": [{"name": "hot", "when": "value('temp') > 80"}]})"));
  engine.OnEvent(Samples("p1", "temp", {{5000, 70}}), {}, 0);
  auto out = engine.OnEvent(Samples("p1", "temp", {{4000, 99}, {5000, 99}}), {}, 0);
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(engine.stats().late_samples, 2u);
  out = engine.OnEvent(Samples("p1", "temp", {{6000, 99}}), {}, 0);
  EXPECT_EQ(Summary(out), (Strings{"rule.raised@6000"}));
}

TEST(RuleEngineTest, SamplesOfSeveralSeriesAreAppliedPerTimestamp) {
  RuleEngine engine(Rules(
      R"({"rules": [{"name": "overload", "when": "value('current') > 10 and value('temp') > 80"}]})"));
  bus::Event e{bus::EventKind::kTelemetry, "p1", 1, 2000, "telemetry.batch"};
  e.data = {
      {"series", {"current", "temp"}},
      {"points", {{"temp", {{1000, 85}, {2000, 70}}}, {"current", {{1000, 12}, {2000, 12}}}}}};
  auto out = engine.OnEvent(e, {}, 0);
  EXPECT_EQ(Summary(out), (Strings{"rule.raised@1000", "rule.cleared@2000"}));
}

TEST(RuleEngineTest, ScopeRestrictsTheDevices) {
  RuleEngine engine(Rules(R"({"rules": [{"name": "hot", "when": "value('temp') > 80",
      "scope": {"sites": ["north"], "tags": {"line": "A"}}}]})"));
  EXPECT_TRUE(engine.OnEvent(Samples("p1", "temp", {{1000, 90}}), {{"site", "south"}}, 0).empty());
  EXPECT_TRUE(
      engine.OnEvent(Samples("p2", "temp", {{1000, 90}}), {{"site", "north"}, {"line", "B"}}, 0)
          .empty());
  EXPECT_EQ(
      engine.OnEvent(Samples("p3", "temp", {{1000, 90}}), {{"site", "north"}, {"line", "A"}}, 0)
          .size(),
      1u);
}

TEST(RuleEngineTest, BadPointsAreCountedNotFatal) {
  RuleEngine engine(Rules(R"({"rules": [{"name": "hot", "when": "value('temp') > 80"}]})"));
  bus::Event e{bus::EventKind::kTelemetry, "p1", 1, 0, "telemetry.batch"};
  e.data = {{"points", {{"temp", {{1000}, "x", {1.5, 3}, {2000, "hot"}, {3000, 90}}}}}};
  auto out = engine.OnEvent(e, {}, 0);
  EXPECT_EQ(Summary(out), (Strings{"rule.raised@3000"}));
  EXPECT_EQ(engine.stats().bad_points, 4u);
}

TEST(RuleEngineTest, DetectionRuleRaisesOnAMatchingDetectionAndClearsWithIt) {
  RuleEngine engine(Rules(R"({"rules": [{"name": "confident", "on": "detection",
      "when": "type == 'anomaly.raised' and score >= 0.9", "severity": "critical"}]})"));
  EXPECT_TRUE(
      engine.OnEvent(Detection("p1", "anomaly.raised", 1000, {{"score", 0.6}}), {}, 0).empty());
  auto out = engine.OnEvent(Detection("p1", "anomaly.raised", 2000, {{"score", 0.95}}), {}, 0);
  ASSERT_EQ(Summary(out), (Strings{"rule.raised@2000"}));
  EXPECT_EQ(out[0].data["detection"]["data"]["score"], 0.95);
  // Another kind of detection does not clear it; the matching clear does.
  EXPECT_TRUE(
      engine.OnEvent(Detection("p1", "sensor_fault.cleared", 2500, {{"signal", "t"}}), {}, 0)
          .empty());
  out = engine.OnEvent(Detection("p1", "anomaly.cleared", 3000, json::object()), {}, 0);
  EXPECT_EQ(Summary(out), (Strings{"rule.cleared@3000"}));
}

TEST(RuleEngineTest, HubEmittedDetectionsNeverFeedRules) {
  RuleEngine engine(Rules(R"({"rules": [{"name": "any", "on": "detection", "when": "true"}]})"));
  auto out = engine.OnEvent(Detection("p1", "rule.raised", 1000, {{"source", "hub"}}), {}, 0);
  EXPECT_TRUE(out.empty());
  out = engine.OnEvent(Detection("p1", "rule.raised", 1000, {{"rule", "edge-rule"}}), {}, 0);
  EXPECT_EQ(out.size(), 1u);  // the edge's own rules are detections like any other
}

TEST(RuleEngineTest, AbsenceMarksADeviceOfflineAndOnlineAgain) {
  RuleEngine engine(
      Rules(R"({"rules": [{"name": "heartbeat", "on": "absence", "timeout": "2m"}]})"));
  engine.Track("quiet", {}, 0);  // known but never heard from
  engine.OnEvent(Samples("p1", "temp", {{1000, 1}}), {}, 10'000);
  EXPECT_TRUE(engine.Tick(120'000).empty());
  auto out = engine.Tick(120'001);
  ASSERT_EQ(Summary(out), (Strings{"device.offline@120001"}));
  EXPECT_EQ(out[0].device, "quiet");
  EXPECT_EQ(out[0].kind, bus::EventKind::kDeviceOffline);
  EXPECT_EQ(out[0].data["rule"], "heartbeat");
  out = engine.Tick(130'001);
  ASSERT_EQ(Summary(out), (Strings{"device.offline@130001"}));
  EXPECT_EQ(out[0].device, "p1");
  EXPECT_TRUE(engine.Tick(200'000).empty());  // reported once, not every tick
  // The broker saying it is offline is not a report; a batch is.
  EXPECT_TRUE(engine
                  .OnEvent(bus::Event{bus::EventKind::kDeviceOffline, "p1", 0, 0, "device.offline"},
                           {}, 201'000)
                  .empty());
  out = engine.OnEvent(Samples("p1", "temp", {{202'000, 1}}), {}, 202'000);
  ASSERT_EQ(Summary(out), (Strings{"device.online@202000"}));
  EXPECT_EQ(out[0].kind, bus::EventKind::kDeviceOnline);
}

TEST(RuleEngineTest, AbsenceCountsFromWhenTheRuleIsInForce) {
  RuleEngine engine;
  engine.Track("p1", {}, 0);
  // Installed an hour after p1 was last heard of: silence counts from now.
  EXPECT_TRUE(engine
                  .Replace(Rules(R"({"rules": [{"name": "heartbeat", "on": "absence",
                      "timeout": "2m"}]})"),
                           3'600'000)
                  .empty());
  EXPECT_TRUE(engine.Tick(3'600'000 + 120'000).empty());
  EXPECT_EQ(engine.Tick(3'600'000 + 120'001).size(), 1u);
}

TEST(RuleEngineTest, AbsenceOfOneHeartbeatSeries) {
  RuleEngine engine(Rules(R"({"rules": [{"name": "current-missing", "on": "absence",
      "timeout": "10s", "series": "current"}]})"));
  engine.Track("no-current-sensor", {}, 0);
  engine.OnEvent(Samples("p2", "temp", {{0, 1}}), {}, 0);  // never reports "current"
  engine.OnEvent(Samples("p1", "current", {{0, 1}}), {}, 0);
  // Other series keep coming, the heartbeat series does not.
  for (int64_t t = 5000; t <= 20'000; t += 5000) {
    engine.OnEvent(Samples("p1", "temp", {{t, 1}}), {}, t);
  }
  EXPECT_EQ(Summary(engine.Tick(20'000)), (Strings{"device.offline@20000"}));
  EXPECT_TRUE(engine.OnEvent(Samples("p1", "temp", {{21'000, 1}}), {}, 21'000).empty());
  EXPECT_EQ(Summary(engine.OnEvent(Samples("p1", "current", {{22'000, 1}}), {}, 22'000)),
            (Strings{"device.online@22000"}));
}

TEST(RuleEngineTest, ReplacingRulesClearsWhatChangedAndKeepsTheRest) {
  RuleEngine engine(Rules(R"({"rules": [
      {"name": "hot", "when": "value('temp') > 80"},
      {"name": "very-hot", "when": "value('temp') > 90"}]})"));
  EXPECT_EQ(engine.OnEvent(Samples("p1", "temp", {{1000, 95}}), {}, 0).size(), 2u);
  auto out = engine.Replace(Rules(R"({"rules": [
      {"name": "hot", "when": "value('temp') > 80"},
      {"name": "very-hot", "when": "value('temp') > 99"}]})"),
                            5000);
  ASSERT_EQ(Summary(out), (Strings{"rule.cleared@5000"}));
  EXPECT_EQ(out[0].data["rule"], "very-hot");
  EXPECT_EQ(out[0].data["reason"], "rule replaced");
  // "hot" kept its raised state: it clears, and is not raised a second time.
  out = engine.OnEvent(Samples("p1", "temp", {{6000, 85}, {7000, 70}}), {}, 0);
  EXPECT_EQ(Summary(out), (Strings{"rule.cleared@7000"}));
  EXPECT_EQ(engine.Replace(Rules(R"({"rules": []})"), 8000).size(), 0u);
  EXPECT_FALSE(engine.Watches("temp"));
}

TEST(RuleEngineTest, StatesListRaisedAndHolding) {
  RuleEngine engine(Rules(R"({"rules": [
      {"name": "hot", "when": "value('temp') > 80"},
      {"name": "slow", "when": "value('temp') > 80", "for": "1h"}]})"));
  engine.OnEvent(Samples("p1", "temp", {{1000, 95}}), {}, 0);
  auto states = engine.States();
  ASSERT_EQ(states.size(), 2u);
  EXPECT_EQ(states[0].rule, "hot");
  EXPECT_TRUE(states[0].raised);
  EXPECT_EQ(states[1].rule, "slow");
  EXPECT_FALSE(states[1].raised);
  EXPECT_EQ(states[1].since_ms, 1000);
}

TEST(RuleEngineTest, WindowKeepsOnlyWhatTheLongestWindowNeeds) {
  RuleEngine engine(Rules(R"({"rules": [{"name": "busy", "when": "count('temp', 10s) > 100"}]})"));
  // 30,000 samples, 100 per 10 s: without trimming to the window they would
  // pass kMaxSamplesPerSeries and be dropped.
  std::vector<std::pair<int64_t, double>> points;
  for (int64_t t = 0; t < 3'000'000; t += 100) points.push_back({t, 1});
  ASSERT_GT(points.size(), RuleEngine::kMaxSamplesPerSeries);
  auto out = engine.OnEvent(Samples("p1", "temp", points), {}, 0);
  EXPECT_TRUE(out.empty());  // 100 samples per 10 s window, never more
  EXPECT_EQ(engine.stats().dropped_samples, 0u);
}

TEST(RuleEngineTest, ALongWindowKeepsAtMostTheSampleCap) {
  // `or` decides on value() alone, so evaluation stays cheap while the 7 d
  // window keeps every sample: the cap drops the oldest.
  RuleEngine engine(Rules(
      R"({"rules": [{"name": "long", "when": "value('temp') < 2 or count('temp', 7d) < 0"}]})"));
  std::vector<std::pair<int64_t, double>> points;
  const int64_t extra = 5'000;
  for (int64_t i = 0; i < static_cast<int64_t>(RuleEngine::kMaxSamplesPerSeries) + extra; ++i) {
    points.push_back({i * 1000, 1});
  }
  engine.OnEvent(Samples("p1", "temp", points), {}, 0);
  EXPECT_EQ(engine.stats().dropped_samples, static_cast<uint64_t>(extra));
}

}  // namespace
}  // namespace keel::hub::rules
