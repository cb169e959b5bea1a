// libFuzzer target: the attestation quote (device -> hub; hostile input for
// the hub) and the nonce and verdict replies (hub -> device). Garbage is
// InvalidArgument, never a crash; what decodes re-encodes to something that
// decodes to the same value, so the signed bytes of a quote are stable.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "edge/attest/quote.h"

namespace {

template <typename T, typename Decode, typename Encode>
void RoundTrip(std::string_view payload, Decode decode, Encode encode) {
  auto decoded = decode(payload);
  if (!decoded.ok()) {
    if (decoded.status().code() != keel::StatusCode::kInvalidArgument) __builtin_trap();
    return;
  }
  auto again = decode(encode(*decoded));
  if (!again.ok() || !(*again == *decoded)) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace a = keel::edge::attest;
  const std::string_view payload(reinterpret_cast<const char*>(data), size);
  RoundTrip<a::SignedQuote>(payload, a::DecodeSignedQuote, a::EncodeSignedQuote);
  RoundTrip<a::NonceReply>(payload, a::DecodeNonceReply, a::EncodeNonceReply);
  RoundTrip<a::Verdict>(payload, a::DecodeVerdict, a::EncodeVerdict);
  if (auto quote = a::DecodeSignedQuote(payload); quote.ok()) {
    (void)a::ReplayPcr(quote->quote.events);  // every decoded event can be replayed
  }
  return 0;
}
