#include "edge/outbox/outbox_schema.h"

#include <string>

namespace keel::edge {
namespace {

constexpr const char* kCreateSchema = R"sql(
CREATE TABLE meta(key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE batches(seq INTEGER PRIMARY KEY, payload BLOB NOT NULL,
                     content_type TEXT NOT NULL, created_ms INTEGER NOT NULL);
CREATE TABLE dropped(from_seq INTEGER PRIMARY KEY, to_seq INTEGER NOT NULL);
INSERT INTO meta(key, value) VALUES ('schema_version', 1), ('next_seq', 1), ('acked_seq', 0),
                                    ('dropped_total', 0);
PRAGMA application_id = 1262830924;
)sql";

static_assert(kOutboxApplicationId == 1262830924);

Status Refuse(const sqlite::Db& db, const std::string& why) {
  return Status::FailedPrecondition(db.path() + ": " + why +
                                    "; refusing to use it as the outbox (move it aside to start "
                                    "a new outbox)");
}

}  // namespace

Status PrepareOutboxSchema(sqlite::Db& db, uint64_t first_seq) {
  KEEL_RETURN_IF_ERROR(db.Exec("PRAGMA busy_timeout = 5000"));
  KEEL_ASSIGN_OR_RETURN(int64_t tables,
                        db.QueryInt("SELECT count(*) FROM sqlite_master WHERE type = 'table'"));
  KEEL_ASSIGN_OR_RETURN(std::string mode, db.QueryText("PRAGMA journal_mode = WAL"));
  if (mode != "wal") return Status::IoError(db.path() + ": cannot enable WAL (got " + mode + ")");
  KEEL_RETURN_IF_ERROR(db.Exec("PRAGMA synchronous = FULL"));

  if (tables == 0) {
    KEEL_ASSIGN_OR_RETURN(auto txn, sqlite::Transaction::Begin(db));
    KEEL_RETURN_IF_ERROR(db.Exec(kCreateSchema));
    const std::string start =
        "UPDATE meta SET value = " + std::to_string(first_seq) +
        " WHERE key = 'next_seq'; UPDATE meta SET value = " + std::to_string(first_seq - 1) +
        " WHERE key = 'acked_seq';";
    KEEL_RETURN_IF_ERROR(db.Exec(start.c_str()));
    return txn.Commit();
  }

  KEEL_ASSIGN_OR_RETURN(int64_t app_id, db.QueryInt("PRAGMA application_id"));
  if (app_id != kOutboxApplicationId) {
    return Refuse(db, "is an SQLite database of another application (application_id " +
                          std::to_string(app_id) + ")");
  }
  auto version = db.QueryInt("SELECT value FROM meta WHERE key = 'schema_version'");
  if (!version.ok())
    return Refuse(db, "has no readable schema version (" + version.status().message() + ")");
  if (*version != kOutboxSchemaVersion) {
    return Refuse(db, "has outbox schema version " + std::to_string(*version) +
                          ", this build supports version " + std::to_string(kOutboxSchemaVersion));
  }
  return Status::Ok();
}

}  // namespace keel::edge
