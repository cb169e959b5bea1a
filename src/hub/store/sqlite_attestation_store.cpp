#include <fmt/format.h>

#include "hub/store/sqlite/store_state.h"
#include "hub/store/sqlite_store.h"

namespace keel::hub {
namespace {

using sqlite::Connection;
using sqlite::Transaction;

// Appends `event` to the device's events with seq 0 (hub-raised), after
// the hub events it has already.
Status AppendHubEvent(Connection& conn, int64_t dkey, const HubEvent& event) {
  KEEL_ASSIGN_OR_RETURN(auto next, conn.Prepare("SELECT coalesce(max(idx) + 1, 0) FROM events "
                                                "WHERE dkey = ?1 AND seq = 0"));
  next.Bind(1, dkey);
  KEEL_ASSIGN_OR_RETURN(const bool row, next.Step());
  const int64_t idx = row ? next.Int(0) : 0;
  KEEL_ASSIGN_OR_RETURN(auto ins, conn.Prepare("INSERT INTO events(dkey, seq, idx, type, t, data) "
                                               "VALUES(?1, 0, ?2, ?3, ?4, ?5)"));
  ins.Bind(1, dkey).Bind(2, idx).Bind(3, event.type).Bind(4, event.t_ms).Bind(5, event.data_json);
  return ins.Run();
}

}  // namespace

Result<std::map<std::string, AttestationBaseline>> SqliteStore::GetBaselines(
    std::string_view device) {
  auto conn = state_->readers.Acquire();
  KEEL_ASSIGN_OR_RETURN(const int64_t dkey, sqlite::RequireDeviceKey(*conn, device));
  KEEL_ASSIGN_OR_RETURN(auto stmt,
                        conn->Prepare("SELECT kind, name, version, sha256, recorded_ms FROM "
                                      "attestation_baselines WHERE dkey = ?1"));
  stmt.Bind(1, dkey);
  std::map<std::string, AttestationBaseline> out;
  while (true) {
    KEEL_ASSIGN_OR_RETURN(const bool row, stmt.Step());
    if (!row) break;
    out[stmt.Text(0)] = {stmt.Text(1), stmt.Text(2), stmt.Text(3), stmt.Int(4)};
  }
  return out;
}

Result<AttestationBaseline> SqliteStore::RecordBaseline(std::string_view device,
                                                        std::string_view kind,
                                                        const AttestationBaseline& b) {
  std::lock_guard lock(state_->write_mu);
  Connection& conn = *state_->writer;
  KEEL_ASSIGN_OR_RETURN(auto tx, Transaction::Begin(conn));
  KEEL_ASSIGN_OR_RETURN(const int64_t dkey, sqlite::RequireDeviceKey(conn, device));
  {
    KEEL_ASSIGN_OR_RETURN(
        auto ins, conn.Prepare("INSERT INTO attestation_baselines(dkey, kind, name, version, "
                               "sha256, recorded_ms) VALUES(?1, ?2, ?3, ?4, ?5, ?6) "
                               "ON CONFLICT DO NOTHING"));
    ins.Bind(1, dkey).Bind(2, kind).Bind(3, b.name).Bind(4, b.version).Bind(5, b.sha256);
    ins.Bind(6, b.recorded_ms);
    KEEL_RETURN_IF_ERROR(ins.Run());
  }
  KEEL_ASSIGN_OR_RETURN(auto stmt,
                        conn.Prepare("SELECT name, version, sha256, recorded_ms FROM "
                                     "attestation_baselines WHERE dkey = ?1 AND kind = ?2"));
  stmt.Bind(1, dkey).Bind(2, kind);
  KEEL_ASSIGN_OR_RETURN(const bool row, stmt.Step());
  if (!row) return conn.Error("read back the attestation baseline");
  AttestationBaseline stored{stmt.Text(0), stmt.Text(1), stmt.Text(2), stmt.Int(3)};
  stmt.Reset();
  KEEL_RETURN_IF_ERROR(tx.Commit());
  return stored;
}

Result<std::map<std::string, QuarantineRecord>> SqliteStore::ListQuarantines() {
  auto conn = state_->readers.Acquire();
  KEEL_ASSIGN_OR_RETURN(auto stmt,
                        conn->Prepare("SELECT d.id, q.since_ms, q.reason, q.remediation FROM "
                                      "quarantines q JOIN devices d ON d.dkey = q.dkey"));
  std::map<std::string, QuarantineRecord> out;
  while (true) {
    KEEL_ASSIGN_OR_RETURN(const bool row, stmt.Step());
    if (!row) break;
    out[stmt.Text(0)] = {stmt.Int(1), stmt.Text(2), stmt.Text(3)};
  }
  return out;
}

Status SqliteStore::SetQuarantine(std::string_view device,
                                  const std::optional<QuarantineRecord>& record,
                                  const HubEvent& event) {
  std::lock_guard lock(state_->write_mu);
  Connection& conn = *state_->writer;
  KEEL_ASSIGN_OR_RETURN(auto tx, Transaction::Begin(conn));
  KEEL_ASSIGN_OR_RETURN(const int64_t dkey, sqlite::RequireDeviceKey(conn, device));
  if (record) {
    KEEL_ASSIGN_OR_RETURN(
        auto stmt, conn.Prepare("INSERT INTO quarantines(dkey, since_ms, reason, remediation) "
                                "VALUES(?1, ?2, ?3, ?4) ON CONFLICT(dkey) DO UPDATE SET "
                                "since_ms = excluded.since_ms, reason = excluded.reason, "
                                "remediation = excluded.remediation"));
    stmt.Bind(1, dkey).Bind(2, record->since_ms).Bind(3, record->reason);
    stmt.Bind(4, record->remediation_json);
    KEEL_RETURN_IF_ERROR(stmt.Run());
  } else {
    KEEL_ASSIGN_OR_RETURN(auto stmt, conn.Prepare("DELETE FROM quarantines WHERE dkey = ?1"));
    stmt.Bind(1, dkey);
    KEEL_RETURN_IF_ERROR(stmt.Run());
  }
  KEEL_RETURN_IF_ERROR(AppendHubEvent(conn, dkey, event));
  KEEL_RETURN_IF_ERROR(tx.Commit());
  std::lock_guard stats_lock(state_->stats_mu);
  ++state_->stats.events;  // Stats().events counts every row of `events`
  return Status::Ok();
}

}  // namespace keel::hub
