#include "edge/ota/poll_transport.h"

#include <fmt/format.h>

namespace keel::edge::ota {
namespace {

constexpr const char* kPollPath = "/api/v1/updates/poll";
// A reply holds at most kMaxDirectives short directives: far below this.
constexpr size_t kMaxReplyBytes = 64 * 1024;

}  // namespace

HttpsPollTransport::HttpsPollTransport(HubHttpsOptions options)
    : connection_(std::make_shared<HubConnection>(std::move(options), SystemClock())),
      close_after_call_(true) {}

Result<wire::PollReply> HttpsPollTransport::Poll(const wire::PollRequest& request) {
  const std::string what = fmt::format("POST {}", kPollPath);
  const std::string body = wire::EncodePollRequest(request);
  auto result = connection_->Use(
      [&](httplib::SSLClient& client) { return client.Post(kPollPath, body, "application/json"); });
  if (close_after_call_) connection_->Close();
  if (!result) {
    return Status::Unavailable(fmt::format("{}: {}", what, httplib::to_string(result.error())));
  }
  if (result->status != 200) return HubHttpError(result->status, what, result->body);
  if (result->body.size() > kMaxReplyBytes) {
    return Status::InvalidArgument(
        fmt::format("{}: reply longer than {} bytes", what, kMaxReplyBytes));
  }
  return wire::DecodePollReply(result->body);
}

}  // namespace keel::edge::ota
