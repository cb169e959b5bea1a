#include <fmt/format.h>

#include "hub/store/sqlite/store_state.h"
#include "hub/store/sqlite_store.h"

namespace keel::hub {

using sqlite::Connection;
using sqlite::Transaction;

Result<int64_t> SqliteStore::PutTopology(std::string_view body, int64_t version_expected,
                                         int64_t now_ms) {
  std::lock_guard lock(state_->write_mu);
  Connection& conn = *state_->writer;
  KEEL_ASSIGN_OR_RETURN(auto tx, Transaction::Begin(conn));
  int64_t stored = 0;
  {
    KEEL_ASSIGN_OR_RETURN(auto stmt, conn.Prepare("SELECT version FROM topology WHERE id = 1"));
    KEEL_ASSIGN_OR_RETURN(const bool row, stmt.Step());
    if (row) stored = stmt.Int(0);
  }
  if (version_expected != 0 && version_expected != stored) {
    return Status::FailedPrecondition(fmt::format(
        "topology: version {} expected, the stored one is {}", version_expected, stored));
  }
  KEEL_ASSIGN_OR_RETURN(auto put,
                        conn.Prepare("INSERT INTO topology(id, version, updated_ms, body) "
                                     "VALUES(1, ?1, ?2, ?3) ON CONFLICT(id) DO UPDATE SET "
                                     "version = excluded.version, updated_ms = "
                                     "excluded.updated_ms, body = excluded.body"));
  put.Bind(1, stored + 1).Bind(2, now_ms).Bind(3, body);
  KEEL_RETURN_IF_ERROR(put.Run());
  KEEL_RETURN_IF_ERROR(tx.Commit());
  return stored + 1;
}

Result<StoredTopology> SqliteStore::GetTopology() {
  auto conn = state_->readers.Acquire();
  KEEL_ASSIGN_OR_RETURN(
      auto stmt, conn->Prepare("SELECT version, updated_ms, body FROM topology WHERE id = 1"));
  KEEL_ASSIGN_OR_RETURN(const bool row, stmt.Step());
  if (!row) return StoredTopology{};
  return StoredTopology{stmt.Int(0), stmt.Int(1), stmt.Text(2)};
}

}  // namespace keel::hub
