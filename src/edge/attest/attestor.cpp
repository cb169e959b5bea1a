#include "edge/attest/attestor.h"

#include <fmt/format.h>

#include "crypto/certificate.h"
#include "crypto/private_key.h"

namespace keel::edge::attest {
namespace {

constexpr const char* kNoncePath = "/api/v1/attest/nonce";
constexpr const char* kAttestPath = "/api/v1/attest";

// POSTs `body` to `path`; the reply body on 200.
Result<std::string> Post(const ota::HubHttpsOptions& options, const char* path,
                         const std::string& body) {
  const std::string what = fmt::format("POST {}", path);
  auto client = ota::NewHubClient(options);
  auto result = client->Post(path, body, "application/json");
  if (!result) {
    return Status::Unavailable(fmt::format("{}: {}", what, httplib::to_string(result.error())));
  }
  if (result->status != 200) return ota::HubHttpError(result->status, what, result->body);
  return result->body;
}

}  // namespace

Result<NonceReply> HttpsAttestTransport::FetchNonce() {
  KEEL_ASSIGN_OR_RETURN(const std::string body, Post(options_, kNoncePath, "{}"));
  return DecodeNonceReply(body);
}

Result<Verdict> HttpsAttestTransport::SendQuote(const SignedQuote& quote) {
  KEEL_ASSIGN_OR_RETURN(const std::string body,
                        Post(options_, kAttestPath, EncodeSignedQuote(quote)));
  return DecodeVerdict(body);
}

Result<Verdict> Attestor::Attest() {
  MeasurementLog::Snapshot snapshot = source_();
  if (snapshot.events.empty()) {
    return Status::FailedPrecondition("attest: nothing measured yet");
  }
  if (snapshot.events.size() > kMaxEvents) {
    return Status::InvalidArgument(
        fmt::format("attest: {} events, a quote holds at most {} (restart the agent)",
                    snapshot.events.size(), kMaxEvents));
  }
  KEEL_ASSIGN_OR_RETURN(const crypto::Certificate cert,
                        crypto::Certificate::LoadFile(dir_ / "device.crt"));
  KEEL_ASSIGN_OR_RETURN(const crypto::PrivateKey key,
                        crypto::PrivateKey::LoadFile(dir_ / "device.key"));
  KEEL_ASSIGN_OR_RETURN(const NonceReply nonce, transport_.FetchNonce());
  Quote quote;
  quote.device = cert.SubjectCommonName();
  quote.nonce = nonce.nonce;
  quote.events = std::move(snapshot.events);
  quote.pcr = std::move(snapshot.pcr);
  quote.t_ms = clock_.NowMs();
  KEEL_ASSIGN_OR_RETURN(const SignedQuote signed_quote, SignQuote(std::move(quote), key));
  return transport_.SendQuote(signed_quote);
}

}  // namespace keel::edge::attest
