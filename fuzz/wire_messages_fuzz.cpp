// libFuzzer target: the strict JSON decoders for acks and raw requests (hub -> device) and
// device state and events (device -> hub). They must never crash, and what
// they accept must round-trip through the encoders unchanged.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "wire/messages.h"

namespace {

void Check(bool condition) {
  if (!condition) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace keel::wire;
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  if (auto ack = DecodeAck(input); ack.ok()) {
    auto again = DecodeAck(EncodeAck(*ack));
    Check(again.ok() && *again == *ack);
  }
  if (auto raw = DecodeRawRequest(input); raw.ok()) {
    Check(raw->seconds >= 1 && raw->seconds <= kMaxRawRequestSeconds);
    auto again = DecodeRawRequest(EncodeRawRequest(*raw));
    Check(again.ok() && *again == *raw);
  }
  if (auto state = DecodeDeviceState(input); state.ok()) {
    auto again = DecodeDeviceState(EncodeDeviceState(*state));
    Check(again.ok() && *again == *state);
  }
  if (auto event = DecodeEvent(input); event.ok()) {
    Check(IsValidEventType(event->type) && event->data.is_object());
    auto again = DecodeEvent(EncodeEvent(*event));
    Check(again.ok() && *again == *event);
    if (auto range = DecodeDroppedRange(*event); range.ok()) {
      Check(range->from >= 1 && range->from <= range->to);
      auto round = DecodeDroppedRange(DroppedRangeEvent(*range, event->t_ms));
      Check(round.ok() && *round == *range);
    }
  }
  return 0;
}
