#include "hub/rules/rule_set.h"

#include <gtest/gtest.h>

#include <string>

#include "common/files.h"

namespace keel::hub::rules {
namespace {

std::string ErrorOf(std::string_view text) {
  auto set = ParseRuleSet(text, "rules.json");
  EXPECT_FALSE(set.ok()) << text;
  return set.ok() ? "" : std::string(set.status().message());
}

TEST(RuleSetTest, ParsesEveryKindOfRule) {
  auto set = ParseRuleSet(R"({"rules": [
    {"name": "pump-hot", "when": "avg('motor.temperature', 1m) > 85",
     "clear": "avg('motor.temperature', 1m) < 80", "for": "2m", "severity": "critical",
     "scope": {"sites": ["north"], "tags": {"line": "A"}}, "summary": "Motor running hot"},
    {"name": "score-high", "on": "detection", "when": "score >= 0.9"},
    {"name": "heartbeat", "on": "absence", "timeout": "2m", "series": "motor.current"}
  ]})",
                          "rules.json");
  ASSERT_TRUE(set.ok()) << set.status().ToString();
  ASSERT_EQ(set->rules.size(), 3u);
  const HubRule& hot = set->rules[0];
  EXPECT_EQ(hot.on, RuleOn::kSeries);
  EXPECT_EQ(hot.for_ms, 120'000);
  EXPECT_EQ(hot.severity, alerts::Severity::kCritical);
  ASSERT_TRUE(hot.clear.has_value());
  EXPECT_EQ(hot.scope.sites, std::vector<std::string>{"north"});
  EXPECT_EQ(hot.summary, "Motor running hot");
  EXPECT_EQ(set->rules[1].on, RuleOn::kDetection);
  EXPECT_EQ(set->rules[1].severity, alerts::Severity::kWarning);
  EXPECT_EQ(set->rules[2].on, RuleOn::kAbsence);
  EXPECT_EQ(set->rules[2].timeout_ms, 120'000);
  EXPECT_EQ(set->rules[2].heartbeat_series, "motor.current");
  EXPECT_EQ(set->document["rules"].size(), 3u);
}

TEST(RuleSetTest, RejectsInvalidRulesWithTheirPath) {
  EXPECT_EQ(ErrorOf(R"({"rules": [{"name": "a", "when": "value('x') >"}]})"),
            "rules.json: rules[0].when: column 13: expected a value, found the end");
  EXPECT_EQ(ErrorOf(R"({"rules": [{"name": "a", "when": "true"}, {"name": "a", "when": "true"}]})"),
            "rules.json: rules[1].name: \"a\" is already the name of another rule");
  EXPECT_EQ(ErrorOf(R"({"rules": [{"name": "a b", "when": "true"}]})"),
            "rules.json: rules[0].name: must be 1 to 64 of A-Z a-z 0-9 . _ -");
  EXPECT_EQ(ErrorOf(R"({"rules": [{"name": "a", "when": "true", "colour": "red"}]})"),
            "rules.json: rules[0].colour: unknown member");
  EXPECT_EQ(ErrorOf(R"({"rules": [{"name": "a", "on": "telepathy", "when": "true"}]})"),
            "rules.json: rules[0].on: \"telepathy\": expected series, detection or absence");
  EXPECT_EQ(ErrorOf(R"({"rules": [{"name": "a"}]})"), "rules.json: rules[0].when: required");
  EXPECT_EQ(ErrorOf(R"({"rules": [{"name": "a", "on": "absence"}]})"),
            "rules.json: rules[0].timeout: required for an absence rule");
  EXPECT_EQ(
      ErrorOf(R"({"rules": [{"name": "a", "on": "absence", "timeout": "10", "when": "true"}]})"),
      "rules.json: rules[0].when: an absence rule has only \"timeout\" and \"series\"");
  EXPECT_EQ(ErrorOf(R"({"rules": [{"name": "a", "on": "absence", "timeout": "10"}]})"),
            "rules.json: rules[0].timeout: duration \"10\": expected a number and a unit (ms, "
            "s, m, h, d), e.g. 10m");
  EXPECT_EQ(ErrorOf(R"({"rules": [{"name": "a", "on": "absence", "timeout": "10ms"}]})"),
            "rules.json: rules[0].timeout: must be 1000ms to 604800000ms");
  EXPECT_EQ(
      ErrorOf(R"({"rules": [{"name": "a", "on": "detection", "when": "true", "for": "1m"}]})"),
      "rules.json: rules[0].for: only series rules have it");
  EXPECT_EQ(ErrorOf(R"({"rules": [{"name": "a", "when": "score > 1"}]})"),
            "rules.json: rules[0].when: column 1: \"score\" reads a detection: only in rules "
            "with \"on\": \"detection\"");
  EXPECT_EQ(ErrorOf(R"({"rules": [{"name": "a", "when": "true", "severity": "urgent"}]})"),
            "rules.json: rules[0].severity: \"urgent\": expected info, warning or critical");
  EXPECT_EQ(ErrorOf(R"({"rules": [{"name": "a", "when": "true", "scope": {"site": "x"}}]})"),
            "rules.json: rules[0].scope.site: unknown member");
  EXPECT_EQ(ErrorOf(R"({"rules": {}})"), "rules.json: rules: expected an array, got object");
  EXPECT_EQ(ErrorOf(R"({"rules": [], "rules": []})"), "rules.json: rules: given twice");
  EXPECT_NE(ErrorOf("{\"rules\": [").find("rules.json"), std::string::npos);
}

TEST(RuleSetTest, TheDemoRulesParse) {
  const std::string path = KEEL_SOURCE_DIR "/examples/plant/hub-rules.json";
  auto text = ReadFile(path);
  ASSERT_TRUE(text.ok()) << text.status().ToString();
  auto set = ParseRuleSet(*text, path);
  ASSERT_TRUE(set.ok()) << set.status().ToString();
  EXPECT_EQ(set->rules.size(), 2u);
}

TEST(RuleSetTest, ScopeMatchesEveryGivenPart) {
  RuleScope scope;
  EXPECT_TRUE(scope.Matches("pump-1", {}));
  scope.sites = {"north", "south"};
  scope.tags = {{"line", "A"}};
  EXPECT_TRUE(scope.Matches("pump-1", {{"site", "north"}, {"line", "A"}}));
  EXPECT_FALSE(scope.Matches("pump-1", {{"site", "north"}, {"line", "B"}}));
  EXPECT_FALSE(scope.Matches("pump-1", {{"site", "east"}, {"line", "A"}}));
  EXPECT_FALSE(scope.Matches("pump-1", {{"line", "A"}}));
  scope.devices = {"pump-2"};
  EXPECT_FALSE(scope.Matches("pump-1", {{"site", "north"}, {"line", "A"}}));
  EXPECT_TRUE(scope.Matches("pump-2", {{"site", "north"}, {"line", "A"}}));
}

}  // namespace
}  // namespace keel::hub::rules
