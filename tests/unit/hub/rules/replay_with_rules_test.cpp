// `keel-eval alerts --rules`: a recorded stream through the hub rules and
// then the correlator (ReplayOptions::derive), on the replay clock.
#include <gtest/gtest.h>

#include <sstream>

#include "hub/alerts/alert_replay.h"
#include "hub/rules/rule_engine.h"

namespace keel::hub::rules {
namespace {

constexpr int64_t kT0 = 1'800'000'000'000;

std::string Batch(int64_t t, const std::string& device, double temp) {
  return nlohmann::json{{"t", t},
                        {"device", device},
                        {"type", "telemetry.batch"},
                        {"data", {{"series", {"temp"}}, {"points", {{"temp", {{t, temp}}}}}}}}
             .dump() +
         "\n";
}

TEST(ReplayWithRulesTest, RuleDetectionsAndSilenceBecomeIncidents) {
  auto rules = ParseRuleSet(R"({"rules": [
      {"name": "hot", "when": "value('temp') > 80", "clear": "value('temp') < 75",
       "severity": "critical"},
      {"name": "heartbeat", "on": "absence", "timeout": "1m"}]})",
                            "rules.json");
  ASSERT_TRUE(rules.ok()) << rules.status().ToString();
  RuleEngine engine(std::move(*rules));
  alerts::ReplayOptions options;
  options.policy.group_wait_ms = 5'000;
  options.policy.resolve_after_ms = 30'000;
  options.derive = [&](const bus::Event* event, int64_t now_ms) {
    return event == nullptr ? engine.Tick(now_ms) : engine.OnEvent(*event, {}, now_ms);
  };
  // p1: hot from line 2 for a minute, then cool. p2: reports once, then silent.
  std::string text =
      Batch(kT0, "p1", 70) + Batch(kT0 + 1000, "p1", 90) + Batch(kT0 + 1000, "p2", 60);
  for (int64_t s = 10; s <= 60; s += 10) text += Batch(kT0 + s * 1000, "p1", s < 60 ? 88 : 70);
  for (int64_t s = 70; s <= 200; s += 10) text += Batch(kT0 + s * 1000, "p1", 70);
  std::istringstream in(text);
  auto report = alerts::ReplayAlerts(in, "events.jsonl", options);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  // hot raised + cleared on p1, p2 offline (never back online).
  EXPECT_EQ((*report)["derived_events"], 3) << report->dump(2);
  EXPECT_EQ((*report)["raw_detections"], 3);
  const auto& incidents = (*report)["incidents"];
  ASSERT_EQ(incidents.size(), 2u) << report->dump(2);
  EXPECT_EQ(incidents[0]["priority"], "P1") << "critical at the default criticality";
  EXPECT_EQ(incidents[0]["state"], "resolved");
  EXPECT_EQ(incidents[0]["member_events"], nlohmann::json::array({2, 9}));
  EXPECT_NE(incidents[1]["title"].get<std::string>().find("p2"), std::string::npos);
  EXPECT_EQ(incidents[1]["state"], "open");
  EXPECT_EQ(incidents[1]["member_events"], nlohmann::json::array()) << "decided by a tick";
}

}  // namespace
}  // namespace keel::hub::rules
