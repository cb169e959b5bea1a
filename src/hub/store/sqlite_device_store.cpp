#include <fmt/format.h>

#include "hub/store/sqlite/store_state.h"
#include "hub/store/sqlite_store.h"

namespace keel::hub {
namespace {

using sqlite::Connection;
using sqlite::DeviceKey;
using sqlite::Transaction;

constexpr const char* kSelectDevice =
    "SELECT id, state, created_ms, enrolled_ms, last_seen_ms, cert_serial, cert_not_after_ms,"
    " acked_seq, samples_stored, report_t_ms, report_outbox_depth, report_outbox_bytes,"
    " report_dropped_total, report_cert_not_after_ms, report_agent FROM devices";

DeviceRecord ReadDevice(const sqlite::Stmt& s) {
  DeviceRecord d;
  d.id = s.Text(0);
  d.state = static_cast<DeviceState>(s.Int(1));
  d.created_ms = s.Int(2);
  d.enrolled_ms = s.Int(3);
  d.last_seen_ms = s.Int(4);
  d.cert_serial = s.Text(5);
  d.cert_not_after_ms = s.Int(6);
  d.acked_seq = s.UInt(7);
  d.samples_stored = s.UInt(8);
  d.report.t_ms = s.Int(9);
  d.report.outbox_depth = s.UInt(10);
  d.report.outbox_bytes = s.UInt(11);
  d.report.dropped_total = s.UInt(12);
  d.report.cert_not_after_ms = s.Int(13);
  d.report.agent = s.Text(14);
  return d;
}

Status UnknownDevice(std::string_view id) {
  return Status::NotFound(fmt::format("device \"{}\" is not registered", id));
}

Result<DeviceKey> RequireDevice(Connection& conn, std::string_view id) {
  KEEL_ASSIGN_OR_RETURN(auto found, sqlite::FindDevice(conn, id));
  if (!found) return UnknownDevice(id);
  return *found;
}

Status RevokedDevice(std::string_view id) {
  return Status::FailedPrecondition(fmt::format("device \"{}\" is revoked", id));
}

// Runs a single statement bound by `bind` that must change exactly one
// device row; NotFound otherwise.
template <typename Bind>
Status UpdateDevice(Connection& conn, std::string_view id, const char* sql, Bind bind) {
  KEEL_ASSIGN_OR_RETURN(auto stmt, conn.Prepare(sql));
  stmt.Bind(1, id);
  bind(stmt);
  KEEL_RETURN_IF_ERROR(stmt.Run());
  if (conn.Changes() == 0) return UnknownDevice(id);
  return Status::Ok();
}

}  // namespace

Status SqliteStore::CreateDevice(std::string_view id, int64_t now_ms) {
  if (id.empty()) return Status::InvalidArgument("device id must not be empty");
  {
    std::lock_guard lock(state_->write_mu);
    Connection& conn = *state_->writer;
    KEEL_ASSIGN_OR_RETURN(auto stmt,
                          conn.Prepare("INSERT INTO devices(id, state, created_ms) VALUES(?1, ?2, "
                                       "?3) ON CONFLICT(id) DO NOTHING"));
    stmt.Bind(1, id).Bind(2, int64_t{0}).Bind(3, now_ms);
    KEEL_RETURN_IF_ERROR(stmt.Run());
    if (conn.Changes() == 0) {
      return Status::AlreadyExists(fmt::format("device \"{}\" already exists", id));
    }
  }
  std::lock_guard lock(state_->stats_mu);
  ++state_->stats.devices;
  return Status::Ok();
}

Result<DeviceRecord> SqliteStore::GetDevice(std::string_view id) {
  auto conn = state_->readers.Acquire();
  KEEL_ASSIGN_OR_RETURN(auto stmt, conn->Prepare(std::string(kSelectDevice) + " WHERE id = ?1"));
  stmt.Bind(1, id);
  KEEL_ASSIGN_OR_RETURN(const bool row, stmt.Step());
  if (!row) return UnknownDevice(id);
  return ReadDevice(stmt);
}

Result<std::vector<DeviceRecord>> SqliteStore::ListDevices() {
  auto conn = state_->readers.Acquire();
  KEEL_ASSIGN_OR_RETURN(auto stmt, conn->Prepare(std::string(kSelectDevice) + " ORDER BY id"));
  std::vector<DeviceRecord> out;
  while (true) {
    KEEL_ASSIGN_OR_RETURN(const bool row, stmt.Step());
    if (!row) break;
    out.push_back(ReadDevice(stmt));
  }
  return out;
}

Status SqliteStore::AddEnrollmentToken(std::string_view device_id, std::string_view token_hash,
                                       int64_t expires_ms) {
  if (token_hash.empty()) return Status::InvalidArgument("enrollment token hash is empty");
  std::lock_guard lock(state_->write_mu);
  Connection& conn = *state_->writer;
  KEEL_ASSIGN_OR_RETURN(auto tx, Transaction::Begin(conn));
  KEEL_ASSIGN_OR_RETURN(const DeviceKey dev, RequireDevice(conn, device_id));
  if (dev.state == DeviceState::kRevoked) return RevokedDevice(device_id);
  {
    KEEL_ASSIGN_OR_RETURN(
        auto del,
        conn.Prepare("DELETE FROM enrollment_tokens WHERE dkey = ?1 AND used_ms IS NULL"));
    del.Bind(1, dev.dkey);
    KEEL_RETURN_IF_ERROR(del.Run());
  }
  {
    KEEL_ASSIGN_OR_RETURN(auto ins, conn.Prepare("INSERT OR REPLACE INTO enrollment_tokens(dkey, "
                                                 "token_hash, expires_ms) VALUES(?1, ?2, ?3)"));
    ins.Bind(1, dev.dkey).Bind(2, token_hash).Bind(3, expires_ms);
    KEEL_RETURN_IF_ERROR(ins.Run());
  }
  return tx.Commit();
}

Status SqliteStore::ConsumeEnrollmentToken(std::string_view device_id, std::string_view token_hash,
                                           int64_t now_ms) {
  const Status unknown = Status::Unauthenticated("enrollment token unknown");
  std::lock_guard lock(state_->write_mu);
  Connection& conn = *state_->writer;
  KEEL_ASSIGN_OR_RETURN(auto tx, Transaction::Begin(conn));
  KEEL_ASSIGN_OR_RETURN(auto dev, sqlite::FindDevice(conn, device_id));
  if (!dev || dev->state == DeviceState::kRevoked) return unknown;
  {
    KEEL_ASSIGN_OR_RETURN(auto find, conn.Prepare("SELECT expires_ms, used_ms FROM "
                                                  "enrollment_tokens WHERE dkey = ?1 AND "
                                                  "token_hash = ?2"));
    find.Bind(1, dev->dkey).Bind(2, token_hash);
    KEEL_ASSIGN_OR_RETURN(const bool row, find.Step());
    if (!row) return unknown;
    if (!find.IsNull(1)) return Status::Unauthenticated("enrollment token already used");
    if (now_ms >= find.Int(0)) return Status::Unauthenticated("enrollment token expired");
  }
  {
    KEEL_ASSIGN_OR_RETURN(auto use, conn.Prepare("UPDATE enrollment_tokens SET used_ms = ?3 "
                                                 "WHERE dkey = ?1 AND token_hash = ?2 AND "
                                                 "used_ms IS NULL"));
    use.Bind(1, dev->dkey).Bind(2, token_hash).Bind(3, now_ms);
    KEEL_RETURN_IF_ERROR(use.Run());
    if (conn.Changes() != 1) return Status::Unauthenticated("enrollment token already used");
  }
  return tx.Commit();
}

Status SqliteStore::RecordCertificate(std::string_view device_id, std::string_view serial_hex,
                                      int64_t not_after_ms, int64_t now_ms) {
  if (serial_hex.empty()) return Status::InvalidArgument("certificate serial is empty");
  std::lock_guard lock(state_->write_mu);
  Connection& conn = *state_->writer;
  KEEL_ASSIGN_OR_RETURN(auto tx, Transaction::Begin(conn));
  KEEL_ASSIGN_OR_RETURN(const DeviceKey dev, RequireDevice(conn, device_id));
  if (dev.state == DeviceState::kRevoked) return RevokedDevice(device_id);
  {
    KEEL_ASSIGN_OR_RETURN(auto ins, conn.Prepare("INSERT INTO certificates(serial_hex, dkey, "
                                                 "not_after_ms, issued_ms) VALUES(?1, ?2, ?3, "
                                                 "?4) ON CONFLICT(serial_hex) DO NOTHING"));
    ins.Bind(1, serial_hex).Bind(2, dev.dkey).Bind(3, not_after_ms).Bind(4, now_ms);
    KEEL_RETURN_IF_ERROR(ins.Run());
    if (conn.Changes() == 0) {
      return Status::AlreadyExists(
          fmt::format("certificate serial {} was already recorded", serial_hex));
    }
  }
  KEEL_RETURN_IF_ERROR(UpdateDevice(
      conn, device_id,
      "UPDATE devices SET state = 1, cert_serial = ?2, cert_not_after_ms = ?3,"
      " enrolled_ms = CASE WHEN enrolled_ms = 0 THEN ?4 ELSE enrolled_ms END WHERE id = ?1",
      [&](sqlite::Stmt& s) { s.Bind(2, serial_hex).Bind(3, not_after_ms).Bind(4, now_ms); }));
  return tx.Commit();
}

Status SqliteStore::RevokeDevice(std::string_view device_id, int64_t now_ms) {
  std::lock_guard lock(state_->write_mu);
  Connection& conn = *state_->writer;
  KEEL_ASSIGN_OR_RETURN(auto tx, Transaction::Begin(conn));
  KEEL_ASSIGN_OR_RETURN(const DeviceKey dev, RequireDevice(conn, device_id));
  KEEL_RETURN_IF_ERROR(UpdateDevice(conn, device_id, "UPDATE devices SET state = 2 WHERE id = ?1",
                                    [](sqlite::Stmt&) {}));
  {
    KEEL_ASSIGN_OR_RETURN(auto rev, conn.Prepare("UPDATE certificates SET revoked_ms = ?2 WHERE "
                                                 "dkey = ?1 AND revoked_ms IS NULL"));
    rev.Bind(1, dev.dkey).Bind(2, now_ms);
    KEEL_RETURN_IF_ERROR(rev.Run());
  }
  {
    KEEL_ASSIGN_OR_RETURN(auto del, conn.Prepare("DELETE FROM enrollment_tokens WHERE dkey = ?1 "
                                                 "AND used_ms IS NULL"));
    del.Bind(1, dev.dkey);
    KEEL_RETURN_IF_ERROR(del.Run());
  }
  return tx.Commit();
}

Result<std::vector<RevokedCert>> SqliteStore::ListRevokedCertificates() {
  auto conn = state_->readers.Acquire();
  KEEL_ASSIGN_OR_RETURN(auto stmt, conn->Prepare("SELECT c.serial_hex, d.id, c.revoked_ms FROM "
                                                 "certificates c JOIN devices d USING (dkey) "
                                                 "WHERE c.revoked_ms IS NOT NULL ORDER BY "
                                                 "c.serial_hex"));
  std::vector<RevokedCert> out;
  while (true) {
    KEEL_ASSIGN_OR_RETURN(const bool row, stmt.Step());
    if (!row) break;
    out.push_back(RevokedCert{stmt.Text(0), stmt.Text(1), stmt.Int(2)});
  }
  return out;
}

Result<std::vector<std::string>> SqliteStore::ListRevokedDeviceIds() {
  auto conn = state_->readers.Acquire();
  KEEL_ASSIGN_OR_RETURN(auto stmt,
                        conn->Prepare("SELECT id FROM devices WHERE state = 2 ORDER BY id"));
  std::vector<std::string> out;
  while (true) {
    KEEL_ASSIGN_OR_RETURN(const bool row, stmt.Step());
    if (!row) break;
    out.push_back(stmt.Text(0));
  }
  return out;
}

Status SqliteStore::RecordDeviceReport(std::string_view device_id, const DeviceReport& report) {
  std::lock_guard lock(state_->write_mu);
  return UpdateDevice(*state_->writer, device_id,
                      "UPDATE devices SET report_t_ms = ?2, report_outbox_depth = ?3,"
                      " report_outbox_bytes = ?4, report_dropped_total = ?5,"
                      " report_cert_not_after_ms = ?6, report_agent = ?7 WHERE id = ?1",
                      [&](sqlite::Stmt& s) {
                        s.Bind(2, report.t_ms)
                            .Bind(3, report.outbox_depth)
                            .Bind(4, report.outbox_bytes)
                            .Bind(5, report.dropped_total)
                            .Bind(6, report.cert_not_after_ms)
                            .Bind(7, report.agent);
                      });
}

Status SqliteStore::TouchDevice(std::string_view id, int64_t now_ms) {
  std::lock_guard lock(state_->write_mu);
  return UpdateDevice(*state_->writer, id,
                      "UPDATE devices SET last_seen_ms = max(last_seen_ms, ?2) WHERE id = ?1",
                      [&](sqlite::Stmt& s) { s.Bind(2, now_ms); });
}

}  // namespace keel::hub
