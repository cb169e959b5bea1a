// libFuzzer target: DecodeTelemetry(kJson) on arbitrary bytes (any MQTT
// client can publish to keel/v1/<id>/telemetry). It must never crash or
// allocate unboundedly, and whatever it accepts must survive re-encoding in
// both encodings unchanged.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "wire/telemetry_codec.h"

namespace {

constexpr int64_t kNowMs = 1'732'470'000'000;

void Check(bool condition) {
  if (!condition) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using keel::wire::Encoding;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const keel::wire::DecodeLimits limits;
  keel::wire::TelemetryBatch batch;
  if (keel::wire::DecodeTelemetry(Encoding::kJson, input, kNowMs, limits, &batch)) return 0;
  Check(batch.seq >= 1 && (!batch.series.empty() || !batch.events.empty()));

  keel::wire::TelemetryBatch again;
  Check(!keel::wire::DecodeTelemetry(Encoding::kJson, EncodeTelemetry(batch, Encoding::kJson),
                                     kNowMs, limits, &again));
  Check(again == batch);

  for (auto& series : batch.series) {
    std::stable_sort(series.points.begin(), series.points.end(),
                     [](const auto& a, const auto& b) { return a.t_ms < b.t_ms; });
  }
  Check(!keel::wire::DecodeTelemetry(Encoding::kCbor, EncodeTelemetry(batch, Encoding::kCbor),
                                     kNowMs, limits, &again));
  Check(again == batch);
  return 0;
}
