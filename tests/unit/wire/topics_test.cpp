#include "wire/topics.h"

#include <gtest/gtest.h>

#include <string>

namespace keel::wire {
namespace {

TEST(DeviceIdTest, AcceptsTheDocumentedAlphabet) {
  EXPECT_TRUE(IsValidDeviceId("a"));
  EXPECT_TRUE(IsValidDeviceId("0"));
  EXPECT_TRUE(IsValidDeviceId("pump-7.site_b"));
  EXPECT_TRUE(IsValidDeviceId(std::string(64, 'x')));
}

TEST(DeviceIdTest, RejectsEverythingElse) {
  EXPECT_FALSE(IsValidDeviceId(""));
  EXPECT_FALSE(IsValidDeviceId(std::string(65, 'x')));
  EXPECT_FALSE(IsValidDeviceId("-pump"));
  EXPECT_FALSE(IsValidDeviceId(".pump"));
  EXPECT_FALSE(IsValidDeviceId("_pump"));
  for (std::string bad : {"a/b", "a+b", "a#b", "a:b", "Pump", "a b", "a\nb", "é"}) {
    EXPECT_FALSE(IsValidDeviceId(bad)) << bad;
  }
  EXPECT_FALSE(IsValidDeviceId(std::string("a\0b", 3)));
}

TEST(TopicsTest, BuildsTheDocumentedLayout) {
  EXPECT_EQ(TelemetryTopic("d1"), "keel/v1/d1/telemetry");
  EXPECT_EQ(EventsTopic("d1"), "keel/v1/d1/events");
  EXPECT_EQ(StateTopic("d1"), "keel/v1/d1/state");
  EXPECT_EQ(CommandTopic("d1", "ack"), "keel/v1/d1/cmd/ack");
  EXPECT_EQ(CommandFilter("d1"), "keel/v1/d1/cmd/#");
  EXPECT_EQ(kAllTelemetryFilter, "keel/v1/+/telemetry");
  EXPECT_EQ(kAllEventsFilter, "keel/v1/+/events");
  EXPECT_EQ(kAllStateFilter, "keel/v1/+/state");
}

TEST(TopicsTest, ParsesWhatTheBuildersProduce) {
  auto t = ParseTopic(TelemetryTopic("pump-7"));
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(*t, (ParsedTopic{"pump-7", TopicKind::kTelemetry, ""}));
  EXPECT_EQ(ParseTopic(EventsTopic("d")).value().kind, TopicKind::kEvents);
  EXPECT_EQ(ParseTopic(StateTopic("d")).value().kind, TopicKind::kState);
  auto c = ParseTopic(CommandTopic("d", "ack"));
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(*c, (ParsedTopic{"d", TopicKind::kCommand, "ack"}));
}

TEST(TopicsTest, RejectsOtherTopicsWithAReason) {
  struct Case {
    std::string topic;
    std::string message_part;
  };
  for (const Case& c : std::initializer_list<Case>{
           {"", "not under keel/v1"},
           {"keel/v2/d/telemetry", "not under keel/v1"},
           {"other/v1/d/telemetry", "not under keel/v1"},
           {"keel/v1/d", "not under keel/v1"},
           {"keel/v1/+/telemetry", "invalid device id \"+\""},
           {"keel/v1/#", "not under keel/v1"},
           {"keel/v1/D1/telemetry", "invalid device id \"D1\""},
           {"keel/v1//telemetry", "invalid device id \"\""},
           {"keel/v1/d/metrics", "unknown message kind \"metrics\""},
           {"keel/v1/d/telemetry/x", "unexpected levels after \"telemetry\""},
           {"keel/v1/d/telemetry/", "unexpected levels"},
           {"keel/v1/d/cmd", "expected keel/v1/<device>/cmd/<name>"},
           {"keel/v1/d/cmd/", "invalid command name \"\""},
           {"keel/v1/d/cmd/#", "invalid command name \"#\""},
           {"keel/v1/d/cmd/a/b", "expected keel/v1/<device>/cmd/<name>"},
           {"/keel/v1/d/telemetry", "not under keel/v1"},
       }) {
    auto parsed = ParseTopic(c.topic);
    ASSERT_FALSE(parsed.ok()) << c.topic;
    EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(parsed.status().message().find(c.message_part), std::string::npos)
        << c.topic << " -> " << parsed.status().message();
    EXPECT_EQ(parsed.status().message().rfind("topic \"", 0), 0u) << parsed.status().message();
  }
}

TEST(TopicsTest, LongTopicsAreTruncatedInMessages) {
  auto parsed = ParseTopic(std::string(1000, 'k'));
  ASSERT_FALSE(parsed.ok());
  EXPECT_LT(parsed.status().message().size(), 200u);
}

}  // namespace
}  // namespace keel::wire
