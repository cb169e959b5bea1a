// Internal to keel_hub_store: thin RAII wrappers over the sqlite3 C API.
//
// A Connection is used by one thread at a time (callers hold a lock or a
// pool lease). Prepared statements are cached per connection, keyed by SQL
// text; a Stmt handle resets and unbinds its statement when destroyed, so a
// cached statement is never left mid-iteration.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/status.h"

namespace keel::hub::sqlite {

class Connection;

class Stmt {
 public:
  Stmt(Connection* conn, sqlite3_stmt* stmt) : conn_(conn), stmt_(stmt) {}
  Stmt(Stmt&& other) noexcept;
  Stmt& operator=(Stmt&&) = delete;
  Stmt(const Stmt&) = delete;
  ~Stmt();

  // Parameters are 1-based. A failed bind is reported by the next Step/Run.
  Stmt& Bind(int index, int64_t value);
  Stmt& Bind(int index, uint64_t value);  // must be <= INT64_MAX (stored signed)
  Stmt& Bind(int index, double value);
  Stmt& Bind(int index, std::string_view value);  // copied
  Stmt& BindNull(int index);

  // true when a row is available, false when done.
  Result<bool> Step();
  // Steps once and expects completion (for statements without results).
  Status Run();
  // Makes the statement runnable again, keeping its bindings.
  void Reset() { sqlite3_reset(stmt_); }

  // Columns are 0-based; valid after Step() returned true.
  int64_t Int(int col) const { return sqlite3_column_int64(stmt_, col); }
  uint64_t UInt(int col) const { return static_cast<uint64_t>(Int(col)); }
  double Double(int col) const { return sqlite3_column_double(stmt_, col); }
  std::string Text(int col) const;
  bool IsNull(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }

 private:
  void Check(int rc);

  Connection* conn_;
  sqlite3_stmt* stmt_;
  int bind_rc_ = SQLITE_OK;
};

class Connection {
 public:
  // Opens `path` read-write (creating it) or read-only, with busy_timeout set.
  static Result<std::unique_ptr<Connection>> Open(const std::filesystem::path& path,
                                                  bool read_only);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs one or more statements that return no rows.
  Status Exec(const char* sql);
  // The cached prepared statement for `sql`.
  Result<Stmt> Prepare(std::string_view sql);
  int64_t Changes() const { return sqlite3_changes64(db_); }
  int64_t LastInsertRowid() const { return sqlite3_last_insert_rowid(db_); }

  // "hub store <path>: <what>: <sqlite message>", IoError (FailedPrecondition
  // for constraint violations, which callers usually map themselves).
  Status Error(std::string_view what) const;
  Status ErrorCode(int rc, std::string_view what) const;
  const std::string& path() const { return path_; }

 private:
  Connection(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}

  struct StmtDeleter {
    void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
  };
  sqlite3* db_;
  std::string path_;
  std::unordered_map<std::string, std::unique_ptr<sqlite3_stmt, StmtDeleter>> cache_;
};

// BEGIN IMMEDIATE ... COMMIT; rolls back on destruction unless committed.
class Transaction {
 public:
  static Result<Transaction> Begin(Connection& conn);
  Transaction(Transaction&& other) noexcept : conn_(other.conn_) { other.conn_ = nullptr; }
  Transaction& operator=(Transaction&&) = delete;
  ~Transaction();
  Status Commit();

 private:
  explicit Transaction(Connection* conn) : conn_(conn) {}
  Connection* conn_;
};

}  // namespace keel::hub::sqlite
