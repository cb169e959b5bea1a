// libFuzzer target: the documents contextual alerting reads (hub/alerts).
// The first byte picks the parser, the rest is its input:
//   0: a correlation policy file      1: a silence request
//   2: a stored incident              3: a recorded event stream (replayed)
// Garbage must come back as InvalidArgument, never crash or hang; what
// parses must satisfy the parser's documented guarantees, and an incident
// must survive a JSON round trip unchanged.
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>
#include <string_view>

#include "fuzz_check.h"
#include "hub/alerts/alert_replay.h"
#include "hub/alerts/correlation_policy.h"
#include "hub/alerts/incident.h"
#include "hub/alerts/silence.h"

namespace {

using keel::fuzz::Check;
using keel::fuzz::CheckError;

using namespace keel::hub::alerts;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 4) {
    case 0: {
      auto policy = ParseCorrelationPolicy(text, "policy.json");
      if (!policy.ok()) return CheckError(policy.status()), 0;
      Check(policy->group_wait_ms >= 0 && policy->resolve_after_ms >= 0);
      Check(policy->flap_transitions >= 2 && policy->default_criticality >= 1 &&
            policy->default_criticality <= 5);
      for (const auto& rule : policy->inhibit)
        Check(!rule.source_name.empty() && !rule.equal.empty());
      return 0;
    }
    case 1: {
      auto json = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
      if (json.is_discarded()) return 0;
      auto silence = SilenceFromJson(json, /*stored=*/false, 1'800'000'000'000);
      if (!silence.ok()) return CheckError(silence.status()), 0;
      Check(!silence->matchers.empty() && silence->ends_ms > silence->starts_ms);
      return 0;
    }
    case 2: {
      auto json = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
      if (json.is_discarded()) return 0;
      auto incident = IncidentFromJson(json);
      if (!incident.ok()) return CheckError(incident.status()), 0;
      auto again = IncidentFromJson(IncidentToJson(*incident));
      Check(again.ok() && IncidentToJson(*again) == IncidentToJson(*incident));
      return 0;
    }
    default: {
      std::istringstream in{std::string(text)};
      auto report = ReplayAlerts(in, "events.jsonl", ReplayOptions{});
      if (!report.ok()) return CheckError(report.status()), 0;
      Check((*report)["raw_detections"].get<uint64_t>() <= (*report)["events"].get<uint64_t>());
      return 0;
    }
  }
}
