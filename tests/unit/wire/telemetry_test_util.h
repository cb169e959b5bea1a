// Helpers shared by the telemetry codec tests.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "wire/telemetry_codec.h"

namespace keel::wire::testing {

inline constexpr int64_t kNow = 1'732'470'000'000;  // 2024-11-24T17:40:00Z

inline std::optional<Rejection> Decode(Encoding encoding, std::string_view payload,
                                       TelemetryBatch* out = nullptr,
                                       const DecodeLimits& limits = {}) {
  TelemetryBatch scratch;
  return DecodeTelemetry(encoding, payload, kNow, limits, out ? out : &scratch);
}

inline std::string Cbor(const nlohmann::ordered_json& j) {
  std::vector<uint8_t> bytes = nlohmann::ordered_json::to_cbor(j);
  return std::string(bytes.begin(), bytes.end());
}

// Asserts that decoding fails with `reason` and a message containing `part`.
inline void ExpectRejected(Encoding encoding, std::string_view payload, RejectReason reason,
                           std::string_view part, const DecodeLimits& limits = {}) {
  std::optional<Rejection> r = Decode(encoding, payload, nullptr, limits);
  ASSERT_TRUE(r.has_value()) << "accepted: " << payload;
  EXPECT_EQ(RejectReasonName(r->reason), RejectReasonName(reason)) << r->message;
  EXPECT_NE(r->message.find(part), std::string::npos)
      << "message \"" << r->message << "\" lacks \"" << part << "\"";
}

inline TelemetryBatch SampleBatch() {
  TelemetryBatch b;
  b.seq = 42;
  b.series.push_back({"temperature", {{kNow, 21.5}, {kNow + 1000, 21.6}, {kNow + 1000, -3.25}}});
  b.series.push_back({"zz/line-1:rpm_x.y", {{kNow - 5, -0.0001}, {kNow + 86'400'000, 1e300}}});
  b.series.push_back({"count", {{946684800000, 7}, {946684800001, -2}, {kNow, 0.1}}});
  return b;
}

}  // namespace keel::wire::testing
