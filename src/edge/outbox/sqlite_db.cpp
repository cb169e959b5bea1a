#include "edge/outbox/sqlite_db.h"

#include <sqlite3.h>

#include <string>

namespace keel::edge::sqlite {

Result<Db> Db::Open(const std::filesystem::path& path) {
  sqlite3* raw = nullptr;
  const int rc =
      sqlite3_open_v2(path.c_str(), &raw,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  Db db(raw, path.string());
  if (rc != SQLITE_OK) {
    if (raw == nullptr) return Status::IoError(path.string() + ": cannot open: out of memory");
    return db.Error("cannot open", rc);
  }
  sqlite3_extended_result_codes(raw, 1);
  return db;
}

Db::Db(Db&& other) noexcept : db_(other.db_), path_(std::move(other.path_)) { other.db_ = nullptr; }

Db& Db::operator=(Db&& other) noexcept {
  if (this != &other) {
    if (db_ != nullptr) sqlite3_close_v2(db_);
    db_ = other.db_;
    path_ = std::move(other.path_);
    other.db_ = nullptr;
  }
  return *this;
}

Db::~Db() {
  if (db_ != nullptr) sqlite3_close_v2(db_);
}

Status Db::Exec(const char* sql) {
  const int rc = sqlite3_exec(db_, sql, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return Error(sql, rc);
  return Status::Ok();
}

Result<int64_t> Db::QueryInt(const char* sql) {
  KEEL_ASSIGN_OR_RETURN(Stmt stmt, Stmt::Prepare(*this, sql));
  KEEL_ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row) return Status::Internal(path_ + ": " + sql + ": returned no row");
  return stmt.ColumnInt(0);
}

Result<std::string> Db::QueryText(const char* sql) {
  KEEL_ASSIGN_OR_RETURN(Stmt stmt, Stmt::Prepare(*this, sql));
  KEEL_ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row) return Status::Internal(path_ + ": " + sql + ": returned no row");
  return stmt.ColumnText(0);
}

Status Db::Error(std::string_view what, int rc) const {
  std::string msg = path_ + ": " + std::string(what) + ": ";
  msg += db_ != nullptr ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
  switch (rc & 0xff) {
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT:
      return Status::FailedPrecondition(msg + " (the file is not an intact SQLite database)");
    case SQLITE_FULL:
      return Status::ResourceExhausted(msg);
    case SQLITE_CONSTRAINT:
    case SQLITE_MISUSE:
    case SQLITE_RANGE:
      return Status::Internal(msg);
    default:
      return Status::IoError(msg);
  }
}

int64_t Db::Changes() const { return sqlite3_changes64(db_); }

Result<Stmt> Stmt::Prepare(Db& db, const char* sql) {
  sqlite3_stmt* raw = nullptr;
  const int rc = sqlite3_prepare_v2(db.handle(), sql, -1, &raw, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(raw);
    return db.Error(sql, rc);
  }
  return Stmt(&db, raw, sql);
}

Stmt::Stmt(Stmt&& other) noexcept : db_(other.db_), stmt_(other.stmt_), sql_(other.sql_) {
  other.stmt_ = nullptr;
}

Stmt::~Stmt() { sqlite3_finalize(stmt_); }

Status Stmt::BindInt(int index, int64_t value) {
  const int rc = sqlite3_bind_int64(stmt_, index, value);
  return rc == SQLITE_OK ? Status::Ok() : db_->Error(sql_, rc);
}

Status Stmt::BindBlob(int index, std::string_view bytes) {
  const int rc = sqlite3_bind_blob64(stmt_, index, bytes.empty() ? "" : bytes.data(), bytes.size(),
                                     SQLITE_TRANSIENT);
  return rc == SQLITE_OK ? Status::Ok() : db_->Error(sql_, rc);
}

Status Stmt::BindText(int index, std::string_view text) {
  const int rc =
      sqlite3_bind_text64(stmt_, index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  return rc == SQLITE_OK ? Status::Ok() : db_->Error(sql_, rc);
}

Result<bool> Stmt::Step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return db_->Error(sql_, rc);
}

Status Stmt::Run() {
  KEEL_ASSIGN_OR_RETURN(bool row, Step());
  if (row) return Status::Internal(db_->path() + ": " + sql_ + ": unexpectedly returned a row");
  return Status::Ok();
}

int64_t Stmt::ColumnInt(int index) const { return sqlite3_column_int64(stmt_, index); }

std::string Stmt::ColumnBlob(int index) const {
  const void* data = sqlite3_column_blob(stmt_, index);
  const int size = sqlite3_column_bytes(stmt_, index);
  if (data == nullptr || size <= 0) return {};
  return std::string(static_cast<const char*>(data), static_cast<size_t>(size));
}

std::string Stmt::ColumnText(int index) const {
  const unsigned char* data = sqlite3_column_text(stmt_, index);
  const int size = sqlite3_column_bytes(stmt_, index);
  if (data == nullptr || size <= 0) return {};
  return std::string(reinterpret_cast<const char*>(data), static_cast<size_t>(size));
}

Result<Transaction> Transaction::Begin(Db& db) {
  KEEL_RETURN_IF_ERROR(db.Exec("BEGIN IMMEDIATE"));
  return Transaction(&db);
}

Transaction::~Transaction() {
  if (db_ != nullptr) sqlite3_exec(db_->handle(), "ROLLBACK", nullptr, nullptr, nullptr);
}

Status Transaction::Commit() {
  Db* db = db_;
  db_ = nullptr;
  const int rc = sqlite3_exec(db->handle(), "COMMIT", nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_exec(db->handle(), "ROLLBACK", nullptr, nullptr, nullptr);
    return db->Error("COMMIT", rc);
  }
  return Status::Ok();
}

}  // namespace keel::edge::sqlite
