// Minimal RAII wrappers over the sqlite3 C API, private to edge/outbox.
// Every error message starts with the database path so that a failure in the
// field names the file it concerns.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <utility>

#include "common/status.h"

struct sqlite3;
struct sqlite3_stmt;

namespace keel::edge::sqlite {

// One connection. Not thread-safe: the owner serialises all use.
class Db {
 public:
  // Opens (creating if missing) a read-write connection. No query is run, so a
  // file that is not a database is only detected by the first statement.
  static Result<Db> Open(const std::filesystem::path& path);

  Db(Db&& other) noexcept;
  Db& operator=(Db&& other) noexcept;
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;
  ~Db();

  // Runs one or more statements that return no rows of interest.
  Status Exec(const char* sql);
  // Runs a statement returning a single integer (e.g. a PRAGMA or COUNT).
  Result<int64_t> QueryInt(const char* sql);
  // Runs a statement returning a single text value.
  Result<std::string> QueryText(const char* sql);

  // Status for the connection's last error: "<path>: <what>: <sqlite message>".
  Status Error(std::string_view what, int rc) const;
  int64_t Changes() const;
  sqlite3* handle() const { return db_; }
  const std::string& path() const { return path_; }

 private:
  Db(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  sqlite3* db_ = nullptr;
  std::string path_;
};

// A prepared statement bound to a Db that must outlive it.
class Stmt {
 public:
  static Result<Stmt> Prepare(Db& db, const char* sql);

  Stmt(Stmt&& other) noexcept;
  Stmt& operator=(Stmt&&) = delete;
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  ~Stmt();

  // Parameter indexes start at 1, as in SQL.
  Status BindInt(int index, int64_t value);
  Status BindBlob(int index, std::string_view bytes);
  Status BindText(int index, std::string_view text);

  // true when a row is available, false when the statement is done.
  Result<bool> Step();
  // Steps a statement that must not return rows.
  Status Run();

  // Column indexes start at 0.
  int64_t ColumnInt(int index) const;
  std::string ColumnBlob(int index) const;
  std::string ColumnText(int index) const;

 private:
  Stmt(Db* db, sqlite3_stmt* stmt, const char* sql) : db_(db), stmt_(stmt), sql_(sql) {}
  Db* db_;
  sqlite3_stmt* stmt_;
  const char* sql_;
};

// BEGIN IMMEDIATE on construction via Begin(); rolls back unless committed.
class Transaction {
 public:
  static Result<Transaction> Begin(Db& db);
  Transaction(Transaction&& other) noexcept : db_(other.db_) { other.db_ = nullptr; }
  Transaction& operator=(Transaction&&) = delete;
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  ~Transaction();

  Status Commit();

 private:
  explicit Transaction(Db* db) : db_(db) {}
  Db* db_;
};

}  // namespace keel::edge::sqlite
