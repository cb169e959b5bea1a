#include "edge/rules/rule_parser.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

namespace keel::edge::rules {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

std::vector<RuleConfig> ParseOk(const std::string& text) {
  auto r = ParseRules(text, "rules.toml");
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? std::move(r).value() : std::vector<RuleConfig>{};
}

std::string ParseError(const std::string& text) {
  auto r = ParseRules(text, "rules.toml");
  EXPECT_FALSE(r.ok()) << "parsed: " << text;
  if (r.ok()) return "";
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  return r.status().message();
}

TEST(RuleParserTest, ParsesEveryKindWithDefaults) {
  const auto rules = ParseOk(R"(
[[rule]]
name = "bearing-hot"
input = "motor.temperature.mean"
kind = "threshold"
above = 80
clear_at = 75.5
severity = "critical"
when_mode = ["running", "ramping"]
actions = ["publish", "command:stop-motor"]

[[rule]]
name = "low-flow"
input = "pump.flow"
kind = "for_duration"
below = 1.5
for_ms = 30000
clear_after_ms = 5000

[[rule]]
name = "current-surge"
input = "motor.current.rms"
kind = "rate"
rate_per_s = 2.5
windows = 4
)");
  ASSERT_EQ(rules.size(), 3u);
  const RuleConfig& t = rules[0];
  EXPECT_EQ(t.name, "bearing-hot");
  EXPECT_EQ(t.input, "motor.temperature.mean");
  EXPECT_EQ(t.kind, RuleKind::kThreshold);
  EXPECT_EQ(t.direction, Direction::kAbove);
  EXPECT_EQ(t.level, 80);
  EXPECT_EQ(t.clear_at, 75.5);
  EXPECT_EQ(t.severity, Severity::kCritical);
  EXPECT_EQ(t.when_mode, (std::vector<std::string>{"running", "ramping"}));
  ASSERT_EQ(t.actions.size(), 2u);
  EXPECT_EQ(t.actions[0].kind, RuleAction::Kind::kPublish);
  EXPECT_EQ(t.actions[1].kind, RuleAction::Kind::kCommand);
  EXPECT_EQ(t.actions[1].name, "stop-motor");

  const RuleConfig& d = rules[1];
  EXPECT_EQ(d.kind, RuleKind::kForDuration);
  EXPECT_EQ(d.direction, Direction::kBelow);
  EXPECT_EQ(d.level, 1.5);
  EXPECT_EQ(d.for_ms, 30000);
  EXPECT_EQ(d.clear_after_ms, 5000);
  EXPECT_EQ(d.severity, Severity::kWarning);
  EXPECT_TRUE(d.when_mode.empty());
  ASSERT_EQ(d.actions.size(), 1u);
  EXPECT_EQ(d.actions[0].kind, RuleAction::Kind::kPublish);

  const RuleConfig& r = rules[2];
  EXPECT_EQ(r.kind, RuleKind::kRate);
  EXPECT_EQ(r.rate_per_s, 2.5);
  EXPECT_EQ(r.clear_at, 2.5);
  EXPECT_EQ(r.windows, 4);
}

TEST(RuleParserTest, ThresholdClearDefaultsToLevelAndEmptyFileHasNoRules) {
  const auto rules = ParseOk("[[rule]]\nname='a'\ninput='x'\nkind='threshold'\nbelow=3\n");
  ASSERT_EQ(rules.size(), 1u);
  EXPECT_EQ(rules[0].clear_at, 3);
  EXPECT_TRUE(ParseOk("").empty());
  EXPECT_TRUE(ParseOk("rule = []").empty());
}

TEST(RuleParserTest, TomlSyntaxErrorNamesLineAndColumn) {
  EXPECT_THAT(ParseError("[[rule]]\nname = \"a\nkind = 1\n"), StartsWith("rules.toml:2:"));
}

TEST(RuleParserTest, ErrorsNameFileLineColumnSectionAndKey) {
  struct Case {
    std::string body;  // appended to a [[rule]] header on line 1
    std::string want;
  };
  const std::string base = "name = \"r\"\ninput = \"x\"\n";
  const Case cases[] = {
      {"input = \"x\"\nkind = \"threshold\"\nabove = 1\n", "[rule 1] name: is required"},
      {"name = \"bad name\"\ninput = \"x\"\nkind = \"rate\"\nrate_per_s = 1\n",
       "rules.toml:2:8: [rule 1] name: must match"},
      {base + "kind = \"thresh\"\n", "rules.toml:4:8: [rule 1] kind: must be \"threshold\""},
      {base + "kind = \"threshold\"\n", "[rule 1] above: is required (or below)"},
      {base + "kind = \"threshold\"\nabove = 1\nbelow = 0\n",
       "rules.toml:6:9: [rule 1] below: give either above or below"},
      {base + "kind = \"threshold\"\nabove = \"80\"\n",
       "rules.toml:5:9: [rule 1] above: must be a number, got string"},
      {base + "kind = \"threshold\"\nabove = 80\nclear_at = 90\n",
       "rules.toml:6:12: [rule 1] clear_at: must be <= above (80), got 90"},
      {base + "kind = \"threshold\"\nbelow = 5\nclear_at = 4\n",
       "[rule 1] clear_at: must be >= below (5), got 4"},
      {base + "kind = \"threshold\"\nabove = nan\n", "[rule 1] above: must be a finite number"},
      {base + "kind = \"threshold\"\nabove = 1\nfor_ms = 10\n",
       "rules.toml:6:10: [rule 1] for_ms: does not apply to kind \"threshold\""},
      {base + "kind = \"for_duration\"\nabove = 1\n", "[rule 1] for_ms: is required"},
      {base + "kind = \"for_duration\"\nabove = 1\nfor_ms = -1\n",
       "[rule 1] for_ms: must be between 0 and 604800000, got -1"},
      {base + "kind = \"for_duration\"\nabove = 1\nfor_ms = 1.5\n",
       "[rule 1] for_ms: must be an integer, got float"},
      {base + "kind = \"rate\"\n", "[rule 1] rate_per_s: is required"},
      {base + "kind = \"rate\"\nrate_per_s = 0\n", "[rule 1] rate_per_s: must be > 0, got 0"},
      {base + "kind = \"rate\"\nrate_per_s = 1\nwindows = 1\n",
       "[rule 1] windows: must be between 2 and 1000, got 1"},
      {base + "kind = \"rate\"\nrate_per_s = 1\nclear_at = 2\n",
       "[rule 1] clear_at: must be between 0 and rate_per_s (1), got 2"},
      {base + "kind = \"rate\"\nrate_per_s = 1\nabove = 2\n",
       "[rule 1] above: does not apply to kind \"rate\""},
      {base + "kind = \"threshold\"\nabove = 1\nwhen_mode = \"running\"\n",
       "[rule 1] when_mode: must be an array of strings, got string"},
      {base + "kind = \"threshold\"\nabove = 1\nwhen_mode = [\"running\", 3]\n",
       "[rule 1] when_mode: must hold strings, got integer"},
      {base + "kind = \"threshold\"\nabove = 1\nwhen_mode = [\"sprinting\"]\n",
       "[rule 1] when_mode: unknown mode \"sprinting\""},
      {base + "kind = \"threshold\"\nabove = 1\nseverity = \"fatal\"\n",
       "rules.toml:6:12: [rule 1] severity: must be \"info\", \"warning\" or \"critical\""},
      {base + "kind = \"threshold\"\nabove = 1\nactions = [\"email\"]\n",
       "[rule 1] actions: unknown action \"email\""},
      {base + "kind = \"threshold\"\nabove = 1\nactions = [\"command:\"]\n",
       "[rule 1] actions: unknown action \"command:\""},
      {base + "kind = \"threshold\"\nabove = 1\nthreshold = 2\n",
       "rules.toml:6:13: [rule 1] threshold: unknown key"},
  };
  for (const Case& c : cases) {
    EXPECT_THAT(ParseError("[[rule]]\n" + c.body), HasSubstr(c.want)) << c.body;
  }
}

TEST(RuleParserTest, RejectsBadStructureAndDuplicateNames) {
  EXPECT_THAT(ParseError("[rules]\n"), HasSubstr("rules.toml:1:1: rules: unknown key"));
  EXPECT_THAT(ParseError("rule = 3\n"), HasSubstr("rule: must be an array of tables"));
  EXPECT_THAT(ParseError("rule = [1]\n"), HasSubstr("[rule 1]: must be a table, got integer"));
  const std::string rule =
      "[[rule]]\nname = \"a\"\ninput = \"x\"\nkind = \"rate\"\nrate_per_s = 1\n";
  EXPECT_THAT(ParseError(rule + rule),
              HasSubstr("rules.toml:7:8: [rule 2] name: \"a\" is used by another rule"));
}

constexpr const char* kStopRule = R"([[rule]]
name = "hot"
input = "t"
kind = "threshold"
above = 80
actions = ["publish", "command:stop-motor"]
)";

TEST(RuleParserTest, RuleSetReadsCommandsAndResolvesReferences) {
  auto set = ParseRuleSet(std::string(kStopRule) + R"(
[[command]]
name = "stop-motor"
argv = ["/usr/bin/keel-stop", "--motor", "1"]
timeout_ms = 2500

[[command]]
name = "beep"
argv = ["/bin/true"]
)",
                          "rules.toml");
  ASSERT_TRUE(set.ok()) << set.status().ToString();
  ASSERT_EQ(set->rules.size(), 1u);
  ASSERT_EQ(set->commands.size(), 2u);
  EXPECT_EQ(set->commands[0].name, "stop-motor");
  EXPECT_EQ(set->commands[0].argv,
            (std::vector<std::string>{"/usr/bin/keel-stop", "--motor", "1"}));
  EXPECT_EQ(set->commands[0].timeout_ms, 2500);
  EXPECT_EQ(set->commands[1].timeout_ms, 5000);
}

TEST(RuleParserTest, RuleSetRejectsUndefinedCommandButParseRulesAllowsIt) {
  auto set = ParseRuleSet(kStopRule, "rules.toml");
  ASSERT_FALSE(set.ok());
  EXPECT_THAT(set.status().message(),
              HasSubstr("rules.toml:6:11: [rule 1] actions: \"command:stop-motor\" names no "
                        "[[command]]"));
  EXPECT_EQ(ParseOk(kStopRule).size(), 1u);
}

TEST(RuleParserTest, CommandErrors) {
  const std::pair<std::string, std::string> cases[] = {
      {"argv = [\"/bin/true\"]\n", "[command 1] name: is required"},
      {"name = \"c\"\n", "[command 1] argv: is required"},
      {"name = \"c\"\nargv = []\n", "rules.toml:3:8: [command 1] argv: must start with the"},
      {"name = \"c\"\nargv = [\"sh\", \"-c\", \"x\"]\n", "argv: must start with the program's "},
      {"name = \"c\"\nargv = \"/bin/true\"\n", "argv: must be an array of strings, got string"},
      {"name = \"c\"\nargv = [\"/bin/true\"]\ntimeout_ms = 0\n",
       "[command 1] timeout_ms: must be between 1 and 600000, got 0"},
      {"name = \"c\"\nargv = [\"/bin/true\"]\nshell = true\n", "[command 1] shell: unknown key"},
      {"name = \"c\"\nargv = [\"/bin/true\"]\n[[command]]\nname = \"c\"\nargv = [\"/bin/true\"]\n",
       "[command 2] name: \"c\" is used by another command"},
  };
  for (const auto& [body, want] : cases) {
    EXPECT_THAT(ParseError("[[command]]\n" + body), HasSubstr(want)) << body;
  }
}

}  // namespace
}  // namespace keel::edge::rules
