// libFuzzer target: DecodeTelemetry(kCbor) on arbitrary bytes (the agent's
// compact encoding, but any client may claim application/cbor). It must
// never crash, recurse or allocate unboundedly, and whatever it accepts must
// survive re-encoding in both encodings unchanged.
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
  if (keel::wire::DecodeTelemetry(Encoding::kCbor, input, kNowMs, limits, &batch)) return 0;
  Check(batch.seq >= 1 && (!batch.series.empty() || !batch.events.empty()));
  for (const auto& series : batch.series) {
    Check(!series.points.empty());
    for (size_t i = 1; i < series.points.size(); ++i) {
      Check(series.points[i - 1].t_ms <= series.points[i].t_ms);
    }
  }
  for (Encoding encoding : {Encoding::kCbor, Encoding::kJson}) {
    keel::wire::TelemetryBatch again;
    Check(!keel::wire::DecodeTelemetry(encoding, EncodeTelemetry(batch, encoding), kNowMs, limits,
                                       &again));
    Check(again == batch);
  }
  return 0;
}
