// Attestation endpoints (docs/api.md, "Attestation"). Devices (client
// certificate; the caller passes the authenticated id and the certificate
// it presented):
//   POST /api/v1/attest/nonce   {} -> {"nonce": "<64 hex>", "expires_ms": ms}
//   POST /api/v1/attest         signed quote (edge/attest/quote.h) ->
//                               {"verdict": "trusted"|"quarantined", "reason"}
// and what a quarantine changes elsewhere in the API: the device JSON's
// "quarantined" member, and the update poll of a quarantined device, which
// is answered as usual (its reports are applied and acknowledged) but
// carries only remediation directives.
// Stateless helpers.
#pragma once

#include <httplib.h>

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "crypto/certificate.h"
#include "hub/attest/attestation_service.h"
#include "hub/rollout/rollout_controller.h"

namespace keel::hub {

void ServeAttestNonce(httplib::Response& res, attest::AttestationService& service,
                      const std::string& device);

void ServeAttest(const httplib::Request& req, httplib::Response& res,
                 attest::AttestationService& service, const std::string& device,
                 const crypto::Certificate& certificate);

// The update poll of `device` while it is quarantined: directives that do
// not remediate (AttestationService::Remediates) are left out of the reply.
void ServeQuarantinedUpdatePoll(const httplib::Request& req, httplib::Response& res,
                                rollout::RolloutController& controller,
                                const attest::AttestationService& service,
                                const std::string& device);

// {"since": ms, "reason": "..."} or null.
nlohmann::json QuarantineJson(const std::optional<QuarantineRecord>& record);

}  // namespace keel::hub
