// SqliteStore: DeviceStore, TelemetryStore, ArtifactStore, RolloutStore,
// AttestationStore, IncidentStore and TopologyStore on one embedded SQLite
// file.
//
// Durability: journal_mode=WAL with synchronous=FULL, so a write that has
// returned OK survives power loss. One writer connection (writes are
// serialized by a mutex, each call is one transaction) and a small pool of
// read-only connections that see the last committed state without waiting
// for the writer. The file layout is documented in sqlite/schema.h.
//
// Thread-safety: all methods may be called concurrently from any thread.
#pragma once

#include <filesystem>
#include <memory>

#include "common/status.h"
#include "hub/store/artifact_store.h"
#include "hub/store/attestation_store.h"
#include "hub/store/device_store.h"
#include "hub/store/incident_store.h"
#include "hub/store/rollout_store.h"
#include "hub/store/telemetry_store.h"
#include "hub/store/topology_store.h"

namespace keel::hub {

class SqliteStore final : public DeviceStore,
                          public TelemetryStore,
                          public ArtifactStore,
                          public RolloutStore,
                          public AttestationStore,
                          public IncidentStore,
                          public TopologyStore {
 public:
  struct State;  // internal (sqlite/store_state.h)
  explicit SqliteStore(std::unique_ptr<State> state);
  ~SqliteStore() override;
  SqliteStore(const SqliteStore&) = delete;
  SqliteStore& operator=(const SqliteStore&) = delete;

  // DeviceStore
  Status CreateDevice(std::string_view id, int64_t now_ms) override;
  Result<DeviceRecord> GetDevice(std::string_view id) override;
  Result<std::vector<DeviceRecord>> ListDevices() override;
  Status AddEnrollmentToken(std::string_view device_id, std::string_view token_hash,
                            int64_t expires_ms) override;
  Status ConsumeEnrollmentToken(std::string_view device_id, std::string_view token_hash,
                                int64_t now_ms) override;
  Status RecordCertificate(std::string_view device_id, std::string_view serial_hex,
                           int64_t not_after_ms, int64_t now_ms) override;
  Status RevokeDevice(std::string_view device_id, int64_t now_ms) override;
  Result<std::vector<RevokedCert>> ListRevokedCertificates() override;
  Result<std::vector<std::string>> ListRevokedDeviceIds() override;
  Status RecordDeviceReport(std::string_view device_id, const DeviceReport& report) override;
  Status TouchDevice(std::string_view id, int64_t now_ms) override;

  // TelemetryStore
  Result<WriteResult> WriteBatches(std::span<IngestBatch> batches) override;
  Result<uint64_t> RecordGap(std::string_view device_id, uint64_t from_seq, uint64_t to_seq,
                             int64_t now_ms) override;
  Result<uint64_t> SettleUpTo(std::string_view device_id, uint64_t acked, int64_t now_ms) override;
  Result<std::vector<wire::Point>> ReadSeries(std::string_view device_id, std::string_view series,
                                              int64_t from_ms, int64_t to_ms,
                                              size_t limit) override;
  Result<std::vector<std::string>> ListSeries(std::string_view device_id) override;
  Result<std::vector<StoredEvent>> ReadEvents(const EventQuery& q) override;
  Result<StoreStats> Stats() override;

  // ArtifactStore
  Status AddArtifact(const ArtifactRecord& artifact) override;
  Result<ArtifactRecord> GetArtifact(std::string_view name, std::string_view version) override;
  Result<std::vector<ArtifactRecord>> ListArtifacts(std::string_view name) override;

  // RolloutStore
  Result<int64_t> CreateDeployment(std::string_view body, const DeploymentRows& rows) override;
  Status UpdateDeployment(int64_t id, std::string_view body, const DeploymentRows& rows) override;
  Result<std::vector<StoredDeployment>> ListDeployments() override;
  Result<DeploymentRows> ListDeploymentRows(int64_t id) override;
  Result<DeviceOtaRecord> GetDeviceOta(std::string_view device) override;
  Status SaveDeviceOta(std::string_view device, const DeviceOtaRecord& record,
                       const std::vector<std::pair<int64_t, std::string>>& reports) override;
  Status SetDeviceTags(std::string_view device, const DeviceTags& tags) override;
  Result<std::map<std::string, DeviceTags>> ListDeviceTags() override;

  // AttestationStore
  Result<std::map<std::string, AttestationBaseline>> GetBaselines(std::string_view device) override;
  Result<AttestationBaseline> RecordBaseline(std::string_view device, std::string_view kind,
                                             const AttestationBaseline& baseline) override;
  Result<std::map<std::string, QuarantineRecord>> ListQuarantines() override;
  Status SetQuarantine(std::string_view device, const std::optional<QuarantineRecord>& record,
                       const HubEvent& event) override;

  // IncidentStore
  Status SaveIncidents(const std::vector<StoredIncident>& incidents,
                       const std::vector<StoredNotification>& notifications) override;
  Result<std::vector<StoredIncident>> ListIncidents(const IncidentQuery& query) override;
  Result<StoredIncident> GetIncident(int64_t id) override;
  Result<int64_t> MaxIncidentId() override;
  Result<std::vector<StoredNotification>> ListNotifications(int64_t after_id,
                                                            size_t limit) override;
  Status MarkNotificationDelivered(int64_t id, int64_t delivered_ms) override;
  Result<int64_t> MaxNotificationId() override;
  Result<std::vector<NotifyRouteRecord>> ListNotifyRoutes() override;
  Status SaveNotifyRoute(const NotifyRouteRecord& record) override;
  Result<int64_t> AddSilence(std::string_view body) override;
  Status UpdateSilence(int64_t id, std::string_view body) override;
  Result<std::vector<StoredSilence>> ListSilences() override;

  // TopologyStore
  Result<int64_t> PutTopology(std::string_view body, int64_t version_expected,
                              int64_t now_ms) override;
  Result<StoredTopology> GetTopology() override;

  DeviceStore& devices() { return *this; }
  TelemetryStore& telemetry() { return *this; }

 private:
  std::unique_ptr<State> state_;
};

// Opens (creating if missing) the store at `db_path`; the parent directory
// must exist. Errors name the path: IoError if the file cannot be opened or
// is not a SQLite database (corrupt); FailedPrecondition if it is a SQLite
// database of something else or of an unknown schema_version.
Result<std::unique_ptr<SqliteStore>> OpenSqliteStore(const std::filesystem::path& db_path);

}  // namespace keel::hub
