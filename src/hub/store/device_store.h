// DeviceStore: the hub's durable device registry (identity, enrollment
// tokens, certificates, revocation and the last state each device reported).
//
// This is a storage interface: it checks only what must be atomic in storage
// (a token is spent once, ids are unique). Policy (who may enroll, when to
// revoke) lives in hub/registry. Implementations: SqliteStore (sqlite_store.h);
// a PostgreSQL backend later.
//
// Thread-safety: every method may be called concurrently from any thread.
// Times are ms since the Unix epoch (UTC), supplied by the caller's Clock.
// Errors: NotFound for an unknown device id, IoError when the database fails
// (the message names the database path).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace keel::hub {

enum class DeviceState {
  kRegistered,  // created by an operator; no certificate issued yet
  kActive,      // holds at least one issued certificate
  kRevoked,     // terminal: all its certificates are revoked
};

// The last state message a device sent (keel/v1/<device>/state).
struct DeviceReport {
  int64_t t_ms = 0;  // device's own timestamp of the report
  uint64_t outbox_depth = 0;
  uint64_t outbox_bytes = 0;
  uint64_t dropped_total = 0;
  int64_t cert_not_after_ms = 0;
  std::string agent;  // agent version string
  bool operator==(const DeviceReport&) const = default;
};

struct DeviceRecord {
  std::string id;
  DeviceState state = DeviceState::kRegistered;
  int64_t created_ms = 0;
  int64_t enrolled_ms = 0;   // first certificate recorded; 0 = never
  int64_t last_seen_ms = 0;  // 0 = never
  std::string cert_serial;   // most recently recorded certificate ("" = none)
  int64_t cert_not_after_ms = 0;
  uint64_t acked_seq = 0;       // highest contiguous telemetry seq stored (or gap-reported)
  uint64_t samples_stored = 0;  // samples accepted from stored (non-duplicate) batches
  DeviceReport report;          // all zero until the first report
};

struct RevokedCert {
  std::string serial_hex;
  std::string device_id;
  int64_t revoked_ms = 0;
  bool operator==(const RevokedCert&) const = default;
};

class DeviceStore {
 public:
  virtual ~DeviceStore() = default;

  // AlreadyExists if `id` is taken. `id` must be non-empty (InvalidArgument).
  virtual Status CreateDevice(std::string_view id, int64_t now_ms) = 0;
  // NotFound if unknown.
  virtual Result<DeviceRecord> GetDevice(std::string_view id) = 0;
  // All devices ordered by id.
  virtual Result<std::vector<DeviceRecord>> ListDevices() = 0;

  // Enrollment tokens are stored only as hashes; the store never sees a
  // token. A new token replaces any unused earlier one for the device.
  // NotFound for an unknown device; FailedPrecondition for a revoked one.
  virtual Status AddEnrollmentToken(std::string_view device_id, std::string_view token_hash,
                                    int64_t expires_ms) = 0;
  // Atomically: the token must exist for this device, be unused and
  // unexpired (now_ms < expires_ms); it is then marked used. Of any number of
  // concurrent calls with the same token at most one succeeds. Failures are
  // Unauthenticated with the message "enrollment token already used",
  // "enrollment token expired" or "enrollment token unknown" (also for a
  // token of another device, an unknown device, or a revoked device).
  virtual Status ConsumeEnrollmentToken(std::string_view device_id, std::string_view token_hash,
                                        int64_t now_ms) = 0;

  // Records a newly issued certificate (history is kept; earlier
  // certificates stay valid until they expire or the device is revoked) and
  // makes the device active. AlreadyExists for a serial recorded before;
  // FailedPrecondition for a revoked device; NotFound for an unknown one.
  virtual Status RecordCertificate(std::string_view device_id, std::string_view serial_hex,
                                   int64_t not_after_ms, int64_t now_ms) = 0;
  // Marks the device revoked and every certificate of it revoked at now_ms.
  // Idempotent: revoking again keeps the first revocation times.
  virtual Status RevokeDevice(std::string_view device_id, int64_t now_ms) = 0;
  // Every revoked certificate (for the CRL), ordered by serial.
  virtual Result<std::vector<RevokedCert>> ListRevokedCertificates() = 0;
  // Ids of revoked devices, ordered.
  virtual Result<std::vector<std::string>> ListRevokedDeviceIds() = 0;

  // Replaces the device's last report.
  virtual Status RecordDeviceReport(std::string_view device_id, const DeviceReport& report) = 0;
  // last_seen_ms = max(last_seen_ms, now_ms).
  virtual Status TouchDevice(std::string_view id, int64_t now_ms) = 0;
};

}  // namespace keel::hub
