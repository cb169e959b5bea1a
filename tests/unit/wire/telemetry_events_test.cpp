// Device events carried in telemetry batches ("events" in JSON, "e" in CBOR).
#include <gtest/gtest.h>

#include <limits>
#include <string>

#include "unit/wire/telemetry_test_util.h"
#include "wire/telemetry_codec.h"

namespace keel::wire {
namespace {

using nlohmann::ordered_json;
using testing::Cbor;
using testing::Decode;
using testing::ExpectRejected;
using testing::kNow;

constexpr Encoding kJson = Encoding::kJson;
constexpr Encoding kCbor = Encoding::kCbor;

TelemetryBatch BatchWithEvents() {
  TelemetryBatch b;
  b.seq = 9;
  b.series.push_back({"temp", {{kNow, 21.5}}});
  Event anomaly{"anomaly.detected", kNow + 500, nlohmann::json::object()};
  anomaly.data = {{"mode", "running"},
                  {"score", 7.25},
                  {"signals", {"vib_rms", "temp"}},
                  {"context", {{"window_ms", 10000}, {"snippet", {1.5, -2, 1e300}}}},
                  {"note", "d\xc3\xa9j\xc3\xa0 vu \"quoted\""},
                  {"offset", -3}};
  b.events.push_back(anomaly);
  b.events.push_back({"sensor.fault", kNow - 100, {{"sensor", "vib"}, {"ok", false}}});
  b.events.push_back({"rule.transition", kNow, nlohmann::json::object()});
  return b;
}

// The JSON form of one event inside a batch with one series "a".
std::string JsonWithEvents(const std::string& events) {
  return R"({"seq": 1, "series": {"a": [[1732470000000, 1]]}, "events": )" + events + "}";
}

std::string CborWithEvents(const ordered_json& events) {
  ordered_json series = {{"a", {kNow, ordered_json::array(), {1}}}};
  return Cbor({{"s", 1}, {"d", series}, {"e", events}});
}

TEST(TelemetryEventsTest, RoundTripBothEncodingsKeepingOrder) {
  const TelemetryBatch in = BatchWithEvents();
  for (Encoding encoding : {kJson, kCbor}) {
    TelemetryBatch out;
    auto r = Decode(encoding, EncodeTelemetry(in, encoding), &out);
    ASSERT_FALSE(r.has_value()) << r->message;
    EXPECT_EQ(out, in);
    ASSERT_EQ(out.events.size(), 3u);
    EXPECT_EQ(out.events[0].type, "anomaly.detected");
    EXPECT_EQ(out.events[1].type, "sensor.fault");  // earlier t, order kept
    EXPECT_EQ(out.events[2].type, "rule.transition");
    EXPECT_EQ(out.events[0].data["score"], 7.25);
  }
}

TEST(TelemetryEventsTest, EventsOnlyBatchesAreAccepted) {
  TelemetryBatch in;
  in.seq = 3;
  in.events.push_back({"sensor.fault", kNow, {{"sensor", "vib"}}});
  for (Encoding encoding : {kJson, kCbor}) {
    TelemetryBatch out;
    auto r = Decode(encoding, EncodeTelemetry(in, encoding), &out);
    ASSERT_FALSE(r.has_value()) << r->message;
    EXPECT_EQ(out, in);
  }
  TelemetryBatch out;
  auto r = Decode(kJson,
                  R"({"seq": 4, "series": {}, "events": [{"type": "a.b", "t": 1732470000000,)"
                  R"( "data": {}}]})",
                  &out);
  ASSERT_FALSE(r.has_value()) << r->message;
  EXPECT_EQ(out.events, (std::vector<Event>{{"a.b", kNow, nlohmann::json::object()}}));
}

TEST(TelemetryEventsTest, BatchesWithNeitherSeriesNorEventsAreEmpty) {
  ExpectRejected(kJson, R"({"seq": 1, "series": {}, "events": []})", RejectReason::kEmpty,
                 "\"series\" is empty and there are no events");
  ExpectRejected(kCbor,
                 Cbor({{"s", 1}, {"d", ordered_json::object()}, {"e", ordered_json::array()}}),
                 RejectReason::kEmpty, "\"d\" (series) is empty and there are no events");
  ExpectRejected(kJson,
                 R"({"seq": 1, "events": [{"type": "a.b", "t": 1732470000000, "data": {}}]})",
                 RejectReason::kMalformed, "missing \"series\"");
}

TEST(TelemetryEventsTest, EncodersWriteTheDocumentedLayout) {
  TelemetryBatch plain;
  plain.seq = 1;
  plain.series.push_back({"a", {{kNow, 1}}});
  EXPECT_EQ(EncodeTelemetry(plain, kJson), R"({"seq":1,"series":{"a":[[1732470000000,1.0]]}})");
  EXPECT_FALSE(ordered_json::from_cbor(EncodeTelemetry(plain, kCbor)).contains("e"));

  TelemetryBatch with = plain;
  with.events.push_back({"x.y", kNow + 1, {{"k", 2}}});
  auto json = ordered_json::parse(EncodeTelemetry(with, kJson));
  EXPECT_EQ(json["events"],
            ordered_json::parse(R"([{"type":"x.y","t":1732470000001,"data":{"k":2}}])"));
  auto cbor = ordered_json::from_cbor(EncodeTelemetry(with, kCbor));
  EXPECT_EQ(cbor["e"], ordered_json::parse(R"([["x.y",1732470000001,{"k":2}]])"));
}

TEST(TelemetryEventsTest, JsonRejectionsNameTheEvent) {
  const std::string ok = R"({"type": "a.b", "t": 1732470000000, "data": {}})";
  ExpectRejected(kJson, JsonWithEvents("{}"), RejectReason::kWrongType,
                 "\"events\" must be an array, got object");
  ExpectRejected(kJson, JsonWithEvents("[" + ok + ", 5]"), RejectReason::kWrongType,
                 "events[1]: expected an event object, got integer");
  ExpectRejected(kJson,
                 JsonWithEvents(R"([{"type": "a.b", "t": 1732470000000, "data": {}, "x": 1}])"),
                 RejectReason::kMalformed, "events[0]: \"x\": unknown key");
  ExpectRejected(kJson, JsonWithEvents(R"([{"type": "a.b", "t": 1732470000000}])"),
                 RejectReason::kMalformed, "events[0]: \"data\": missing");
  ExpectRejected(kJson, JsonWithEvents(R"([{"type": 7, "t": 1732470000000, "data": {}}])"),
                 RejectReason::kWrongType, "events[0]: \"type\": expected a string, got integer");
  ExpectRejected(kJson, JsonWithEvents(R"([{"type": "Anomaly", "t": 1732470000000, "data": {}}])"),
                 RejectReason::kBadEventType,
                 "events[0]: \"type\": \"Anomaly\" is not a dotted lower-case name");
  ExpectRejected(
      kJson, JsonWithEvents("[" + ok + ", " + ok + R"(, {"type": "a.b", "t": "now", "data": {}}])"),
      RejectReason::kWrongType, "events[2]: \"t\": expected an integer, got string");
  ExpectRejected(kJson, JsonWithEvents(R"([{"type": "a.b", "t": 1.5e12, "data": {}}])"),
                 RejectReason::kWrongType, "events[0]: \"t\": expected an integer, got float");
  ExpectRejected(
      kJson, JsonWithEvents("[" + ok + ", " + ok + R"(, {"type": "a.b", "t": 17, "data": {}}])"),
      RejectReason::kBadTimestamp, "events[2]: \"t\": timestamp 17 is before 2000-01-01");
  ExpectRejected(kJson, JsonWithEvents(R"([{"type": "a.b", "t": 1732556400001, "data": {}}])"),
                 RejectReason::kBadTimestamp, "events[0]: \"t\": timestamp 1732556400001");
  ExpectRejected(kJson,
                 JsonWithEvents(R"([{"type": "a.b", "t": 18446744073709551615, "data": {}}])"),
                 RejectReason::kBadTimestamp, "events[0]: \"t\": integer out of range");
  ExpectRejected(kJson, JsonWithEvents(R"([{"type": "a.b", "t": 1732470000000, "data": [1]}])"),
                 RejectReason::kWrongType, "events[0]: \"data\": expected an object, got array");
  ExpectRejected(kJson,
                 JsonWithEvents(R"([{"type": "a.b", "t": 1, "t": 1732470000000, "data": {}}])"),
                 RejectReason::kDuplicateKey, "duplicate key \"t\"");
}

TEST(TelemetryEventsTest, CborRejectionsNameTheEvent) {
  const ordered_json ok = {"a.b", kNow, ordered_json::object()};
  ExpectRejected(kCbor, CborWithEvents(ordered_json::object()), RejectReason::kWrongType,
                 "\"e\" must be an array, got object");
  ExpectRejected(kCbor, CborWithEvents({ok, {{"type", "a.b"}}}), RejectReason::kWrongType,
                 "e[1]: expected [type, t, data], got object");
  ExpectRejected(kCbor, CborWithEvents(ordered_json::array({ordered_json::array({"a.b", kNow})})),
                 RejectReason::kMalformed, "e[0]: expected 3 elements [type, t, data], got 2");
  ExpectRejected(kCbor, CborWithEvents({{1, kNow, ordered_json::object()}}),
                 RejectReason::kWrongType, "e[0]: \"type\": expected a string, got integer");
  ExpectRejected(kCbor, CborWithEvents({{"a..b", kNow, ordered_json::object()}}),
                 RejectReason::kBadEventType, "e[0]: \"type\": \"a..b\" is not a dotted");
  ExpectRejected(kCbor, CborWithEvents({ok, {"a.b", 17, ordered_json::object()}}),
                 RejectReason::kBadTimestamp, "e[1]: \"t\": timestamp 17 is before 2000-01-01");
  ExpectRejected(kCbor, CborWithEvents({{"a.b", kNow, "{\"k\": 1}"}}), RejectReason::kWrongType,
                 "e[0]: \"data\": expected an object, got string");
  ExpectRejected(kCbor, CborWithEvents({{"a.b", kNow, {{"raw", ordered_json::binary({1, 2, 3})}}}}),
                 RejectReason::kWrongType, "e[0]: \"data\": byte strings are not allowed");
  ExpectRejected(
      kCbor,
      CborWithEvents({{"a.b", kNow, {{"x", {1.0, std::numeric_limits<double>::quiet_NaN()}}}}}),
      RejectReason::kNonFinite, "e[0]: \"data\": a value is NaN or Infinity");
  ExpectRejected(kCbor, CborWithEvents({{"a.b", kNow, {{"s", "\xff\xfe"}}}}),
                 RejectReason::kMalformed, "e[0]: \"data\": a string is not valid UTF-8");
}

TEST(TelemetryEventsTest, EventCountIsBounded) {
  DecodeLimits limits;
  limits.max_events = 2;
  const std::string ok = R"({"type": "a.b", "t": 1732470000000, "data": {}})";
  ExpectRejected(kJson, JsonWithEvents("[" + ok + "," + ok + "," + ok + "]"),
                 RejectReason::kTooManyEvents, "3 events, more than 2", limits);
  const ordered_json e = {"a.b", kNow, ordered_json::object()};
  ExpectRejected(kCbor, CborWithEvents({e, e, e}), RejectReason::kTooManyEvents,
                 "3 events, more than 2", limits);
  TelemetryBatch out;
  ASSERT_FALSE(Decode(kJson, JsonWithEvents("[" + ok + "," + ok + "]"), &out, limits).has_value());
  EXPECT_EQ(out.events.size(), 2u);
}

TEST(TelemetryEventsTest, EventDataSizeIsBoundedAsJsonText) {
  DecodeLimits limits;
  limits.max_event_data_bytes = 20;
  // {"k":"0123456789ab"} is exactly 20 bytes of compact JSON.
  TelemetryBatch out;
  ASSERT_FALSE(Decode(kJson,
                      JsonWithEvents(R"([{"type": "a.b", "t": 1732470000000, "data": )"
                                     R"({"k": "0123456789ab"}}])"),
                      &out, limits)
                   .has_value());
  ExpectRejected(kJson,
                 JsonWithEvents(R"([{"type": "a.b", "t": 1732470000000, "data": )"
                                R"({"k": "0123456789abc"}}])"),
                 RejectReason::kTooLarge, "events[0]: \"data\": 21 bytes as JSON, more than 20",
                 limits);
  ExpectRejected(kCbor, CborWithEvents({{"a.b", kNow, {{"k", "0123456789abc"}}}}),
                 RejectReason::kTooLarge, "e[0]: \"data\": 21 bytes as JSON", limits);
}

TEST(TelemetryEventsTest, EventDataDepthIsBounded) {
  // By default data may nest 5 levels: exactly what max_depth 8 leaves.
  const std::string five = R"({"a": {"b": {"c": {"d": [1]}}}})";
  const std::string six = R"({"a": {"b": {"c": {"d": [[1]]}}}})";
  auto with_data = [](const std::string& data) {
    return JsonWithEvents(R"([{"type": "a.b", "t": 1732470000000, "data": )" + data + "}]");
  };
  TelemetryBatch out;
  ASSERT_FALSE(Decode(kJson, with_data(five), &out).has_value());
  ExpectRejected(kJson, with_data(six), RejectReason::kTooDeep, "deeper than 8");

  DecodeLimits limits;
  limits.max_event_data_depth = 2;
  ExpectRejected(kJson, with_data(R"({"a": {"b": {}}})"), RejectReason::kTooDeep,
                 "events[0]: \"data\": nesting deeper than 2 levels", limits);
  ExpectRejected(kCbor, CborWithEvents({{"a.b", kNow, {{"a", {{"b", {1}}}}}}}),
                 RejectReason::kTooDeep, "e[0]: \"data\": nesting deeper than 2 levels", limits);
  // A larger data depth raises the parse bound accordingly.
  limits.max_event_data_depth = 7;
  ASSERT_FALSE(
      Decode(kJson, with_data(R"({"a": {"b": {"c": {"d": {"e": {"f": []}}}}}})"), &out, limits)
          .has_value());
}

TEST(TelemetryEventsTest, StandaloneEventsKeepTheirMessages) {
  auto bad = DecodeEvent(R"({"type": "a.b", "t": "x", "data": {}})");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(), "event: \"t\": expected an integer, got string");
  auto array = DecodeEvent(R"({"type": "a.b", "t": 1, "data": []})");
  ASSERT_FALSE(array.ok());
  EXPECT_EQ(array.status().message(), "event: \"data\": expected an object, got array");
}

}  // namespace
}  // namespace keel::wire
