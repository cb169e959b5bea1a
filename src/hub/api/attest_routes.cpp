#include "hub/api/attest_routes.h"

#include <spdlog/spdlog.h>

#include "edge/attest/quote.h"
#include "hub/api/http_json.h"
#include "wire/ota_messages.h"

namespace keel::hub {

void ServeAttestNonce(httplib::Response& res, attest::AttestationService& service,
                      const std::string& device) {
  const auto issued = service.IssueNonce(device);
  res.set_header("Cache-Control", "no-store");
  res.set_content(edge::attest::EncodeNonceReply({issued.nonce, issued.expires_ms}),
                  "application/json");
}

void ServeAttest(const httplib::Request& req, httplib::Response& res,
                 attest::AttestationService& service, const std::string& device,
                 const crypto::Certificate& certificate) {
  auto verdict = service.Attest(device, certificate, req.body);
  if (!verdict.ok()) return ReplyError(res, verdict.status());
  res.set_content(edge::attest::EncodeVerdict(*verdict), "application/json");
}

void ServeQuarantinedUpdatePoll(const httplib::Request& req, httplib::Response& res,
                                rollout::RolloutController& controller,
                                const attest::AttestationService& service,
                                const std::string& device) {
  auto request = wire::DecodePollRequest(req.body);
  if (!request.ok()) return ReplyError(res, request.status());
  auto reply = controller.Poll(device, *request);
  if (!reply.ok()) return ReplyError(res, reply.status());
  std::erase_if(reply->directives, [&](const wire::Directive& d) {
    const bool keep = service.Remediates(device, d);
    if (!keep) {
      spdlog::debug("api: {} is quarantined: directive {} {}@{} of deployment {} held back", device,
                    d.action, d.name, d.version, d.deployment);
    }
    return !keep;
  });
  res.set_content(wire::EncodePollReply(*reply), "application/json");
}

nlohmann::json QuarantineJson(const std::optional<QuarantineRecord>& record) {
  if (!record) return nullptr;
  return {{"since", record->since_ms}, {"reason", record->reason}};
}

}  // namespace keel::hub
