// libFuzzer target: the update poll request (device -> hub) and reply
// (hub -> device). Garbage is InvalidArgument, never a crash; what decodes
// re-encodes to something that decodes to the same value.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "wire/ota_messages.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view payload(reinterpret_cast<const char*>(data), size);
  if (auto request = keel::wire::DecodePollRequest(payload); request.ok()) {
    auto again = keel::wire::DecodePollRequest(keel::wire::EncodePollRequest(*request));
    if (!again.ok() || !(*again == *request)) __builtin_trap();
  } else if (request.status().code() != keel::StatusCode::kInvalidArgument) {
    __builtin_trap();
  }
  if (auto reply = keel::wire::DecodePollReply(payload); reply.ok()) {
    auto again = keel::wire::DecodePollReply(keel::wire::EncodePollReply(*reply));
    if (!again.ok() || !(*again == *reply)) __builtin_trap();
  } else if (reply.status().code() != keel::StatusCode::kInvalidArgument) {
    __builtin_trap();
  }
  return 0;
}
