// The attestation quote and the messages around it (docs/api.md,
// "Attestation"):
//
//   POST /api/v1/attest/nonce  {}            -> NonceReply {"nonce": "<64 hex>", "expires_ms": ms}
//   POST /api/v1/attest        SignedQuote   -> Verdict {"verdict": "trusted"|"quarantined",
//                                                        "reason": "..."}
//
// SignedQuote {"quote": {"device": "<id>", "nonce": "<64 hex>",
//                        "events": [{"kind", "name", "version", "sha256"}, ...],
//                        "pcr": "<64 hex>", "t": <ms>},
//              "signature": "<hex of the DER ECDSA signature>"}
//
// The signature (crypto::Sign with device.key: ECDSA P-256 over SHA-256) is
// over QuoteSignedBytes(quote): the canonical JSON of the "quote" object
// (keys sorted, no whitespace). A verifier re-serialises what it parsed and
// never checks the received bytes themselves; since every value is a
// restricted ASCII string or an integer, one quote has exactly one
// serialisation.
//
// Decoders are strict: unknown, missing or repeated keys, wrong types and
// out-of-range values are InvalidArgument naming the key, e.g.
// `quote: events[2]: "sha256": must be 64 lower-case hex digits`. Payloads
// over kMaxQuoteBytes or nested deeper than 4 are refused before parsing.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "crypto/private_key.h"
#include "edge/attest/measurement_log.h"

namespace keel::edge::attest {

inline constexpr size_t kMaxQuoteBytes = 48 * 1024;
inline constexpr size_t kNonceBytes = 32;  // sent as 64 hex digits

struct Quote {
  std::string device;                 // the device id (the certificate's CN)
  std::string nonce;                  // 64 lower-case hex digits, as the hub issued it
  std::vector<MeasuredEvent> events;  // 1..kMaxEvents
  std::string pcr;                    // ReplayPcr(events) on an honest device
  int64_t t_ms = 0;                   // device clock, ms since the epoch, >= 0
  bool operator==(const Quote&) const = default;
};

struct SignedQuote {
  Quote quote;
  std::string signature;  // raw DER bytes
  bool operator==(const SignedQuote&) const = default;
};

struct NonceReply {
  std::string nonce;       // 64 lower-case hex digits
  int64_t expires_ms = 0;  // hub clock
  bool operator==(const NonceReply&) const = default;
};

struct Verdict {
  bool trusted = false;
  std::string reason;  // why quarantined (or a remark when trusted)
  bool operator==(const Verdict&) const = default;
};

std::string QuoteSignedBytes(const Quote& quote);

// Signs the quote with the device key.
Result<SignedQuote> SignQuote(Quote quote, const crypto::PrivateKey& key);

std::string EncodeSignedQuote(const SignedQuote& quote);
Result<SignedQuote> DecodeSignedQuote(std::string_view payload);

std::string EncodeNonceReply(const NonceReply& reply);
Result<NonceReply> DecodeNonceReply(std::string_view payload);

std::string EncodeVerdict(const Verdict& verdict);
Result<Verdict> DecodeVerdict(std::string_view payload);

}  // namespace keel::edge::attest
