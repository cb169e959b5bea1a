#include "hub/store/sqlite_store.h"

#include <fmt/format.h>

#include "hub/store/sqlite/schema.h"
#include "hub/store/sqlite/store_state.h"

namespace keel::hub {
namespace {

constexpr int kReaderConnections = 4;

}  // namespace

namespace sqlite {

Result<int64_t> RequireDeviceKey(Connection& conn, std::string_view id) {
  KEEL_ASSIGN_OR_RETURN(auto found, FindDevice(conn, id));
  if (!found) return Status::NotFound(fmt::format("device \"{}\" is not registered", id));
  return found->dkey;
}

Result<std::optional<DeviceKey>> FindDevice(Connection& conn, std::string_view id) {
  KEEL_ASSIGN_OR_RETURN(auto stmt,
                        conn.Prepare("SELECT dkey, state, acked_seq FROM devices WHERE id = ?1"));
  stmt.Bind(1, id);
  KEEL_ASSIGN_OR_RETURN(const bool row, stmt.Step());
  if (!row) return std::optional<DeviceKey>();
  return std::optional<DeviceKey>(
      DeviceKey{stmt.Int(0), static_cast<DeviceState>(stmt.Int(1)), stmt.UInt(2)});
}

Result<StoreStats> LoadStats(Connection& conn) {
  KEEL_ASSIGN_OR_RETURN(auto stmt,
                        conn.Prepare("SELECT (SELECT count(*) FROM devices),"
                                     " (SELECT count(*) FROM batches),"
                                     " (SELECT coalesce(sum(samples_stored), 0) FROM devices),"
                                     " (SELECT value FROM meta WHERE key = 'duplicates_total'),"
                                     " (SELECT coalesce(sum(to_seq - from_seq + 1), 0) FROM gaps),"
                                     " (SELECT count(*) FROM events)"));
  KEEL_ASSIGN_OR_RETURN(const bool row, stmt.Step());
  if (!row) return Status::Internal("hub store: stats query returned no row");
  return StoreStats{stmt.UInt(0), stmt.UInt(1), stmt.UInt(2),
                    stmt.UInt(3), stmt.UInt(4), stmt.UInt(5)};
}

}  // namespace sqlite

SqliteStore::SqliteStore(std::unique_ptr<State> state) : state_(std::move(state)) {}

SqliteStore::~SqliteStore() = default;

Result<StoreStats> SqliteStore::Stats() {
  std::lock_guard lock(state_->stats_mu);
  return state_->stats;
}

Result<std::unique_ptr<SqliteStore>> OpenSqliteStore(const std::filesystem::path& db_path) {
  KEEL_ASSIGN_OR_RETURN(auto writer, sqlite::Connection::Open(db_path, /*read_only=*/false));
  KEEL_RETURN_IF_ERROR(sqlite::PrepareWriter(*writer));
  KEEL_ASSIGN_OR_RETURN(StoreStats stats, sqlite::LoadStats(*writer));
  std::vector<std::unique_ptr<sqlite::Connection>> readers;
  for (int i = 0; i < kReaderConnections; ++i) {
    KEEL_ASSIGN_OR_RETURN(auto reader, sqlite::Connection::Open(db_path, /*read_only=*/true));
    KEEL_RETURN_IF_ERROR(sqlite::PrepareReader(*reader));
    readers.push_back(std::move(reader));
  }
  auto state = std::make_unique<SqliteStore::State>(std::move(writer), std::move(readers));
  state->stats = stats;
  return std::make_unique<SqliteStore>(std::move(state));
}

}  // namespace keel::hub
