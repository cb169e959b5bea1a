// Internal to keel_hub_store: the on-disk layout of the hub store and the
// connection settings it relies on.
//
// File: one SQLite 3 database in WAL mode (<path>, <path>-wal, <path>-shm).
// Schema version 8 (meta.schema_version):
//   meta(key TEXT PK, value INTEGER)   schema_version, duplicates_total
//   devices(dkey INTEGER PK, id TEXT UNIQUE, state 0=registered 1=active
//           2=revoked, created_ms, enrolled_ms, last_seen_ms, cert_serial,
//           cert_not_after_ms, acked_seq, samples_stored, report_* columns)
//   enrollment_tokens(dkey, token_hash, expires_ms, used_ms NULL=unused)
//           PK(dkey, token_hash)
//   certificates(serial_hex PK, dkey, not_after_ms, issued_ms,
//           revoked_ms NULL=valid)
//   batches(dkey, seq, received_ms, samples) PK(dkey, seq): the dedupe set
//   gaps(id PK, dkey, from_seq, to_seq, recorded_ms): reported drops,
//           indexed by (dkey, to_seq)
//   series(sid INTEGER PK, dkey, name) UNIQUE(dkey, name)
//   samples(sid, t, v REAL) PK(sid, t) WITHOUT ROWID: last write wins
//   events(dkey, seq, idx, type TEXT, t, data TEXT) PK(dkey, seq, idx):
//           the events of stored batches, idx = position in the batch, data
//           the event's JSON object as compact text; indexed by (t) and
//           (dkey, t). Written in the batch's transaction, so a duplicate
//           batch adds none.
//   artifacts(name, version, kind, files JSON {file: {sha256, length}},
//           digest, size, parent, lineage JSON, metrics JSON, published_by,
//           published_ms) PK(name, version): the artifact registry
//   device_tags(dkey, key, value) PK(dkey, key)
//   deployments(id INTEGER PK AUTOINCREMENT, body JSON)
//   deployment_devices(deployment, dkey, body JSON) PK(deployment, dkey)
//   device_ota(dkey PK, report_seq, body JSON): the last update poll
//   ota_reports(dkey, seq, body JSON) PK(dkey, seq): every install report
//   attestation_baselines(dkey, kind, name, version, sha256, recorded_ms)
//           PK(dkey, kind): measurements trusted on first use (hub/attest)
//   quarantines(dkey PK, since_ms, reason, remediation JSON): devices whose
//           attestation did not match; their quarantine events go into
//           `events` with seq 0 (never a batch's seq)
//   incidents(id PK, state TEXT, updated_ms, body JSON): hub/alerts
//           incidents, indexed by (state, id)
//   incident_notifications(id PK AUTOINCREMENT, incident, body JSON,
//           delivered_ms NULL=not yet): the notification outbox
//   silences(id PK AUTOINCREMENT, body JSON)
//   topology(id PK = 1, version, updated_ms, body JSON): the one topology
//           document (hub/topology); version counts its writes
//   notify_routes(route TEXT PK, cursor, updated_ms, failed, last_error,
//           last_error_ms): per notification route (hub/notify), the last
//           outbox id it finished, and its failures
// Sequence numbers are stored as signed 64-bit integers (<= INT64_MAX).
// Migrations: an older version is upgraded in place when the writer opens
// it, one version per transaction (1 -> 2 adds events, 2 -> 3 adds
// artifacts, 3 -> 4 adds rollouts and tags, 4 -> 5 adds attestation, 5 -> 6
// adds incidents, notifications and silences, 6 -> 7 adds topology, 7 -> 8
// adds notify_routes). A database with a newer schema_version is refused,
// never migrated down.
#pragma once

#include <cstdint>

#include "common/status.h"
#include "hub/store/sqlite/connection.h"

namespace keel::hub::sqlite {

inline constexpr int64_t kSchemaVersion = 8;

// On the single writer connection: WAL, synchronous=FULL, foreign keys; then
// creates the schema in a new file, or checks the version of an existing one
// and migrates it from version 1.
Status PrepareWriter(Connection& conn);

// On a read-only connection opened after PrepareWriter succeeded.
Status PrepareReader(Connection& conn);

}  // namespace keel::hub::sqlite
