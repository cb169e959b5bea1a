// The update protocol between a device and the hub (docs/ota.md, "Rollout
// protocol"). The device polls over HTTPS with its client certificate:
//
//   POST /api/v1/updates/poll   PollRequest -> PollReply
//
// PollRequest {"installed": [{"kind", "name", "version"}, ...],   <= 3, one per kind
//              "kpis": {"windows": n, "anomalies": n, "inference_errors": n,
//                       "latency_p99_us": x},   counted since the last acked poll
//              "reports": [{"seq", "deployment", "kind", "name", "version",
//                           "state", "reason", "t"}, ...]}        <= kMaxReports
// PollReply   {"acked": seq, "directives": [{"deployment", "kind", "name",
//              "version", "action"}, ...], "poll_after_ms": ms}
//
// A report is one state change of one install, numbered by the device (seq
// strictly increasing, kept durably until acked); the hub stores reports
// idempotently by (device, seq) before it answers with the highest seq it
// holds, so each change is recorded exactly once however often it is
// resent. Directives are the hub's desired state: install a version, or
// revert one (fleet rollback). They are repeated on every poll until the
// device reports a final state for them, so a lost reply loses nothing.
//
// Decoders are strict like messages.h: unknown or missing keys, wrong types,
// bad names, too many entries are InvalidArgument naming the key.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace keel::wire {

inline constexpr size_t kMaxReports = 64;
inline constexpr size_t kMaxDirectives = 8;

// Artifact kinds as the registry names them.
inline constexpr std::string_view kOtaKinds[] = {"model", "config", "agent"};

// Report states: "installing" (download and install started), "committed"
// (healthy, running), "rolled_back" (its own health check failed or it
// crashed: the previous version runs again), "failed" (refused before
// switching: verification, download, downgrade), "reverted" (a revert
// directive was carried out).
inline constexpr std::string_view kOtaStates[] = {"installing", "committed", "rolled_back",
                                                  "failed", "reverted"};
// Whether a state ends the install it reports on.
bool IsFinalOtaState(std::string_view state);

struct InstalledArtifact {
  std::string kind, name, version;
  bool operator==(const InstalledArtifact&) const = default;
};

struct DeviceKpis {
  int64_t windows = 0;  // analysis windows evaluated
  int64_t anomalies = 0;
  int64_t inference_errors = 0;
  double latency_p99_us = 0;  // of model scoring
  bool operator==(const DeviceKpis&) const = default;
};

struct OtaReport {
  int64_t seq = 0;         // >= 1
  int64_t deployment = 0;  // >= 1
  std::string kind, name, version, state;
  std::string reason;  // why (rolled_back, failed), <= 512 bytes
  int64_t t_ms = 0;
  bool operator==(const OtaReport&) const = default;
};

struct PollRequest {
  std::vector<InstalledArtifact> installed;
  DeviceKpis kpis;
  std::vector<OtaReport> reports;
  bool operator==(const PollRequest&) const = default;
};

struct Directive {
  int64_t deployment = 0;
  std::string kind, name, version;
  std::string action;  // "install" or "revert"
  bool operator==(const Directive&) const = default;
};

struct PollReply {
  int64_t acked = 0;  // highest report seq the hub holds for this device
  std::vector<Directive> directives;
  int64_t poll_after_ms = 30000;
  bool operator==(const PollReply&) const = default;
};

std::string EncodePollRequest(const PollRequest& request);
Result<PollRequest> DecodePollRequest(std::string_view payload);
std::string EncodePollReply(const PollReply& reply);
Result<PollReply> DecodePollReply(std::string_view payload);

}  // namespace keel::wire
