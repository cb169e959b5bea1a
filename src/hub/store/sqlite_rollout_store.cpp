#include <fmt/format.h>

#include "hub/store/sqlite/store_state.h"
#include "hub/store/sqlite_store.h"

namespace keel::hub {
namespace {

using sqlite::Connection;
using sqlite::Transaction;

Status UpsertRows(Connection& conn, int64_t id, const DeploymentRows& rows) {
  for (const auto& [device, body] : rows) {
    KEEL_ASSIGN_OR_RETURN(const int64_t dkey, sqlite::RequireDeviceKey(conn, device));
    KEEL_ASSIGN_OR_RETURN(auto stmt,
                          conn.Prepare("INSERT INTO deployment_devices(deployment, dkey, body) "
                                       "VALUES(?1, ?2, ?3) ON CONFLICT(deployment, dkey) DO "
                                       "UPDATE SET body = excluded.body"));
    stmt.Bind(1, id).Bind(2, dkey).Bind(3, body);
    KEEL_RETURN_IF_ERROR(stmt.Run());
  }
  return Status::Ok();
}

}  // namespace

Result<int64_t> SqliteStore::CreateDeployment(std::string_view body, const DeploymentRows& rows) {
  std::lock_guard lock(state_->write_mu);
  Connection& conn = *state_->writer;
  KEEL_ASSIGN_OR_RETURN(auto tx, Transaction::Begin(conn));
  KEEL_ASSIGN_OR_RETURN(auto stmt, conn.Prepare("INSERT INTO deployments(body) VALUES(?1)"));
  stmt.Bind(1, body);
  KEEL_RETURN_IF_ERROR(stmt.Run());
  const int64_t id = conn.LastInsertRowid();
  KEEL_RETURN_IF_ERROR(UpsertRows(conn, id, rows));
  KEEL_RETURN_IF_ERROR(tx.Commit());
  return id;
}

Status SqliteStore::UpdateDeployment(int64_t id, std::string_view body,
                                     const DeploymentRows& rows) {
  std::lock_guard lock(state_->write_mu);
  Connection& conn = *state_->writer;
  KEEL_ASSIGN_OR_RETURN(auto tx, Transaction::Begin(conn));
  KEEL_ASSIGN_OR_RETURN(auto stmt, conn.Prepare("UPDATE deployments SET body = ?2 WHERE id = ?1"));
  stmt.Bind(1, id).Bind(2, body);
  KEEL_RETURN_IF_ERROR(stmt.Run());
  if (conn.Changes() == 0) return Status::NotFound(fmt::format("no deployment {}", id));
  KEEL_RETURN_IF_ERROR(UpsertRows(conn, id, rows));
  return tx.Commit();
}

Result<std::vector<StoredDeployment>> SqliteStore::ListDeployments() {
  auto conn = state_->readers.Acquire();
  KEEL_ASSIGN_OR_RETURN(auto stmt, conn->Prepare("SELECT id, body FROM deployments ORDER BY id"));
  std::vector<StoredDeployment> out;
  while (true) {
    KEEL_ASSIGN_OR_RETURN(const bool row, stmt.Step());
    if (!row) break;
    out.push_back({stmt.Int(0), stmt.Text(1)});
  }
  return out;
}

Result<DeploymentRows> SqliteStore::ListDeploymentRows(int64_t id) {
  auto conn = state_->readers.Acquire();
  KEEL_ASSIGN_OR_RETURN(
      auto stmt, conn->Prepare("SELECT d.id, r.body FROM deployment_devices r JOIN devices "
                               "d ON d.dkey = r.dkey WHERE r.deployment = ?1 ORDER BY d.id"));
  stmt.Bind(1, id);
  DeploymentRows out;
  while (true) {
    KEEL_ASSIGN_OR_RETURN(const bool row, stmt.Step());
    if (!row) break;
    out.emplace_back(stmt.Text(0), stmt.Text(1));
  }
  return out;
}

Result<DeviceOtaRecord> SqliteStore::GetDeviceOta(std::string_view device) {
  auto conn = state_->readers.Acquire();
  KEEL_ASSIGN_OR_RETURN(const int64_t dkey, sqlite::RequireDeviceKey(*conn, device));
  KEEL_ASSIGN_OR_RETURN(auto stmt,
                        conn->Prepare("SELECT report_seq, body FROM device_ota WHERE dkey = ?1"));
  stmt.Bind(1, dkey);
  KEEL_ASSIGN_OR_RETURN(const bool row, stmt.Step());
  if (!row) return DeviceOtaRecord{};
  return DeviceOtaRecord{stmt.Int(0), stmt.Text(1)};
}

Status SqliteStore::SaveDeviceOta(std::string_view device, const DeviceOtaRecord& record,
                                  const std::vector<std::pair<int64_t, std::string>>& reports) {
  std::lock_guard lock(state_->write_mu);
  Connection& conn = *state_->writer;
  KEEL_ASSIGN_OR_RETURN(auto tx, Transaction::Begin(conn));
  KEEL_ASSIGN_OR_RETURN(const int64_t dkey, sqlite::RequireDeviceKey(conn, device));
  for (const auto& [seq, body] : reports) {
    KEEL_ASSIGN_OR_RETURN(auto stmt, conn.Prepare("INSERT INTO ota_reports(dkey, seq, body) "
                                                  "VALUES(?1, ?2, ?3) ON CONFLICT DO NOTHING"));
    stmt.Bind(1, dkey).Bind(2, seq).Bind(3, body);
    KEEL_RETURN_IF_ERROR(stmt.Run());
  }
  KEEL_ASSIGN_OR_RETURN(auto stmt, conn.Prepare("INSERT INTO device_ota(dkey, report_seq, body) "
                                                "VALUES(?1, ?2, ?3) ON CONFLICT(dkey) DO UPDATE "
                                                "SET report_seq = excluded.report_seq, body = "
                                                "excluded.body"));
  stmt.Bind(1, dkey).Bind(2, record.report_seq).Bind(3, record.body);
  KEEL_RETURN_IF_ERROR(stmt.Run());
  return tx.Commit();
}

Status SqliteStore::SetDeviceTags(std::string_view device, const DeviceTags& tags) {
  std::lock_guard lock(state_->write_mu);
  Connection& conn = *state_->writer;
  KEEL_ASSIGN_OR_RETURN(auto tx, Transaction::Begin(conn));
  KEEL_ASSIGN_OR_RETURN(const int64_t dkey, sqlite::RequireDeviceKey(conn, device));
  {
    KEEL_ASSIGN_OR_RETURN(auto clear, conn.Prepare("DELETE FROM device_tags WHERE dkey = ?1"));
    clear.Bind(1, dkey);
    KEEL_RETURN_IF_ERROR(clear.Run());
  }
  for (const auto& [key, value] : tags) {
    KEEL_ASSIGN_OR_RETURN(
        auto stmt, conn.Prepare("INSERT INTO device_tags(dkey, key, value) VALUES(?1, ?2, ?3)"));
    stmt.Bind(1, dkey).Bind(2, key).Bind(3, value);
    KEEL_RETURN_IF_ERROR(stmt.Run());
  }
  return tx.Commit();
}

Result<std::map<std::string, DeviceTags>> SqliteStore::ListDeviceTags() {
  auto conn = state_->readers.Acquire();
  KEEL_ASSIGN_OR_RETURN(auto stmt,
                        conn->Prepare("SELECT d.id, t.key, t.value FROM device_tags t JOIN devices "
                                      "d ON d.dkey = t.dkey ORDER BY d.id, t.key"));
  std::map<std::string, DeviceTags> out;
  while (true) {
    KEEL_ASSIGN_OR_RETURN(const bool row, stmt.Step());
    if (!row) break;
    out[stmt.Text(0)][stmt.Text(1)] = stmt.Text(2);
  }
  return out;
}

}  // namespace keel::hub
