#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

#include "unit/wire/telemetry_test_util.h"
#include "wire/telemetry_codec.h"

namespace keel::wire {
namespace {

using testing::Decode;
using testing::ExpectRejected;
using testing::kNow;

constexpr Encoding kJson = Encoding::kJson;

TEST(TelemetryJsonTest, DecodesTheDocumentedExample) {
  TelemetryBatch batch;
  auto r = Decode(kJson,
                  R"({"seq": 42, "series": {"temperature": [[1732470000000, 21.5],)"
                  R"( [1732470001000, 21.6]]}})",
                  &batch);
  ASSERT_FALSE(r.has_value()) << r->message;
  EXPECT_EQ(batch.seq, 42u);
  ASSERT_EQ(batch.series.size(), 1u);
  EXPECT_EQ(batch.series[0].name, "temperature");
  EXPECT_EQ(batch.series[0].points,
            (std::vector<Point>{{1732470000000, 21.5}, {1732470001000, 21.6}}));
}

TEST(TelemetryJsonTest, RoundTripsKeepingOrderSignsAndFractions) {
  TelemetryBatch in = testing::SampleBatch();
  in.series[0].points.push_back({kNow - 1, 5});  // JSON keeps out-of-order points as sent
  TelemetryBatch out;
  auto r = Decode(kJson, EncodeTelemetry(in, kJson), &out);
  ASSERT_FALSE(r.has_value()) << r->message;
  EXPECT_EQ(out, in);
  EXPECT_TRUE(std::signbit(out.series[1].points[0].value));
}

TEST(TelemetryJsonTest, AcceptsIntegerValuesAndTimestampsAtTheBounds) {
  TelemetryBatch out;
  std::string payload = R"({"series": {"a": [[946684800000, 3], [1732556400000, -4]]}, "seq": 1})";
  auto r = Decode(kJson, payload, &out);
  ASSERT_FALSE(r.has_value()) << r->message;
  EXPECT_EQ(out.series[0].points[1], (Point{kNow + 86'400'000, -4}));
}

TEST(TelemetryJsonTest, RejectsOversizedPayloadBeforeParsing) {
  DecodeLimits limits;
  limits.max_payload_bytes = 10;
  ExpectRejected(kJson, "{{{{{{{{{{{{", RejectReason::kTooLarge, "12 bytes, more than 10", limits);
}

TEST(TelemetryJsonTest, RejectsInvalidAndTruncatedJson) {
  ExpectRejected(kJson, "", RejectReason::kMalformed, "parse error");
  ExpectRejected(kJson, "{\"seq\": 1, \"series\": {\"a\": [[1", RejectReason::kMalformed,
                 "parse error");
  ExpectRejected(kJson, "{\"seq\": 1} trailing", RejectReason::kMalformed, "parse error");
  ExpectRejected(kJson, "{\"seq\": 1, \"series\": {\"a\": [[1732470000000, NaN]]}}",
                 RejectReason::kMalformed, "parse error");
  ExpectRejected(kJson, "{\"seq\": 1, \"series\": {\"a\": [[1732470000000, Infinity]]}}",
                 RejectReason::kMalformed, "parse error");
  ExpectRejected(kJson, std::string("{\"seq\": 1, \"series\": {\"\xff\": []}}"),
                 RejectReason::kMalformed, "UTF-8");
}

TEST(TelemetryJsonTest, RejectsDeepNestingWithoutRecursion) {
  std::string deep(200000, '[');
  ExpectRejected(kJson, deep, RejectReason::kTooDeep, "deeper than 8");
  std::string deep_value = "{\"seq\": 1, \"series\": {\"a\": [[1732470000000, [[[[[1]]]]]]]}}";
  ExpectRejected(kJson, deep_value, RejectReason::kTooDeep, "deeper than 8");
}

TEST(TelemetryJsonTest, RejectsUnknownAndMissingKeys) {
  ExpectRejected(kJson, R"({"seq": 1, "series": {"a": [[1732470000000, 1]]}, "extra": 0})",
                 RejectReason::kMalformed, "unknown top-level key \"extra\"");
  ExpectRejected(kJson, R"({"series": {"a": [[1732470000000, 1]]}})", RejectReason::kBadSeq,
                 "missing \"seq\"");
  ExpectRejected(kJson, R"({"seq": 3})", RejectReason::kMalformed, "missing \"series\"");
}

TEST(TelemetryJsonTest, RejectsWrongTypes) {
  ExpectRejected(kJson, "[1, 2]", RejectReason::kWrongType, "must be an object, got array");
  ExpectRejected(kJson, R"({"seq": 1, "series": []})", RejectReason::kWrongType,
                 "\"series\" must be an object, got array");
  ExpectRejected(kJson, R"({"seq": 1, "series": {"a": {"t": 1}}})", RejectReason::kWrongType,
                 "series \"a\": expected an array of points, got object");
  ExpectRejected(kJson, R"({"seq": 1, "series": {"a": [5]}})", RejectReason::kWrongType,
                 "series \"a\": point 0: expected a [t, v] array, got integer");
  ExpectRejected(kJson, R"({"seq": 1, "series": {"a": [[1732470000000, "21.5"]]}})",
                 RejectReason::kWrongType, "point 0: value must be a number, got string");
  ExpectRejected(kJson, R"({"seq": 1, "series": {"a": [[1732470000000, null]]}})",
                 RejectReason::kWrongType, "got null");
  ExpectRejected(kJson, R"({"seq": 1, "series": {"a": [["1732470000000", 1]]}})",
                 RejectReason::kWrongType, "timestamp must be an integer, got string");
}

TEST(TelemetryJsonTest, RejectsPointsThatAreNotPairs) {
  ExpectRejected(kJson, R"({"seq": 1, "series": {"a": [[1732470000000, 1], [1732470000000]]}})",
                 RejectReason::kMalformed, "series \"a\": point 1: expected 2 elements");
  ExpectRejected(kJson, R"({"seq": 1, "series": {"a": [[1732470000000, 1, 2]]}})",
                 RejectReason::kMalformed, "got 3");
}

TEST(TelemetryJsonTest, RejectsBadSeq) {
  const std::string tail = R"(, "series": {"a": [[1732470000000, 1]]}})";
  ExpectRejected(kJson, R"({"seq": 0)" + tail, RejectReason::kBadSeq, "got 0");
  ExpectRejected(kJson, R"({"seq": -5)" + tail, RejectReason::kBadSeq, "got -5");
  ExpectRejected(kJson, R"({"seq": 1.5)" + tail, RejectReason::kBadSeq, "got float");
  ExpectRejected(kJson, R"({"seq": 1.0)" + tail, RejectReason::kBadSeq, "got float");
  ExpectRejected(kJson, R"({"seq": "1")" + tail, RejectReason::kBadSeq, "got string");
  ExpectRejected(kJson, R"({"seq": 99999999999999999999999)" + tail, RejectReason::kBadSeq,
                 "got float");
}

TEST(TelemetryJsonTest, RejectsBadSeriesNames) {
  auto with_name = [](const std::string& name) {
    return R"({"seq": 1, "series": {")" + name + R"(": [[1732470000000, 1]]}})";
  };
  ExpectRejected(kJson, with_name(""), RejectReason::kBadSeriesName, "empty series name");
  ExpectRejected(kJson, with_name(std::string(129, 'n')), RejectReason::kBadSeriesName,
                 "129 bytes, more than 128");
  ExpectRejected(kJson, with_name("temp erature"), RejectReason::kBadSeriesName,
                 "character 4 is not one of");
  ExpectRejected(kJson, with_name("t\\u0000"), RejectReason::kBadSeriesName, "\\x00");
  ExpectRejected(kJson, with_name("temp+"), RejectReason::kBadSeriesName, "character 4");
  TelemetryBatch ok;
  ASSERT_FALSE(Decode(kJson, with_name(std::string(128, 'n')), &ok).has_value());
}

TEST(TelemetryJsonTest, RejectsDuplicateSeriesAndKeys) {
  ExpectRejected(kJson,
                 R"({"seq": 1, "series": {"a": [[1732470000000, 1]], "a": [[1732470000000, 2]]}})",
                 RejectReason::kDuplicateKey, "duplicate key \"a\"");
  ExpectRejected(kJson, R"({"seq": 1, "seq": 2, "series": {"a": [[1732470000000, 1]]}})",
                 RejectReason::kDuplicateKey, "duplicate key \"seq\"");
}

TEST(TelemetryJsonTest, RejectsEmptyBatchesAndSeries) {
  ExpectRejected(kJson, R"({"seq": 1, "series": {}})", RejectReason::kEmpty, "\"series\" is empty");
  ExpectRejected(kJson, R"({"seq": 1, "series": {"a": [[1732470000000, 1]], "b": []}})",
                 RejectReason::kEmpty, "series \"b\": has no points");
}

TEST(TelemetryJsonTest, RejectsNonFiniteValuesThatOverflow) {
  ExpectRejected(kJson, R"({"seq": 1, "series": {"a": [[1732470000000, 1e400]]}})",
                 RejectReason::kNonFinite, "number overflow parsing '1e400'");
  ExpectRejected(kJson, R"({"seq": 1, "series": {"a": [[1732470000000, -1e400]]}})",
                 RejectReason::kNonFinite, "'-1e400'");
}

TEST(TelemetryJsonTest, RejectsAbsurdTimestamps) {
  auto at = [](const std::string& t) {
    return R"({"seq": 1, "series": {"temp": [[1732470000000, 1], [1732470000001, 1], )"
           R"([1732470000002, 1], [)" +
           t + R"(, 1]]}})";
  };
  ExpectRejected(kJson, at("17"), RejectReason::kBadTimestamp,
                 "series \"temp\": point 3: timestamp 17 is before 2000-01-01");
  ExpectRejected(kJson, at("-1"), RejectReason::kBadTimestamp, "timestamp -1 is before");
  ExpectRejected(kJson, at("946684799999"), RejectReason::kBadTimestamp, "is before 2000-01-01");
  ExpectRejected(kJson, at("1732556400001"), RejectReason::kBadTimestamp,
                 "timestamp 1732556400001 (2024-11-25T17:40:00.001Z) is more than 86400000 ms "
                 "after now (2024-11-24T17:40:00.000Z)");
  ExpectRejected(kJson, at("1732470000000.5"), RejectReason::kBadTimestamp, "not an integer");
  ExpectRejected(kJson, at("1.7e12"), RejectReason::kBadTimestamp, "not an integer");
  ExpectRejected(kJson, at("18446744073709551615"), RejectReason::kBadTimestamp, "out of range");
}

TEST(TelemetryJsonTest, TimestampLimitsAreConfigurable) {
  DecodeLimits limits;
  limits.min_t_ms = 1732470000000 + 1;
  ExpectRejected(kJson, R"({"seq": 1, "series": {"a": [[1732470000000, 1]]}})",
                 RejectReason::kBadTimestamp, "is before 2024-11-24T17:40:00.001Z", limits);
  limits.min_t_ms = 0;
  limits.max_future_ms = std::numeric_limits<int64_t>::max();
  TelemetryBatch out;
  ASSERT_FALSE(
      Decode(kJson, R"({"seq": 1, "series": {"a": [[9223372036854775807, 1]]}})", &out, limits)
          .has_value());
}

TEST(TelemetryJsonTest, RejectsTooManySeriesAndPoints) {
  DecodeLimits limits;
  limits.max_series = 2;
  limits.max_points = 3;
  std::string three_series =
      R"({"seq": 1, "series": {"a": [[1732470000000, 1]], "b": [[1732470000000, 1]],)"
      R"( "c": [[1732470000000, 1]]}})";
  ExpectRejected(kJson, three_series, RejectReason::kTooManySeries, "more than 2", limits);
  std::string four_points =
      R"({"seq": 1, "series": {"a": [[1732470000000, 1], [1732470000000, 1]],)"
      R"( "b": [[1732470000000, 1], [1732470000000, 1]]}})";
  ExpectRejected(kJson, four_points, RejectReason::kTooManyPoints, "4 points, more than 3", limits);
  std::string huge = R"({"seq": 1, "series": {"a": [)";
  for (int i = 0; i < 100; ++i) huge += "[1732470000000, 1],";
  huge += "[1732470000000, 1]]}}";
  ExpectRejected(kJson, huge, RejectReason::kTooManyPoints, "", limits);
}

TEST(TelemetryJsonTest, ContentTypes) {
  EXPECT_EQ(EncodingForContentType(""), Encoding::kJson);
  EXPECT_EQ(EncodingForContentType("application/json"), Encoding::kJson);
  EXPECT_EQ(EncodingForContentType("Application/JSON; charset=utf-8"), Encoding::kJson);
  EXPECT_EQ(EncodingForContentType("application/cbor"), Encoding::kCbor);
  EXPECT_EQ(EncodingForContentType(" application/cbor "), Encoding::kCbor);
  EXPECT_EQ(EncodingForContentType("text/plain"), std::nullopt);
  EXPECT_EQ(EncodingForContentType("application/jsonx"), std::nullopt);
  EXPECT_EQ(ContentTypeFor(Encoding::kJson), "application/json");
  EXPECT_EQ(ContentTypeFor(Encoding::kCbor), "application/cbor");
}

}  // namespace
}  // namespace keel::wire
