#include <fmt/format.h>

#include "hub/store/sqlite/store_state.h"
#include "hub/store/sqlite_store.h"

namespace keel::hub {

using sqlite::Connection;
using sqlite::Transaction;

Status SqliteStore::SaveIncidents(const std::vector<StoredIncident>& incidents,
                                  const std::vector<StoredNotification>& notifications) {
  if (incidents.empty() && notifications.empty()) return Status::Ok();
  std::lock_guard lock(state_->write_mu);
  Connection& conn = *state_->writer;
  KEEL_ASSIGN_OR_RETURN(auto tx, Transaction::Begin(conn));
  for (const auto& incident : incidents) {
    KEEL_ASSIGN_OR_RETURN(auto stmt,
                          conn.Prepare("INSERT INTO incidents(id, state, updated_ms, body) "
                                       "VALUES(?1, ?2, ?3, ?4) ON CONFLICT(id) DO UPDATE SET "
                                       "state = excluded.state, updated_ms = excluded.updated_ms, "
                                       "body = excluded.body"));
    stmt.Bind(1, incident.id).Bind(2, incident.state).Bind(3, incident.updated_ms);
    stmt.Bind(4, incident.body);
    KEEL_RETURN_IF_ERROR(stmt.Run());
  }
  for (const auto& n : notifications) {
    KEEL_ASSIGN_OR_RETURN(
        auto stmt,
        conn.Prepare("INSERT INTO incident_notifications(incident, body) VALUES(?1, ?2)"));
    stmt.Bind(1, n.incident).Bind(2, n.body);
    KEEL_RETURN_IF_ERROR(stmt.Run());
  }
  return tx.Commit();
}

Result<std::vector<StoredIncident>> SqliteStore::ListIncidents(const IncidentQuery& query) {
  auto conn = state_->readers.Acquire();
  std::string sql = "SELECT id, state, updated_ms, body FROM incidents WHERE updated_ms >= ?1";
  if (query.state) sql += " AND state = ?2";
  if (query.active_only) sql += " AND state != 'resolved'";
  sql += " ORDER BY id DESC LIMIT ?3";
  KEEL_ASSIGN_OR_RETURN(auto stmt, conn->Prepare(sql));
  stmt.Bind(1, query.updated_since_ms);
  if (query.state) stmt.Bind(2, *query.state);
  stmt.Bind(3, static_cast<int64_t>(query.limit));
  std::vector<StoredIncident> out;
  while (true) {
    KEEL_ASSIGN_OR_RETURN(const bool row, stmt.Step());
    if (!row) break;
    out.push_back({stmt.Int(0), stmt.Text(1), stmt.Int(2), stmt.Text(3)});
  }
  return out;
}

Result<StoredIncident> SqliteStore::GetIncident(int64_t id) {
  auto conn = state_->readers.Acquire();
  KEEL_ASSIGN_OR_RETURN(
      auto stmt, conn->Prepare("SELECT id, state, updated_ms, body FROM incidents WHERE id = ?1"));
  stmt.Bind(1, id);
  KEEL_ASSIGN_OR_RETURN(const bool row, stmt.Step());
  if (!row) return Status::NotFound(fmt::format("no incident {}", id));
  return StoredIncident{stmt.Int(0), stmt.Text(1), stmt.Int(2), stmt.Text(3)};
}

Result<int64_t> SqliteStore::MaxIncidentId() {
  auto conn = state_->readers.Acquire();
  KEEL_ASSIGN_OR_RETURN(auto stmt, conn->Prepare("SELECT coalesce(max(id), 0) FROM incidents"));
  KEEL_ASSIGN_OR_RETURN(const bool row, stmt.Step());
  return row ? stmt.Int(0) : 0;
}

Result<std::vector<StoredNotification>> SqliteStore::ListNotifications(int64_t after_id,
                                                                       size_t limit) {
  auto conn = state_->readers.Acquire();
  KEEL_ASSIGN_OR_RETURN(auto stmt,
                        conn->Prepare("SELECT id, incident, body, coalesce(delivered_ms, 0) FROM "
                                      "incident_notifications WHERE id > ?1 ORDER BY id LIMIT ?2"));
  stmt.Bind(1, after_id).Bind(2, static_cast<int64_t>(limit));
  std::vector<StoredNotification> out;
  while (true) {
    KEEL_ASSIGN_OR_RETURN(const bool row, stmt.Step());
    if (!row) break;
    out.push_back({stmt.Int(0), stmt.Int(1), stmt.Text(2), stmt.Int(3)});
  }
  return out;
}

Status SqliteStore::MarkNotificationDelivered(int64_t id, int64_t delivered_ms) {
  std::lock_guard lock(state_->write_mu);
  Connection& conn = *state_->writer;
  KEEL_ASSIGN_OR_RETURN(
      auto stmt, conn.Prepare("UPDATE incident_notifications SET delivered_ms = ?2 WHERE id = ?1"));
  stmt.Bind(1, id).Bind(2, delivered_ms);
  KEEL_RETURN_IF_ERROR(stmt.Run());
  if (conn.Changes() == 0) return Status::NotFound(fmt::format("no notification {}", id));
  return Status::Ok();
}

Result<int64_t> SqliteStore::MaxNotificationId() {
  auto conn = state_->readers.Acquire();
  KEEL_ASSIGN_OR_RETURN(auto stmt,
                        conn->Prepare("SELECT coalesce(max(id), 0) FROM incident_notifications"));
  KEEL_ASSIGN_OR_RETURN(const bool row, stmt.Step());
  return row ? stmt.Int(0) : 0;
}

Result<std::vector<NotifyRouteRecord>> SqliteStore::ListNotifyRoutes() {
  auto conn = state_->readers.Acquire();
  KEEL_ASSIGN_OR_RETURN(auto stmt,
                        conn->Prepare("SELECT route, cursor, updated_ms, failed, last_error, "
                                      "last_error_ms FROM notify_routes ORDER BY route"));
  std::vector<NotifyRouteRecord> out;
  while (true) {
    KEEL_ASSIGN_OR_RETURN(const bool row, stmt.Step());
    if (!row) break;
    out.push_back({stmt.Text(0), stmt.Int(1), stmt.Int(2), stmt.Int(3), stmt.Text(4), stmt.Int(5)});
  }
  return out;
}

Status SqliteStore::SaveNotifyRoute(const NotifyRouteRecord& r) {
  std::lock_guard lock(state_->write_mu);
  Connection& conn = *state_->writer;
  KEEL_ASSIGN_OR_RETURN(
      auto stmt,
      conn.Prepare("INSERT INTO notify_routes(route, cursor, updated_ms, failed, last_error, "
                   "last_error_ms) VALUES(?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT(route) DO UPDATE SET "
                   "cursor = excluded.cursor, updated_ms = excluded.updated_ms, "
                   "failed = excluded.failed, last_error = excluded.last_error, "
                   "last_error_ms = excluded.last_error_ms"));
  stmt.Bind(1, r.route).Bind(2, r.cursor).Bind(3, r.updated_ms).Bind(4, r.failed);
  stmt.Bind(5, r.last_error).Bind(6, r.last_error_ms);
  return stmt.Run();
}

Result<int64_t> SqliteStore::AddSilence(std::string_view body) {
  std::lock_guard lock(state_->write_mu);
  Connection& conn = *state_->writer;
  KEEL_ASSIGN_OR_RETURN(auto stmt, conn.Prepare("INSERT INTO silences(body) VALUES(?1)"));
  stmt.Bind(1, body);
  KEEL_RETURN_IF_ERROR(stmt.Run());
  return conn.LastInsertRowid();
}

Status SqliteStore::UpdateSilence(int64_t id, std::string_view body) {
  std::lock_guard lock(state_->write_mu);
  Connection& conn = *state_->writer;
  KEEL_ASSIGN_OR_RETURN(auto stmt, conn.Prepare("UPDATE silences SET body = ?2 WHERE id = ?1"));
  stmt.Bind(1, id).Bind(2, body);
  KEEL_RETURN_IF_ERROR(stmt.Run());
  if (conn.Changes() == 0) return Status::NotFound(fmt::format("no silence {}", id));
  return Status::Ok();
}

Result<std::vector<StoredSilence>> SqliteStore::ListSilences() {
  auto conn = state_->readers.Acquire();
  KEEL_ASSIGN_OR_RETURN(auto stmt, conn->Prepare("SELECT id, body FROM silences ORDER BY id"));
  std::vector<StoredSilence> out;
  while (true) {
    KEEL_ASSIGN_OR_RETURN(const bool row, stmt.Step());
    if (!row) break;
    out.push_back({stmt.Int(0), stmt.Text(1)});
  }
  return out;
}

}  // namespace keel::hub
