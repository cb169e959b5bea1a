// libFuzzer target: the notification routes file (hub/notify,
// ParseNotifyRoutes) and the outbox notification bodies the dispatcher
// reads (ParseNotification). The first byte picks the parser, the rest is
// its input. Garbage must come back as InvalidArgument, never crash or
// hang; what parses must satisfy the documented guarantees (TLS only,
// sane retry bounds, unique names), and a parsed notification must render
// as a webhook body, an Alertmanager alert and a mail.
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>

#include "fuzz_check.h"
#include "hub/notify/notify_routes.h"
#include "hub/notify/payloads.h"

namespace {

using keel::fuzz::Check;
using keel::fuzz::CheckError;

using namespace keel::hub::notify;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] % 2 == 0) {
    auto config = ParseNotifyRoutes(text, "routes.json");
    if (!config.ok()) return CheckError(config.status()), 0;
    std::set<std::string> names;
    for (const auto& r : config->routes) {
      Check(names.insert(r.name).second && !r.name.empty());
      Check(!r.tls.ca_file.empty() && r.tls.cert_file.empty() == r.tls.key_file.empty());
      Check(r.type == RouteType::kSmtp ? (r.scheme == "smtps" || r.scheme == "smtp")
                                       : r.scheme == "https");
      Check(!r.host.empty() && r.port >= 1 && r.port <= 65535);
      Check(r.retry.max_attempts >= 1 && r.retry.initial_backoff_ms >= 1 &&
            r.retry.max_backoff_ms >= r.retry.initial_backoff_ms);
      Check(r.timeout_ms >= 1 && r.connect_timeout_ms >= 1);
      Check(r.match.max_priority_bucket >= 1 && r.match.max_priority_bucket <= 4);
      for (int attempt = 1; attempt <= r.retry.max_attempts; ++attempt) {
        const int64_t delay = BackoffMs(r.retry, attempt, 0.999);
        Check(delay >= 1 && delay <= r.retry.max_backoff_ms);
      }
      if (r.type == RouteType::kSmtp) Check(!r.to.empty() && !r.from.empty());
    }
    return 0;
  }
  auto n = ParseNotification(7, text);
  if (!n.ok()) return CheckError(n.status()), 0;
  Route route;
  route.from = "keel@example.org";
  route.to = {"ops@example.org"};
  const std::string mail = MailContent(route, *n, nullptr, "https://hub");
  // No header injection: the headers end at the first empty line, and the
  // subject is one line.
  const size_t subject = mail.find("Subject: ");
  Check(subject != std::string::npos && mail.find("\r\n", subject) < mail.find("\r\n\r\n"));
  Check(mail.find('\n', subject) == mail.find("\r\n", subject) + 1);
  Check(WebhookBody(*n, nullptr, "")["notification"]["id"] == 7);
  Check(AlertmanagerAlert(*n, n->at_ms, "")["labels"]["alertname"] == "keel_incident");
  return 0;
}
