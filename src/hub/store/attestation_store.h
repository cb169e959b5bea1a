// AttestationStore: what measured-load attestation (hub/attest) keeps
// durably per device: the baselines trusted on first use, and the
// quarantine record of a device whose attestation did not match what it
// should run. A storage interface: the policy is hub/attest's.
//
// A change of quarantine is written together with a device event
// (attestation.quarantined, attestation.restored) in one transaction, into
// the same events table as device events (TelemetryStore::ReadEvents,
// GET /api/v1/events). Such hub-raised events carry seq 0, which no
// telemetry batch has (batches start at 1), so they never collide with a
// device's events and do not touch its acknowledgement watermark.
//
// Thread-safety and errors as DeviceStore (NotFound for an unknown device).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace keel::hub {

// What a device measured for one artifact kind the first time it attested
// while no deployment of that kind had committed on it.
struct AttestationBaseline {
  std::string name, version, sha256;
  int64_t recorded_ms = 0;
  bool operator==(const AttestationBaseline&) const = default;
};

struct QuarantineRecord {
  int64_t since_ms = 0;
  std::string reason;
  // JSON array owned by hub/attest: what the device may install meanwhile.
  std::string remediation_json = "[]";
  bool operator==(const QuarantineRecord&) const = default;
};

// An event the hub raises about a device (stored with seq 0).
struct HubEvent {
  std::string type;  // e.g. "attestation.quarantined"
  int64_t t_ms = 0;
  std::string data_json = "{}";  // a JSON object
};

class AttestationStore {
 public:
  virtual ~AttestationStore() = default;

  // Baselines of the device by kind ("agent", "config", "model").
  virtual Result<std::map<std::string, AttestationBaseline>> GetBaselines(
      std::string_view device) = 0;
  // Records the baseline of (device, kind) unless one exists (first use
  // wins); returns the one stored afterwards.
  virtual Result<AttestationBaseline> RecordBaseline(std::string_view device, std::string_view kind,
                                                     const AttestationBaseline& baseline) = 0;

  // Every quarantined device.
  virtual Result<std::map<std::string, QuarantineRecord>> ListQuarantines() = 0;
  // Sets (record) or lifts (nullopt) the device's quarantine and appends
  // `event` to its events, in one transaction.
  virtual Status SetQuarantine(std::string_view device,
                               const std::optional<QuarantineRecord>& record,
                               const HubEvent& event) = 0;
};

}  // namespace keel::hub
