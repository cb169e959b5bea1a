#include "hub/store/sqlite/connection.h"

#include <fmt/format.h>

#include <limits>
#include <utility>

namespace keel::hub::sqlite {
namespace {

constexpr int kBusyTimeoutMs = 5000;

sqlite3_destructor_type Transient() {
  return reinterpret_cast<sqlite3_destructor_type>(static_cast<intptr_t>(-1));
}

}  // namespace

Stmt::Stmt(Stmt&& other) noexcept
    : conn_(other.conn_), stmt_(other.stmt_), bind_rc_(other.bind_rc_) {
  other.stmt_ = nullptr;
}

Stmt::~Stmt() {
  if (stmt_ == nullptr) return;
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

void Stmt::Check(int rc) {
  if (rc != SQLITE_OK && bind_rc_ == SQLITE_OK) bind_rc_ = rc;
}

Stmt& Stmt::Bind(int index, int64_t value) {
  Check(sqlite3_bind_int64(stmt_, index, value));
  return *this;
}

Stmt& Stmt::Bind(int index, uint64_t value) {
  if (value > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    Check(SQLITE_RANGE);
    return *this;
  }
  return Bind(index, static_cast<int64_t>(value));
}

Stmt& Stmt::Bind(int index, double value) {
  Check(sqlite3_bind_double(stmt_, index, value));
  return *this;
}

Stmt& Stmt::Bind(int index, std::string_view value) {
  Check(sqlite3_bind_text64(stmt_, index, value.data(), value.size(), Transient(), SQLITE_UTF8));
  return *this;
}

Stmt& Stmt::BindNull(int index) {
  Check(sqlite3_bind_null(stmt_, index));
  return *this;
}

Result<bool> Stmt::Step() {
  if (bind_rc_ != SQLITE_OK) return conn_->ErrorCode(bind_rc_, "binding parameters");
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return conn_->ErrorCode(rc, sqlite3_sql(stmt_));
}

Status Stmt::Run() {
  KEEL_ASSIGN_OR_RETURN(const bool row, Step());
  if (row) return Status::Internal(fmt::format("statement returned rows: {}", sqlite3_sql(stmt_)));
  return Status::Ok();
}

std::string Stmt::Text(int col) const {
  const auto* text = sqlite3_column_text(stmt_, col);
  if (text == nullptr) return {};
  return std::string(reinterpret_cast<const char*>(text),
                     static_cast<size_t>(sqlite3_column_bytes(stmt_, col)));
}

Result<std::unique_ptr<Connection>> Connection::Open(const std::filesystem::path& path,
                                                     bool read_only) {
  if (sqlite3_threadsafe() == 0) {
    return Status::Internal("hub store: SQLite was built without thread support");
  }
  const int flags =
      (read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) |
      SQLITE_OPEN_NOMUTEX;
  sqlite3* db = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  std::unique_ptr<Connection> conn(new Connection(db, path.string()));
  if (rc != SQLITE_OK) return conn->ErrorCode(rc, "open");
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, kBusyTimeoutMs);
  return conn;
}

Connection::~Connection() {
  cache_.clear();
  sqlite3_close_v2(db_);
}

Status Connection::Exec(const char* sql) {
  const int rc = sqlite3_exec(db_, sql, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return ErrorCode(rc, sql);
  return Status::Ok();
}

Result<Stmt> Connection::Prepare(std::string_view sql) {
  auto it = cache_.find(std::string(sql));
  if (it == cache_.end()) {
    sqlite3_stmt* raw = nullptr;
    const int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                                      SQLITE_PREPARE_PERSISTENT, &raw, nullptr);
    if (rc != SQLITE_OK) return ErrorCode(rc, fmt::format("prepare {}", sql));
    it = cache_.emplace(std::string(sql), raw).first;
  }
  return Stmt(this, it->second.get());
}

Status Connection::Error(std::string_view what) const {
  return ErrorCode(sqlite3_extended_errcode(db_), what);
}

Status Connection::ErrorCode(int rc, std::string_view what) const {
  const char* detail = db_ != nullptr ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
  if (rc != SQLITE_OK && db_ != nullptr && sqlite3_extended_errcode(db_) != rc) {
    detail = sqlite3_errstr(rc);
  }
  std::string message = fmt::format("hub store {}: {}: {}", path_, what, detail);
  if ((rc & 0xff) == SQLITE_NOTADB || (rc & 0xff) == SQLITE_CORRUPT) {
    message += " (the file is not a SQLite database or is corrupt)";
  }
  if ((rc & 0xff) == SQLITE_CONSTRAINT) return Status::FailedPrecondition(std::move(message));
  return Status::IoError(std::move(message));
}

Result<Transaction> Transaction::Begin(Connection& conn) {
  KEEL_RETURN_IF_ERROR(conn.Exec("BEGIN IMMEDIATE"));
  return Transaction(&conn);
}

Transaction::~Transaction() {
  if (conn_ != nullptr) (void)conn_->Exec("ROLLBACK");
}

Status Transaction::Commit() {
  Connection* conn = std::exchange(conn_, nullptr);
  const Status s = conn->Exec("COMMIT");
  if (!s.ok()) (void)conn->Exec("ROLLBACK");
  return s;
}

}  // namespace keel::hub::sqlite
