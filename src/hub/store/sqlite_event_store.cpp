#include <fmt/format.h>

#include <algorithm>
#include <limits>

#include "hub/store/sqlite/events.h"
#include "hub/store/sqlite/store_state.h"
#include "hub/store/sqlite_store.h"

namespace keel::hub {

namespace sqlite {

Status StoreEvents(Connection& conn, int64_t dkey, const wire::TelemetryBatch& batch) {
  if (batch.events.empty()) return Status::Ok();
  KEEL_ASSIGN_OR_RETURN(auto ins, conn.Prepare("INSERT INTO events(dkey, seq, idx, type, t, data)"
                                               " VALUES(?1, ?2, ?3, ?4, ?5, ?6)"));
  for (size_t i = 0; i < batch.events.size(); ++i) {
    const wire::Event& e = batch.events[i];
    const std::string data = e.data.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    ins.Bind(1, dkey)
        .Bind(2, batch.seq)
        .Bind(3, static_cast<int64_t>(i))
        .Bind(4, e.type)
        .Bind(5, e.t_ms)
        .Bind(6, data);
    KEEL_RETURN_IF_ERROR(ins.Run());
    ins.Reset();
  }
  return Status::Ok();
}

}  // namespace sqlite

Result<std::vector<StoredEvent>> SqliteStore::ReadEvents(const EventQuery& q) {
  auto conn = state_->readers.Acquire();
  std::optional<int64_t> dkey;
  if (q.device_id) {
    KEEL_ASSIGN_OR_RETURN(auto dev, sqlite::FindDevice(*conn, *q.device_id));
    if (!dev) {
      return Status::NotFound(fmt::format("device \"{}\" is not registered", *q.device_id));
    }
    dkey = dev->dkey;
  }
  std::vector<StoredEvent> out;
  if (q.from_ms >= q.to_ms || q.limit == 0) return out;
  const char* dir = q.newest_first ? "DESC" : "ASC";
  const std::string sql = fmt::format(
      "SELECT d.id, e.seq, e.idx, e.type, e.t, e.data FROM events e"
      " JOIN devices d ON d.dkey = e.dkey"
      " WHERE {} e.t >= ?2 AND e.t < ?3 AND substr(e.type, 1, length(?4)) = ?4"
      " ORDER BY e.t {}, e.dkey {}, e.seq {}, e.idx {} LIMIT ?5",
      dkey ? "e.dkey = ?1 AND" : "", dir, dir, dir, dir);
  KEEL_ASSIGN_OR_RETURN(auto stmt, conn->Prepare(sql));
  const auto max_limit = static_cast<size_t>(std::numeric_limits<int64_t>::max());
  if (dkey) stmt.Bind(1, *dkey);
  stmt.Bind(2, q.from_ms)
      .Bind(3, q.to_ms)
      .Bind(4, q.type_prefix)
      .Bind(5, static_cast<int64_t>(std::min(q.limit, max_limit)));
  while (true) {
    KEEL_ASSIGN_OR_RETURN(const bool row, stmt.Step());
    if (!row) break;
    StoredEvent e;
    e.device_id = stmt.Text(0);
    e.seq = stmt.UInt(1);
    e.index = static_cast<uint32_t>(stmt.Int(2));
    e.type = stmt.Text(3);
    e.t_ms = stmt.Int(4);
    e.data = nlohmann::json::parse(stmt.Text(5), nullptr, /*allow_exceptions=*/false);
    if (!e.data.is_object()) {
      return Status::Internal(fmt::format("hub store {}: event {}/{}/{} has no JSON object data",
                                          conn->path(), e.device_id, e.seq, e.index));
    }
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace keel::hub
