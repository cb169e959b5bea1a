#include "wire/messages.h"

#include <gtest/gtest.h>

#include <string>

namespace keel::wire {
namespace {

void ExpectError(const Status& status, std::string_view part) {
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find(part), std::string::npos)
      << "message \"" << status.message() << "\" lacks \"" << part << "\"";
}

TEST(AckTest, RoundTripsAndMatchesTheDocumentedForm) {
  EXPECT_EQ(EncodeAck({17}), R"({"ack":17})");
  auto ack = DecodeAck(R"({"ack": 18446744073709551615})");
  ASSERT_TRUE(ack.ok()) << ack.status().ToString();
  EXPECT_EQ(ack->seq, 18446744073709551615u);
  EXPECT_EQ(DecodeAck(EncodeAck({0})).value(), Ack{0});
}

TEST(AckTest, RejectsAnythingElse) {
  ExpectError(DecodeAck("").status(), "ack: parse error");
  ExpectError(DecodeAck("[1]").status(), "ack: expected a JSON object, got array");
  ExpectError(DecodeAck("{}").status(), "ack: \"ack\": missing");
  ExpectError(DecodeAck(R"({"ack": -1})").status(),
              "\"ack\": expected an unsigned integer, got integer");
  ExpectError(DecodeAck(R"({"ack": 1.5})").status(), "got float");
  ExpectError(DecodeAck(R"({"ack": "1"})").status(), "got string");
  ExpectError(DecodeAck(R"({"ack": 1, "extra": 2})").status(), "\"extra\": unknown key");
  ExpectError(DecodeAck(R"({"ack": 1, "ack": 2})").status(), "duplicate key \"ack\"");
  ExpectError(DecodeAck(std::string(kMaxMessageBytes + 1, ' ')).status(), "more than 65536");
  ExpectError(DecodeAck(std::string(100000, '[')).status(), "more than 65536");
  ExpectError(DecodeAck(std::string(1000, '[')).status(), "nesting deeper than 16");
}

TEST(RawRequestTest, RoundTripsAndRejectsOutOfRangeOrExtraKeys) {
  EXPECT_EQ(EncodeRawRequest({60}), R"({"seconds":60})");
  EXPECT_EQ(DecodeRawRequest(R"({"seconds": 3600})").value(), RawRequest{3600});
  ExpectError(DecodeRawRequest(R"({"seconds": 0})").status(),
              "raw request: \"seconds\": must be between 1 and 3600");
  ExpectError(DecodeRawRequest(R"({"seconds": 3601})").status(), "must be between 1 and 3600");
  ExpectError(DecodeRawRequest(R"({"seconds": 1.5})").status(), "got float");
  ExpectError(DecodeRawRequest(R"({"seconds": 5, "x": 1})").status(), "\"x\": unknown key");
  ExpectError(DecodeRawRequest("{}").status(), "\"seconds\": missing");
}

DeviceState SampleState() {
  return DeviceState{true, 1732470000000, 12, 3456, 7, 1764006000000, "0.1.0+g1234"};
}

TEST(DeviceStateTest, RoundTrips) {
  std::string json = EncodeDeviceState(SampleState());
  EXPECT_EQ(
      json,
      R"({"online":true,"t":1732470000000,"outbox_depth":12,"outbox_bytes":3456,"dropped_total":7,)"
      R"("cert_not_after":1764006000000,"agent":"0.1.0+g1234"})");
  auto state = DecodeDeviceState(json);
  ASSERT_TRUE(state.ok()) << state.status().ToString();
  EXPECT_EQ(*state, SampleState());
}

TEST(DeviceStateTest, OfflineStateRoundTrips) {
  DeviceState offline = SampleState();
  offline.online = false;
  auto state = DecodeDeviceState(EncodeDeviceState(offline));
  ASSERT_TRUE(state.ok()) << state.status().ToString();
  EXPECT_FALSE(state->online);
  ExpectError(DecodeDeviceState(R"({"online":"no","t":1,"outbox_depth":0,"outbox_bytes":0,)"
                                R"("dropped_total":0,"cert_not_after":0,"agent":"a"})")
                  .status(),
              "\"online\": expected a boolean");
}

TEST(DeviceStateTest, RejectsMissingUnknownAndMistypedKeys) {
  nlohmann::json j = nlohmann::json::parse(EncodeDeviceState(SampleState()));
  for (const char* key : {"online", "t", "outbox_depth", "outbox_bytes", "dropped_total",
                          "cert_not_after", "agent"}) {
    nlohmann::json missing = j;
    missing.erase(key);
    ExpectError(DecodeDeviceState(missing.dump()).status(),
                std::string("state: \"") + key + "\": missing");
    nlohmann::json wrong = j;
    wrong[key] = nlohmann::json::array();
    ExpectError(DecodeDeviceState(wrong.dump()).status(), "got array");
  }
  nlohmann::json extra = j;
  extra["uptime"] = 5;
  ExpectError(DecodeDeviceState(extra.dump()).status(), "\"uptime\": unknown key");
  nlohmann::json negative = j;
  negative["outbox_depth"] = -1;
  ExpectError(DecodeDeviceState(negative.dump()).status(),
              "\"outbox_depth\": expected an unsigned");
  nlohmann::json huge = j;
  huge["t"] = 18446744073709551615u;
  ExpectError(DecodeDeviceState(huge.dump()).status(), "\"t\": integer out of range");
  for (const char* agent : {"", "a\nb"}) {
    nlohmann::json bad = j;
    bad["agent"] = agent;
    ExpectError(DecodeDeviceState(bad.dump()).status(), "\"agent\": must be 1..64 printable");
  }
}

TEST(EventTest, RoundTripsArbitraryObjectData) {
  Event e{"sensor.fault", 1732470000000,
          nlohmann::json{{"driver", "modbus"}, {"code", -3}, {"nested", {{"a", {1, 2.5}}}}}};
  auto decoded = DecodeEvent(EncodeEvent(e));
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(*decoded, e);
  Event empty{"agent.started", 1, nlohmann::json::object()};
  EXPECT_EQ(DecodeEvent(EncodeEvent(empty)).value(), empty);
}

TEST(EventTest, ValidatesTypeNames) {
  EXPECT_TRUE(IsValidEventType("outbox.dropped"));
  EXPECT_TRUE(IsValidEventType("a.b_2.c"));
  for (const std::string& bad :
       std::initializer_list<std::string>{"", "outbox", ".a", "a.", "a..b", "Outbox.dropped",
                                          "a.b-c", "a/b.c", std::string(65, 'a') + ".b"}) {
    EXPECT_FALSE(IsValidEventType(bad)) << bad;
  }
}

TEST(EventTest, RejectsMalformedEvents) {
  ExpectError(DecodeEvent(R"({"type": "Bad", "t": 1, "data": {}})").status(),
              "event: \"type\": \"Bad\" is not a dotted lower-case name");
  ExpectError(DecodeEvent(R"({"type": "a.b", "t": 1, "data": [1]})").status(),
              "\"data\": expected an object, got array");
  ExpectError(DecodeEvent(R"({"type": "a.b", "t": 1.5, "data": {}})").status(),
              "\"t\": expected an integer, got float");
  ExpectError(DecodeEvent(R"({"type": "a.b", "data": {}})").status(), "\"t\": missing");
  ExpectError(DecodeEvent(R"({"type": "a.b", "t": 1, "data": {"x": 1, "x": 2}})").status(),
              "duplicate key \"x\"");
  ExpectError(DecodeEvent(R"({"type": "a.b", "t": 1, "data": {}, "more": 1})").status(),
              "\"more\": unknown key");
}

TEST(DroppedRangeTest, RoundTripsThroughAnEvent) {
  std::string json = EncodeDroppedRange({5, 9}, 1732470000000);
  EXPECT_EQ(json,
            R"({"type":"outbox.dropped","t":1732470000000,"data":{"count":5,"from":5,"to":9}})");
  auto event = DecodeEvent(json);
  ASSERT_TRUE(event.ok()) << event.status().ToString();
  auto range = DecodeDroppedRange(*event);
  ASSERT_TRUE(range.ok()) << range.status().ToString();
  EXPECT_EQ(*range, (DroppedRange{5, 9}));
  EXPECT_EQ(DecodeDroppedRange(DroppedRangeEvent({1, 1}, 0)).value(), (DroppedRange{1, 1}));
}

TEST(DroppedRangeTest, RejectsInconsistentNotices) {
  auto with_data = [](nlohmann::json data) { return Event{"outbox.dropped", 1, std::move(data)}; };
  ExpectError(DecodeDroppedRange(Event{"outbox.other", 1, {}}).status(),
              "type \"outbox.other\" is not \"outbox.dropped\"");
  ExpectError(DecodeDroppedRange(with_data({{"from", 0}, {"to", 0}, {"count", 1}})).status(),
              "\"from\": must be >= 1");
  ExpectError(DecodeDroppedRange(with_data({{"from", 5}, {"to", 4}, {"count", 0}})).status(),
              "\"to\": 4 is before from 5");
  ExpectError(DecodeDroppedRange(with_data({{"from", 5}, {"to", 9}, {"count", 4}})).status(),
              "\"count\": 4 does not match to - from + 1 = 5");
  ExpectError(DecodeDroppedRange(with_data({{"from", 5}, {"to", 9}})).status(),
              "\"count\": missing");
  ExpectError(
      DecodeDroppedRange(with_data({{"from", 5}, {"to", 9}, {"count", 5}, {"x", 1}})).status(),
      "\"x\": unknown key");
  ExpectError(DecodeDroppedRange(with_data({{"from", "5"}, {"to", 9}, {"count", 5}})).status(),
              "\"from\": expected an unsigned integer, got string");
}

}  // namespace
}  // namespace keel::wire

namespace keel::wire {
namespace {

TEST(OutboxSyncTest, RoundTripsAndRejectsBadData) {
  auto event = DecodeEvent(EncodeOutboxSync(1732470000000000, 5));
  ASSERT_TRUE(event.ok()) << event.status().ToString();
  EXPECT_EQ(event->type, "outbox.sync");
  auto acked = DecodeOutboxSync(*event);
  ASSERT_TRUE(acked.ok()) << acked.status().ToString();
  EXPECT_EQ(*acked, 1732470000000000u);

  Event bad = *event;
  bad.data = {{"acked", -1}};
  EXPECT_FALSE(DecodeOutboxSync(bad).ok());
  bad.data = {{"acked", 1}, {"extra", 2}};
  EXPECT_FALSE(DecodeOutboxSync(bad).ok());
  bad.data = {{"acked", (1ull << 53) + 1}};
  EXPECT_FALSE(DecodeOutboxSync(bad).ok());
  bad.type = "outbox.dropped";
  EXPECT_FALSE(DecodeOutboxSync(bad).ok());
}

}  // namespace
}  // namespace keel::wire
