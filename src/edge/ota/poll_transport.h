// PollTransport: how the device's rollout participant (OtaManager) reaches
// the hub's update poll (wire/ota_messages.h): one request, one reply. The
// HTTPS implementation is production; tests use a fake.
#pragma once

#include <memory>

#include "common/status.h"
#include "edge/ota/hub_https.h"
#include "wire/ota_messages.h"

namespace keel::edge::ota {

class PollTransport {
 public:
  virtual ~PollTransport() = default;
  // Sends `request` and returns the hub's reply. Unavailable when the hub
  // cannot be reached, the connection breaks or no reply came (the request
  // may still have been received: the protocol makes resending safe); the
  // hub's refusal otherwise (HubHttpError); InvalidArgument for a reply that
  // does not decode.
  virtual Result<wire::PollReply> Poll(const wire::PollRequest& request) = 0;
};

// POST /api/v1/updates/poll over mutual TLS. Built from options: one
// connection per call; built on a HubConnection: the poll shares it with the
// other calls of the same update poll (and the owner closes it).
// Thread-compatible.
class HttpsPollTransport final : public PollTransport {
 public:
  explicit HttpsPollTransport(HubHttpsOptions options);
  explicit HttpsPollTransport(std::shared_ptr<HubConnection> connection)
      : connection_(std::move(connection)) {}
  Result<wire::PollReply> Poll(const wire::PollRequest& request) override;

 private:
  std::shared_ptr<HubConnection> connection_;
  bool close_after_call_ = false;
};

}  // namespace keel::edge::ota
