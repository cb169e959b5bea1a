#include <gtest/gtest.h>

#include "hub/alerts/correlation_policy.h"
#include "hub/alerts/incident.h"
#include "hub/alerts/silence.h"

namespace keel::hub::alerts {
namespace {

void ExpectError(std::string_view text, std::string_view fragment) {
  auto parsed = ParseCorrelationPolicy(text, "policy.json");
  ASSERT_FALSE(parsed.ok()) << text;
  EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(parsed.status().message().find(fragment), std::string::npos)
      << parsed.status().message();
}

TEST(CorrelationPolicyTest, EmptyDocumentGivesTheDefaults) {
  auto parsed = ParseCorrelationPolicy("{}", "policy.json");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->group_by, (std::vector<std::string>{"site", "device"}));
  EXPECT_EQ(parsed->group_wait_ms, 30'000);
  EXPECT_EQ(parsed->inhibit.size(), CorrelationPolicy::DefaultInhibitRules().size());
}

TEST(CorrelationPolicyTest, ReadsEveryMember) {
  auto parsed = ParseCorrelationPolicy(R"({
    "group_by": ["site"], "group_wait_ms": 1000, "group_interval_ms": 2000,
    "repeat_interval_ms": 3000, "resolve_after_ms": 4000, "reopen_window_ms": 5000,
    "flap_transitions": 6, "flap_window_ms": 7000, "default_criticality": 5,
    "inhibit": [{"source_name": "site.power_loss", "source_match": {"kind": "mains"},
                 "target_name": "device.offline",
                 "equal": [{"target": "site", "source": "site"}]}]})",
                                       "policy.json");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->group_by, std::vector<std::string>{"site"});
  EXPECT_EQ(parsed->repeat_interval_ms, 3000);
  EXPECT_EQ(parsed->flap_transitions, 6);
  EXPECT_EQ(parsed->default_criticality, 5);
  ASSERT_EQ(parsed->inhibit.size(), 1u);
  EXPECT_EQ(parsed->inhibit[0].source_match.at("kind"), "mains");
  EXPECT_EQ(parsed->inhibit[0].equal[0], std::make_pair(std::string("site"), std::string("site")));
}

TEST(CorrelationPolicyTest, GarbageIsRejectedWithWhatAndWhere) {
  ExpectError("{", "policy.json: not valid JSON");
  ExpectError("[]", "policy.json: policy: expected a JSON object, got array");
  ExpectError(R"({"group_wait": 5})", "policy.group_wait: unknown member");
  ExpectError(R"({"group_wait_ms": 5, "group_wait_ms": 6})",
              "policy.json: group_wait_ms: given twice");
  ExpectError(R"({"group_wait_ms": "5s"})",
              "policy.group_wait_ms: expected an integer, got string");
  ExpectError(R"({"resolve_after_ms": -1})", "policy.resolve_after_ms: must not be negative");
  ExpectError(R"({"flap_transitions": 1})", "policy.flap_transitions: must be in 2..1000");
  ExpectError(R"({"default_criticality": 9})", "policy.default_criticality: must be in 1..5");
  ExpectError(R"({"group_by": ["site", 3]})", "policy.group_by: expected an array of strings");
  ExpectError(R"({"inhibit": [{"source_name": "x", "equal": []}]})",
              "policy.inhibit[0].equal: needs at least one");
  ExpectError(R"({"inhibit": [{"source_name": "x", "equal": [{"target": "a"}]}]})",
              "policy.inhibit[0].equal[0].source: missing");
  ExpectError(R"({"inhibit": [{"source_name": "x", "equal": [{"target": "a", "source": "b"}],
                  "extra": 1}]})",
              "policy.inhibit[0].extra: unknown member");
}

TEST(SilenceTest, ParsesARequestAndMatchesNameAndLabels) {
  auto s = SilenceFromJson(nlohmann::json::parse(R"({"kind": "maintenance",
      "matchers": {"site": "north", "alertname": "device.offline"}, "ends_ms": 5000,
      "comment": "pump swap"})"),
                           /*stored=*/false, /*now_ms=*/1000);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->starts_ms, 1000);
  EXPECT_TRUE(s->ActiveAt(1000));
  EXPECT_FALSE(s->ActiveAt(5000));
  EXPECT_TRUE(s->Matches("device.offline", {{"site", "north"}, {"device", "d1"}}));
  EXPECT_FALSE(s->Matches("anomaly", {{"site", "north"}}));
  EXPECT_FALSE(s->Matches("device.offline", {{"site", "south"}}));
  auto stored = SilenceFromJson(SilenceToJson(*s), /*stored=*/true, 0);
  ASSERT_TRUE(stored.ok()) << stored.status().ToString();
  EXPECT_EQ(stored->matchers, s->matchers);
}

TEST(SilenceTest, RejectsSilencesOfEverythingAndEmptyRanges) {
  auto empty =
      SilenceFromJson(nlohmann::json::parse(R"({"matchers": {}, "ends_ms": 5})"), false, 0);
  ASSERT_FALSE(empty.ok());
  EXPECT_NE(empty.status().message().find("silence.matchers: must name at least one label"),
            std::string::npos);
  auto backwards =
      SilenceFromJson(nlohmann::json::parse(R"({"matchers": {"a": "b"}, "ends_ms": 5})"), false, 9);
  ASSERT_FALSE(backwards.ok());
  EXPECT_NE(backwards.status().message().find("silence.ends_ms: must be after starts_ms"),
            std::string::npos);
  auto kind = SilenceFromJson(
      nlohmann::json::parse(R"({"kind": "mute", "matchers": {"a": "b"}, "ends_ms": 5})"), false, 0);
  ASSERT_FALSE(kind.ok());
  EXPECT_NE(kind.status().message().find("silence.kind"), std::string::npos);
}

TEST(IncidentJsonTest, RejectsAStoredIncidentWithAWrongField) {
  Incident incident;
  incident.id = 3;
  nlohmann::json json = IncidentToJson(incident);
  json["state"] = "sleeping";
  auto parsed = IncidentFromJson(json);
  ASSERT_FALSE(parsed.ok());
  EXPECT_NE(parsed.status().message().find("incident.state"), std::string::npos);
  json = IncidentToJson(incident);
  json.erase("members");
  EXPECT_NE(IncidentFromJson(json).status().message().find("incident.members: missing"),
            std::string::npos);
}

}  // namespace
}  // namespace keel::hub::alerts
