#include <gtest/gtest.h>

#include <cmath>
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

constexpr Encoding kCbor = Encoding::kCbor;
const double kNaN = std::numeric_limits<double>::quiet_NaN();
const double kInf = std::numeric_limits<double>::infinity();

std::string OneSeries(const ordered_json& series, const ordered_json& seq = 1) {
  return Cbor(ordered_json{{"s", seq}, {"d", {{"a", series}}}});
}

TEST(TelemetryCborTest, RoundTripsSortedBatches) {
  TelemetryBatch in = testing::SampleBatch();
  in.series[0].points.push_back({kNow + 2000, 1.0 / 3.0});
  in.series[0].points.push_back({kNow + 2000, 12345678901234567.0});
  in.series[0].points.push_back({kNow + 2001, -9007199254740992.0});
  TelemetryBatch out;
  auto r = Decode(kCbor, EncodeTelemetry(in, kCbor), &out);
  ASSERT_FALSE(r.has_value()) << r->message;
  EXPECT_EQ(out, in);
  EXPECT_TRUE(std::signbit(out.series[1].points[0].value));
}

TEST(TelemetryCborTest, EncoderSortsPointsStablyByTime) {
  TelemetryBatch in;
  in.seq = 7;
  in.series.push_back({"a", {{kNow + 5, 1}, {kNow, 2}, {kNow + 5, 3}}});
  TelemetryBatch out;
  ASSERT_FALSE(Decode(kCbor, EncodeTelemetry(in, kCbor), &out).has_value());
  EXPECT_EQ(out.series[0].points, (std::vector<Point>{{kNow, 2}, {kNow + 5, 1}, {kNow + 5, 3}}));
}

TEST(TelemetryCborTest, LayoutIsCompact) {
  TelemetryBatch in;
  in.seq = 1;
  Series s{"t", {}};
  for (int i = 0; i < 1000; ++i) s.points.push_back({kNow + i, 21.5 + (i % 3)});
  in.series.push_back(s);
  std::string cbor = EncodeTelemetry(in, kCbor);
  auto root = ordered_json::from_cbor(cbor);
  EXPECT_EQ(root["s"], 1);
  EXPECT_EQ(root["d"]["t"][0], kNow);
  EXPECT_EQ(root["d"]["t"][1].size(), 999u);
  EXPECT_EQ(root["d"]["t"][1][0], 1);
  // 1-byte deltas and float32 values (lossless for 21.5 etc.): ~6 bytes/sample.
  EXPECT_LT(cbor.size(), 6u * 1000 + 64);
  EXPECT_LT(cbor.size() * 3, EncodeTelemetry(in, Encoding::kJson).size());
}

TEST(TelemetryCborTest, IntegralValuesUseIntegersAndFractionsStayExact) {
  TelemetryBatch in;
  in.seq = 1;
  in.series.push_back({"a", {{kNow, 3}, {kNow, 0.1}, {kNow, 1e-310}}});
  std::string cbor = EncodeTelemetry(in, kCbor);
  auto root = ordered_json::from_cbor(cbor);
  EXPECT_TRUE(root["d"]["a"][2][0].is_number_integer());
  TelemetryBatch out;
  ASSERT_FALSE(Decode(kCbor, cbor, &out).has_value());
  EXPECT_EQ(out, in);
}

TEST(TelemetryCborTest, RejectsInvalidTruncatedAndTrailingBytes) {
  std::string good = EncodeTelemetry(testing::SampleBatch(), kCbor);
  ExpectRejected(kCbor, "", RejectReason::kMalformed, "unexpected end of input");
  ExpectRejected(kCbor, good.substr(0, good.size() - 1), RejectReason::kMalformed,
                 "unexpected end of input");
  ExpectRejected(kCbor, good + "\x01", RejectReason::kMalformed, "expected end of input");
  ExpectRejected(kCbor, "\xff", RejectReason::kMalformed, "invalid byte");
  ExpectRejected(kCbor, "\xc1\x00", RejectReason::kMalformed, "");  // tag 1
  // An array header claiming 2^64-2 elements with nothing after it.
  ExpectRejected(kCbor, std::string("\x9b\xff\xff\xff\xff\xff\xff\xff\xfe", 9),
                 RejectReason::kTooManyPoints, "");
  // A text string header claiming 4 GiB.
  ExpectRejected(kCbor, std::string("\x7a\xff\xff\xff\xff", 5), RejectReason::kMalformed, "");
}

TEST(TelemetryCborTest, RejectsDeepNestingWithoutRecursion) {
  ExpectRejected(kCbor, std::string(500000, '\x81'), RejectReason::kTooDeep, "deeper than 8");
  ExpectRejected(kCbor, std::string(500000, '\x9f'), RejectReason::kTooDeep, "deeper than 8");
  ExpectRejected(kCbor, OneSeries({kNow, ordered_json::array(), {{{{{{{{1}}}}}}}}}),
                 RejectReason::kTooDeep, "");
}

TEST(TelemetryCborTest, RejectsUnknownAndMissingKeys) {
  ExpectRejected(kCbor,
                 Cbor({{"s", 1}, {"d", {{"a", {kNow, ordered_json::array(), {1}}}}}, {"x", 1}}),
                 RejectReason::kMalformed, "unknown top-level key \"x\"");
  ExpectRejected(kCbor, Cbor({{"d", {{"a", {kNow, ordered_json::array(), {1}}}}}}),
                 RejectReason::kBadSeq, "missing \"s\"");
  ExpectRejected(kCbor, Cbor({{"s", 1}}), RejectReason::kMalformed, "missing \"d\"");
}

TEST(TelemetryCborTest, RejectsWrongTypesAndShapes) {
  ExpectRejected(kCbor, Cbor(ordered_json::array({1, 2})), RejectReason::kWrongType,
                 "must be a map, got array");
  ExpectRejected(kCbor, Cbor({{"s", 1}, {"d", ordered_json::array()}}), RejectReason::kWrongType,
                 "\"d\" must be a map");
  ExpectRejected(kCbor, OneSeries(5), RejectReason::kWrongType, "series \"a\": expected [t0");
  ExpectRejected(kCbor, OneSeries({kNow, {1}}), RejectReason::kMalformed, "expected 3 elements");
  ExpectRejected(kCbor, OneSeries({kNow, 1, {1, 2}}), RejectReason::kWrongType,
                 "deltas and values must be arrays");
  ExpectRejected(kCbor, OneSeries({kNow, {1, 1}, {1, 2}}), RejectReason::kMalformed,
                 "2 time deltas for 2 values (expected 1)");
  ExpectRejected(kCbor, OneSeries({kNow, {1}, {1, "x"}}), RejectReason::kWrongType,
                 "series \"a\": point 1: value must be a number, got string");
  ExpectRejected(kCbor, OneSeries({"t", ordered_json::array(), {1}}), RejectReason::kWrongType,
                 "point 0: timestamp must be an integer, got string");
  ExpectRejected(kCbor, OneSeries({kNow, {"1"}, {1, 2}}), RejectReason::kWrongType,
                 "point 1: time delta must be an unsigned integer, got string");
  ordered_json binary = ordered_json::binary({1, 2});
  ExpectRejected(kCbor, OneSeries({kNow, ordered_json::array(), {binary}}),
                 RejectReason::kWrongType, "got binary");
}

TEST(TelemetryCborTest, RejectsBadSeq) {
  const ordered_json series = {kNow, ordered_json::array(), {1}};
  ExpectRejected(kCbor, OneSeries(series, 0), RejectReason::kBadSeq, "got 0");
  ExpectRejected(kCbor, OneSeries(series, -1), RejectReason::kBadSeq, "got -1");
  ExpectRejected(kCbor, OneSeries(series, 2.0), RejectReason::kBadSeq, "got float");
  ExpectRejected(kCbor, OneSeries(series, "1"), RejectReason::kBadSeq, "got string");
}

TEST(TelemetryCborTest, RejectsBadNamesDuplicatesAndEmptiness) {
  const ordered_json series = {kNow, ordered_json::array(), {1}};
  ExpectRejected(kCbor, Cbor({{"s", 1}, {"d", {{"bad name", series}}}}),
                 RejectReason::kBadSeriesName, "character 3");
  ExpectRejected(kCbor, Cbor({{"s", 1}, {"d", {{"", series}}}}), RejectReason::kBadSeriesName,
                 "empty series name");
  // {"s":1,"d":{"a":[t,[],[1]],"a":[t,[],[1]]}} written by hand: maps cannot
  // hold duplicates in the DOM.
  std::string one = Cbor(series);
  std::string dup = std::string("\xa2\x61s\x01\x61\x64\xa2\x61\x61", 9) + one + "\x61\x61" + one;
  ExpectRejected(kCbor, dup, RejectReason::kDuplicateKey, "duplicate key \"a\"");
  ExpectRejected(kCbor, Cbor({{"s", 1}, {"d", ordered_json::object()}}), RejectReason::kEmpty,
                 "\"d\" (series) is empty");
  ExpectRejected(kCbor, OneSeries({kNow, ordered_json::array(), ordered_json::array()}),
                 RejectReason::kEmpty, "series \"a\": has no points");
}

TEST(TelemetryCborTest, RejectsNonFiniteValues) {
  ExpectRejected(kCbor, OneSeries({kNow, {1}, {1, kNaN}}), RejectReason::kNonFinite,
                 "series \"a\": point 1: value NaN is not finite");
  ExpectRejected(kCbor, OneSeries({kNow, ordered_json::array(), {kInf}}), RejectReason::kNonFinite,
                 "value Infinity");
  ExpectRejected(kCbor, OneSeries({kNow, ordered_json::array(), {-kInf}}), RejectReason::kNonFinite,
                 "value -Infinity");
  // Half-precision NaN (f9 7e 00) as written by other encoders.
  std::string half_nan = std::string("\xa2\x61s\x01\x61\x64\xa1\x61\x61\x83", 10) + Cbor(kNow) +
                         "\x80\x81\xf9\x7e" + std::string(1, '\0');
  ExpectRejected(kCbor, half_nan, RejectReason::kNonFinite, "NaN");
}

TEST(TelemetryCborTest, RejectsBadTimestampsAndOrder) {
  ExpectRejected(kCbor, OneSeries({17, ordered_json::array(), {1}}), RejectReason::kBadTimestamp,
                 "series \"a\": point 0: timestamp 17 is before 2000-01-01");
  ExpectRejected(kCbor, OneSeries({-17, ordered_json::array(), {1}}), RejectReason::kBadTimestamp,
                 "timestamp -17 is before");
  ExpectRejected(kCbor, OneSeries({1.5, ordered_json::array(), {1}}), RejectReason::kBadTimestamp,
                 "not an integer");
  ExpectRejected(kCbor, OneSeries({kNow, {1, -1}, {1, 2, 3}}), RejectReason::kBadTimestamp,
                 "point 2: negative time delta -1 (points must be in non-decreasing time order)");
  ExpectRejected(kCbor, OneSeries({kNow, {0.5}, {1, 2}}), RejectReason::kBadTimestamp,
                 "point 1: time delta 0.5 is not an integer");
  ExpectRejected(kCbor, OneSeries({kNow, {86'400'001}, {1, 2}}), RejectReason::kBadTimestamp,
                 "point 1: timestamp 1732556400001");
  ExpectRejected(kCbor, OneSeries({kNow, {std::numeric_limits<uint64_t>::max()}, {1, 2}}),
                 RejectReason::kBadTimestamp, "overflows");
  ExpectRejected(kCbor,
                 OneSeries({std::numeric_limits<uint64_t>::max(), ordered_json::array(), {1}}),
                 RejectReason::kBadTimestamp, "out of range");
}

TEST(TelemetryCborTest, RejectsTooManySeriesAndPoints) {
  DecodeLimits limits;
  limits.max_series = 1;
  limits.max_points = 2;
  limits.max_events = 0;  // no allowance for event data in the parse-time value bound
  const ordered_json one = {kNow, ordered_json::array(), {1}};
  ExpectRejected(kCbor, Cbor({{"s", 1}, {"d", {{"a", one}, {"b", one}}}}),
                 RejectReason::kTooManySeries, "", limits);
  ExpectRejected(kCbor, OneSeries({kNow, {1, 1}, {1, 2, 3}}), RejectReason::kTooManyPoints,
                 "3 points, more than 2", limits);
  ordered_json many = ordered_json::array();
  for (int i = 0; i < 100; ++i) many.push_back(1);
  ExpectRejected(kCbor, OneSeries({kNow, many, many}), RejectReason::kTooManyPoints, "", limits);
}

TEST(TelemetryCborTest, OversizedPayloadIsRejectedFirst) {
  DecodeLimits limits;
  limits.max_payload_bytes = 4;
  ExpectRejected(kCbor, "\xff\xff\xff\xff\xff", RejectReason::kTooLarge, "5 bytes", limits);
}

}  // namespace
}  // namespace keel::wire
