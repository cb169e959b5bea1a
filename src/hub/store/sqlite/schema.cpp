#include "hub/store/sqlite/schema.h"

#include <fmt/format.h>

namespace keel::hub::sqlite {
namespace {

constexpr const char* kCreateSchema = R"sql(
CREATE TABLE meta(key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
INSERT INTO meta VALUES('schema_version', 8), ('duplicates_total', 0);
CREATE TABLE devices(
  dkey INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  state INTEGER NOT NULL,
  created_ms INTEGER NOT NULL,
  enrolled_ms INTEGER NOT NULL DEFAULT 0,
  last_seen_ms INTEGER NOT NULL DEFAULT 0,
  cert_serial TEXT NOT NULL DEFAULT '',
  cert_not_after_ms INTEGER NOT NULL DEFAULT 0,
  acked_seq INTEGER NOT NULL DEFAULT 0,
  samples_stored INTEGER NOT NULL DEFAULT 0,
  report_t_ms INTEGER NOT NULL DEFAULT 0,
  report_outbox_depth INTEGER NOT NULL DEFAULT 0,
  report_outbox_bytes INTEGER NOT NULL DEFAULT 0,
  report_dropped_total INTEGER NOT NULL DEFAULT 0,
  report_cert_not_after_ms INTEGER NOT NULL DEFAULT 0,
  report_agent TEXT NOT NULL DEFAULT '');
CREATE TABLE enrollment_tokens(
  dkey INTEGER NOT NULL REFERENCES devices(dkey),
  token_hash TEXT NOT NULL,
  expires_ms INTEGER NOT NULL,
  used_ms INTEGER,
  PRIMARY KEY(dkey, token_hash)) WITHOUT ROWID;
CREATE TABLE certificates(
  serial_hex TEXT PRIMARY KEY,
  dkey INTEGER NOT NULL REFERENCES devices(dkey),
  not_after_ms INTEGER NOT NULL,
  issued_ms INTEGER NOT NULL,
  revoked_ms INTEGER) WITHOUT ROWID;
CREATE INDEX certificates_by_device ON certificates(dkey);
CREATE TABLE batches(
  dkey INTEGER NOT NULL REFERENCES devices(dkey),
  seq INTEGER NOT NULL,
  received_ms INTEGER NOT NULL,
  samples INTEGER NOT NULL,
  PRIMARY KEY(dkey, seq)) WITHOUT ROWID;
CREATE TABLE gaps(
  id INTEGER PRIMARY KEY,
  dkey INTEGER NOT NULL REFERENCES devices(dkey),
  from_seq INTEGER NOT NULL,
  to_seq INTEGER NOT NULL,
  recorded_ms INTEGER NOT NULL);
CREATE INDEX gaps_by_end ON gaps(dkey, to_seq);
CREATE TABLE series(
  sid INTEGER PRIMARY KEY,
  dkey INTEGER NOT NULL REFERENCES devices(dkey),
  name TEXT NOT NULL,
  UNIQUE(dkey, name));
CREATE TABLE samples(
  sid INTEGER NOT NULL,
  t INTEGER NOT NULL,
  v REAL NOT NULL,
  PRIMARY KEY(sid, t)) WITHOUT ROWID;
)sql";

// Version 2 added device events; also the migration from version 1.
constexpr const char* kCreateEvents = R"sql(
CREATE TABLE events(
  dkey INTEGER NOT NULL REFERENCES devices(dkey),
  seq INTEGER NOT NULL,
  idx INTEGER NOT NULL,
  type TEXT NOT NULL,
  t INTEGER NOT NULL,
  data TEXT NOT NULL,
  PRIMARY KEY(dkey, seq, idx));
CREATE INDEX events_by_time ON events(t);
CREATE INDEX events_by_device_time ON events(dkey, t);
)sql";

// Version 3 added the artifact registry.
constexpr const char* kCreateArtifacts = R"sql(
CREATE TABLE artifacts(
  name TEXT NOT NULL,
  version TEXT NOT NULL,
  kind TEXT NOT NULL,
  files TEXT NOT NULL,
  digest TEXT NOT NULL,
  size INTEGER NOT NULL,
  parent TEXT NOT NULL,
  lineage TEXT NOT NULL,
  metrics TEXT NOT NULL,
  published_by TEXT NOT NULL,
  published_ms INTEGER NOT NULL,
  PRIMARY KEY(name, version)) WITHOUT ROWID;
)sql";

// Version 4 added rollouts and device tags.
constexpr const char* kCreateRollouts = R"sql(
CREATE TABLE device_tags(
  dkey INTEGER NOT NULL REFERENCES devices(dkey),
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY(dkey, key)) WITHOUT ROWID;
CREATE TABLE deployments(
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  body TEXT NOT NULL);
CREATE TABLE deployment_devices(
  deployment INTEGER NOT NULL REFERENCES deployments(id),
  dkey INTEGER NOT NULL REFERENCES devices(dkey),
  body TEXT NOT NULL,
  PRIMARY KEY(deployment, dkey)) WITHOUT ROWID;
CREATE TABLE device_ota(
  dkey INTEGER PRIMARY KEY REFERENCES devices(dkey),
  report_seq INTEGER NOT NULL,
  body TEXT NOT NULL);
CREATE TABLE ota_reports(
  dkey INTEGER NOT NULL REFERENCES devices(dkey),
  seq INTEGER NOT NULL,
  body TEXT NOT NULL,
  PRIMARY KEY(dkey, seq)) WITHOUT ROWID;
)sql";

// Version 5 added measured-load attestation.
constexpr const char* kCreateAttestation = R"sql(
CREATE TABLE attestation_baselines(
  dkey INTEGER NOT NULL REFERENCES devices(dkey),
  kind TEXT NOT NULL,
  name TEXT NOT NULL,
  version TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  recorded_ms INTEGER NOT NULL,
  PRIMARY KEY(dkey, kind)) WITHOUT ROWID;
CREATE TABLE quarantines(
  dkey INTEGER PRIMARY KEY REFERENCES devices(dkey),
  since_ms INTEGER NOT NULL,
  reason TEXT NOT NULL,
  remediation TEXT NOT NULL);
)sql";

// Version 6 added contextual alerting (hub/alerts).
constexpr const char* kCreateAlerts = R"sql(
CREATE TABLE incidents(
  id INTEGER PRIMARY KEY,
  state TEXT NOT NULL,
  updated_ms INTEGER NOT NULL,
  body TEXT NOT NULL);
CREATE INDEX incidents_by_state ON incidents(state, id);
CREATE TABLE incident_notifications(
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  incident INTEGER NOT NULL,
  body TEXT NOT NULL,
  delivered_ms INTEGER);
CREATE TABLE silences(
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  body TEXT NOT NULL);
)sql";

// Version 7 added the topology document (hub/topology): one row, id 1.
constexpr const char* kCreateTopology = R"sql(
CREATE TABLE topology(
  id INTEGER PRIMARY KEY CHECK(id = 1),
  version INTEGER NOT NULL,
  updated_ms INTEGER NOT NULL,
  body TEXT NOT NULL);
)sql";

// Version 8 added the delivery progress of notification routes (hub/notify).
constexpr const char* kCreateNotifyRoutes = R"sql(
CREATE TABLE notify_routes(
  route TEXT PRIMARY KEY,
  cursor INTEGER NOT NULL,
  updated_ms INTEGER NOT NULL,
  failed INTEGER NOT NULL,
  last_error TEXT NOT NULL,
  last_error_ms INTEGER NOT NULL) WITHOUT ROWID;
)sql";

// The schema changes that lead from version N-1 to N, for N = 2..8.
constexpr const char* kMigrations[] = {kCreateEvents,      kCreateArtifacts, kCreateRollouts,
                                       kCreateAttestation, kCreateAlerts,    kCreateTopology,
                                       kCreateNotifyRoutes};
constexpr int64_t kFirstMigratedVersion = 2;

// Applies every migration after `from`, each in its own transaction, so a
// crash between two leaves a database at a known version.
Status MigrateFrom(Connection& conn, int64_t from) {
  for (int64_t to = from + 1; to <= kSchemaVersion; ++to) {
    KEEL_ASSIGN_OR_RETURN(auto tx, Transaction::Begin(conn));
    KEEL_RETURN_IF_ERROR(conn.Exec(kMigrations[to - kFirstMigratedVersion]));
    KEEL_ASSIGN_OR_RETURN(auto bump,
                          conn.Prepare("UPDATE meta SET value = ?1 WHERE key = 'schema_version' "
                                       "AND value = ?2"));
    bump.Bind(1, to).Bind(2, to - 1);
    KEEL_RETURN_IF_ERROR(bump.Run());
    if (conn.Changes() != 1) {
      return Status::FailedPrecondition(
          fmt::format("hub store {}: schema_version changed during migration", conn.path()));
    }
    KEEL_RETURN_IF_ERROR(tx.Commit());
  }
  return Status::Ok();
}

Result<std::string> PragmaText(Connection& conn, std::string_view pragma) {
  KEEL_ASSIGN_OR_RETURN(auto stmt, conn.Prepare(pragma));
  KEEL_ASSIGN_OR_RETURN(const bool row, stmt.Step());
  if (!row) return std::string();
  return stmt.Text(0);
}

Status CheckVersion(Connection& conn) {
  {
    KEEL_ASSIGN_OR_RETURN(auto has_meta,
                          conn.Prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND "
                                       "name = 'meta'"));
    KEEL_ASSIGN_OR_RETURN(const bool found, has_meta.Step());
    if (!found) {
      return Status::FailedPrecondition(fmt::format(
          "hub store {}: a SQLite database but not a Keel hub store (no meta table)", conn.path()));
    }
  }
  KEEL_ASSIGN_OR_RETURN(auto stmt,
                        conn.Prepare("SELECT value FROM meta WHERE key = 'schema_version'"));
  KEEL_ASSIGN_OR_RETURN(const bool row, stmt.Step());
  if (!row) {
    return Status::FailedPrecondition(
        fmt::format("hub store {}: meta table has no schema_version", conn.path()));
  }
  const int64_t version = stmt.Int(0);
  if (version >= 1 && version < kSchemaVersion) {
    stmt.Reset();
    return MigrateFrom(conn, version);
  }
  if (version != kSchemaVersion) {
    return Status::FailedPrecondition(
        fmt::format("hub store {}: unknown schema_version {} (this build reads version {})",
                    conn.path(), version, kSchemaVersion));
  }
  return Status::Ok();
}

}  // namespace

Status PrepareWriter(Connection& conn) {
  KEEL_ASSIGN_OR_RETURN(const std::string mode, PragmaText(conn, "PRAGMA journal_mode = WAL"));
  if (mode != "wal") {
    return Status::IoError(
        fmt::format("hub store {}: cannot enable WAL (journal_mode is '{}')", conn.path(), mode));
  }
  KEEL_RETURN_IF_ERROR(conn.Exec("PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON"));
  bool empty = false;
  {
    KEEL_ASSIGN_OR_RETURN(auto count, conn.Prepare("SELECT count(*) FROM sqlite_master"));
    KEEL_ASSIGN_OR_RETURN(const bool row, count.Step());
    empty = row && count.Int(0) == 0;
  }
  if (!empty) return CheckVersion(conn);
  KEEL_ASSIGN_OR_RETURN(auto tx, Transaction::Begin(conn));
  KEEL_RETURN_IF_ERROR(conn.Exec(kCreateSchema));
  for (const char* migration : kMigrations) KEEL_RETURN_IF_ERROR(conn.Exec(migration));
  return tx.Commit();
}

Status PrepareReader(Connection& conn) { return conn.Exec("PRAGMA query_only = ON"); }

}  // namespace keel::hub::sqlite
