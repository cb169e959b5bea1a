// Attestor: the device's side of measured-load attestation (docs/security.md,
// "Attestation"). One Attest() call fetches a fresh nonce from the hub,
// builds a quote of the MeasurementLog (its events and PCR, bound to that
// nonce), signs it with the device key and returns the hub's verdict.
//
// The agent calls it from its attestation worker
// (edge/agent/attestation_worker.h): on connect, after every install and
// periodically, quoting MeasuredLoad::QuoteSnapshot. A quarantined
// verdict changes nothing on the device; the hub refuses its commands and
// telemetry until a later attestation matches (remediation), and telemetry
// stays in the outbox meanwhile.
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "common/clock.h"
#include "common/status.h"
#include "edge/attest/measurement_log.h"
#include "edge/attest/quote.h"
#include "edge/ota/hub_https.h"

namespace keel::edge::attest {

// How the Attestor reaches the hub: two calls, each one request and one
// reply. Unavailable when the hub cannot be reached (retry later); the hub's
// refusal otherwise (ota::HubHttpError: 400 InvalidArgument for a refused
// quote, e.g. an unknown or used nonce; 401/403 for the certificate);
// InvalidArgument for a reply that does not decode.
class AttestTransport {
 public:
  virtual ~AttestTransport() = default;
  virtual Result<NonceReply> FetchNonce() = 0;
  virtual Result<Verdict> SendQuote(const SignedQuote& quote) = 0;
};

// POST /api/v1/attest/nonce and POST /api/v1/attest over mutual TLS with
// the device certificate (ota::NewHubClient). One connection per call;
// thread-compatible.
class HttpsAttestTransport final : public AttestTransport {
 public:
  explicit HttpsAttestTransport(ota::HubHttpsOptions options) : options_(std::move(options)) {}
  Result<NonceReply> FetchNonce() override;
  Result<Verdict> SendQuote(const SignedQuote& quote) override;

 private:
  ota::HubHttpsOptions options_;
};

// The events (and their PCR) a quote carries, taken at each Attest().
using QuoteSource = std::function<MeasurementLog::Snapshot()>;

class Attestor {
 public:
  // `identity_dir` holds device.key and device.crt (edge/agent/identity.h);
  // the device id is the certificate's CN. The log, transport and clock must
  // outlive the Attestor.
  Attestor(std::filesystem::path identity_dir, const MeasurementLog& log,
           AttestTransport& transport, const Clock& clock)
      : Attestor(
            std::move(identity_dir), [&log] { return log.Take(); }, transport, clock) {}
  // Quotes what `source` returns (e.g. MeasuredLoad::QuoteSnapshot: the log
  // and the files changed on disk since they were loaded).
  Attestor(std::filesystem::path identity_dir, QuoteSource source, AttestTransport& transport,
           const Clock& clock)
      : dir_(std::move(identity_dir)),
        source_(std::move(source)),
        transport_(transport),
        clock_(clock) {}

  // Fetches a nonce, signs a quote of the events as they are now and sends
  // it. The key is read from the identity directory on every call, so a
  // renewed key is used at once. FailedPrecondition for no events;
  // InvalidArgument for more than kMaxEvents; errors of the key files
  // (NotFound, IoError, InvalidArgument) and of the transport as they are.
  // Thread-compatible (one call at a time).
  Result<Verdict> Attest();

 private:
  std::filesystem::path dir_;
  QuoteSource source_;
  AttestTransport& transport_;
  const Clock& clock_;
};

}  // namespace keel::edge::attest
