// AttestationService: the hub's side of measured-load attestation (issue 4,
// point 5; docs/security.md, "Attestation").
//
// A device asks for a nonce (NonceBook) and sends a quote
// (edge/attest/quote.h) signed with its device key. Attest():
//   1. decodes it strictly; the quote's device must be the certificate's CN
//      (PermissionDenied otherwise);
//   2. spends the nonce: unknown, used, expired or another device's nonce is
//      refused (InvalidArgument), so a replayed quote never counts;
//   3. verifies the signature with the public key of the certificate the
//      device presented in the TLS handshake (Unauthenticated otherwise);
//   4. replays the events into a PCR; one that differs from the signed pcr
//      means the device signed a log it did not keep: quarantined;
//   5. compares, per artifact kind, what the device measured with what it
//      should run (below); any mismatch quarantines it, a match lifts an
//      earlier quarantine (remediation).
// Refusals (1-3) change nothing; they are errors, not verdicts.
//
// What a device should run, per kind (agent, config, model): from its rows
// in the deployments of that kind (RolloutStore), oldest first, take the
// last row in state committed: its version is expected, with the digest of
// that version's files in the registry (ArtifactStore; the measurement is
// the same digest, edge/attest/measurement_log.h). Rows of newer
// deployments whose outcome the hub does not know yet — assigned,
// installing, reverting, timed_out, or cancelled after being assigned — add
// their version as also acceptable, so an update in progress (or one whose
// report is late) never quarantines. When no deployment of the kind ever
// committed on the device, its first measurement is trusted and recorded
// as its baseline (trust on first use); later ones must equal it.
// The last event of a kind is what the device runs now and is checked as
// above; earlier events of the kind (before a model hot swap) must each be
// a published artifact with the registry's digest, or the baseline. A kind
// expected from a committed deployment but not measured at all is a
// mismatch.
//
// Quarantine (AttestationStore, durable, with an attestation.quarantined
// event): the API marks the device, refuses its commands, lets through only
// update directives that install the expected version again (remediation:
// Remediates()), and telemetry ingest drops its uploads unacknowledged
// (IsQuarantined()). Thread-safe.
//
// With an event bus (Open's `bus`), every change of a device's quarantine
// is published once the store recorded it and IsQuarantined() reflects it:
// kAttestation "attestation.quarantined" (data {"reason", "since_ms",
// "remediation"}; again when the reason of an ongoing quarantine changes)
// and "attestation.restored" (data {"reason", "since_ms"} of the quarantine
// that ended). t is the hub's time of the verdict; seq 0. Published on the
// attesting (API) thread, one attestation at a time: a bus stage full of
// events worth as much may hold it up to that stage's max_block_ms.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/metrics.h"
#include "common/status.h"
#include "crypto/certificate.h"
#include "edge/attest/quote.h"
#include "hub/attest/nonce_book.h"
#include "hub/bus/event_bus.h"
#include "hub/store/artifact_store.h"
#include "hub/store/attestation_store.h"
#include "hub/store/rollout_store.h"
#include "wire/ota_messages.h"

namespace keel::hub::attest {

class AttestationService {
 public:
  // Loads the quarantined devices. The stores, clock, metrics and bus (null:
  // publish nothing) must outlive the service.
  static Result<std::unique_ptr<AttestationService>> Open(
      AttestationStore& store, RolloutStore& rollouts, ArtifactStore& artifacts, const Clock& clock,
      MetricsRegistry& metrics, NonceOptions nonces = {}, bus::EventBus* bus = nullptr);

  NonceBook::Issued IssueNonce(const std::string& device) { return nonces_.Issue(device); }

  // Steps 1-5 above for the body of POST /api/v1/attest from `device`,
  // authenticated by `certificate`. The verdict when the quote was checked;
  // an error when it was refused (or a store failed: IoError).
  Result<edge::attest::Verdict> Attest(const std::string& device,
                                       const crypto::Certificate& certificate,
                                       std::string_view body);

  std::optional<QuarantineRecord> Quarantine(const std::string& device) const;
  bool IsQuarantined(const std::string& device) const { return Quarantine(device).has_value(); }

  // Whether `directive` may reach the quarantined `device`: an install of
  // the version it should run of a kind that did not match (any install of
  // that kind when the mismatch was against a first-use baseline). True for
  // every directive of a device that is not quarantined.
  bool Remediates(const std::string& device, const wire::Directive& directive) const;

 private:
  AttestationService(AttestationStore& store, RolloutStore& rollouts, ArtifactStore& artifacts,
                     const Clock& clock, MetricsRegistry& metrics, NonceOptions nonces,
                     bus::EventBus* bus);

  struct Finding {
    std::string kind;
    std::string reason;            // "" when the kind matches
    std::string remediation_name;  // what to install again ("" with version "": any)
    std::string remediation_version;
  };
  // Checks the events of one kind against what the device should run.
  Result<Finding> CheckKind(const std::string& device, const std::string& kind,
                            const std::vector<edge::attest::MeasuredEvent>& events);
  Result<edge::attest::Verdict> Decide(const std::string& device, int64_t now,
                                       const std::vector<Finding>& mismatches);
  // Publishes a recorded quarantine change on bus_ (if any).
  void PublishChange(const std::string& device, std::string type, int64_t now, nlohmann::json data);

  AttestationStore& store_;
  RolloutStore& rollouts_;
  ArtifactStore& artifacts_;
  const Clock& clock_;
  MetricsRegistry& metrics_;
  bus::EventBus* const bus_;  // may be null
  NonceBook nonces_;
  mutable std::mutex mu_;
  std::map<std::string, QuarantineRecord> quarantined_;  // guarded by mu_
  std::mutex attest_mu_;  // one attestation at a time: decisions read then write the store
};

}  // namespace keel::hub::attest
