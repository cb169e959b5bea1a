#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <unordered_map>

#include "hub/store/sqlite/events.h"
#include "hub/store/sqlite/store_state.h"
#include "hub/store/sqlite/watermark.h"
#include "hub/store/sqlite_store.h"

namespace keel::hub {
namespace {

using sqlite::Connection;
using sqlite::DeviceKey;
using sqlite::Transaction;

constexpr uint64_t kMaxSeq = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());

bool IsValid(const wire::TelemetryBatch& batch) {
  if (batch.seq == 0 || batch.seq > kMaxSeq) return false;
  for (const auto& series : batch.series) {
    for (const auto& p : series.points) {
      if (!std::isfinite(p.value)) return false;
    }
  }
  for (const auto& e : batch.events) {
    if (!e.data.is_object()) return false;
  }
  return true;
}

std::string SeriesKey(int64_t dkey, std::string_view name) {
  return fmt::format("{}/{}", dkey, name);
}

// Series ids created in this transaction live in `pending` until it commits.
class SeriesIds {
 public:
  SeriesIds(Connection& conn, const std::unordered_map<std::string, int64_t>& committed)
      : conn_(conn), committed_(committed) {}

  Result<int64_t> Get(int64_t dkey, std::string_view name) {
    std::string key = SeriesKey(dkey, name);
    if (auto it = committed_.find(key); it != committed_.end()) return it->second;
    if (auto it = pending_.find(key); it != pending_.end()) return it->second;
    KEEL_ASSIGN_OR_RETURN(auto find,
                          conn_.Prepare("SELECT sid FROM series WHERE dkey = ?1 AND name = ?2"));
    find.Bind(1, dkey).Bind(2, name);
    KEEL_ASSIGN_OR_RETURN(const bool row, find.Step());
    int64_t sid = 0;
    if (row) {
      sid = find.Int(0);
    } else {
      KEEL_ASSIGN_OR_RETURN(auto ins,
                            conn_.Prepare("INSERT INTO series(dkey, name) VALUES(?1, ?2)"));
      ins.Bind(1, dkey).Bind(2, name);
      KEEL_RETURN_IF_ERROR(ins.Run());
      sid = conn_.LastInsertRowid();
    }
    pending_.emplace(std::move(key), sid);
    return sid;
  }

  std::unordered_map<std::string, int64_t>& pending() { return pending_; }

 private:
  Connection& conn_;
  const std::unordered_map<std::string, int64_t>& committed_;
  std::unordered_map<std::string, int64_t> pending_;
};

Status StoreSamples(Connection& conn, SeriesIds& ids, int64_t dkey,
                    const wire::TelemetryBatch& batch) {
  KEEL_ASSIGN_OR_RETURN(auto upsert,
                        conn.Prepare("INSERT INTO samples(sid, t, v) VALUES(?1, ?2, ?3)"
                                     " ON CONFLICT(sid, t) DO UPDATE SET v = excluded.v"));
  for (const auto& series : batch.series) {
    KEEL_ASSIGN_OR_RETURN(const int64_t sid, ids.Get(dkey, series.name));
    for (const auto& p : series.points) {
      upsert.Bind(1, sid).Bind(2, p.t_ms).Bind(3, p.value);
      KEEL_RETURN_IF_ERROR(upsert.Run());
      upsert.Reset();
    }
  }
  return Status::Ok();
}

// Advances the watermark of `dev`, adds `samples` to its counter and moves
// its last-seen time forward to `seen_ms`.
Result<uint64_t> SettleDevice(Connection& conn, const DeviceKey& dev, uint64_t samples,
                              int64_t seen_ms) {
  KEEL_ASSIGN_OR_RETURN(const uint64_t acked,
                        sqlite::AdvanceWatermark(conn, dev.dkey, dev.acked_seq));
  KEEL_ASSIGN_OR_RETURN(auto upd, conn.Prepare("UPDATE devices SET acked_seq = ?2,"
                                               " samples_stored = samples_stored + ?3,"
                                               " last_seen_ms = max(last_seen_ms, ?4)"
                                               " WHERE dkey = ?1"));
  upd.Bind(1, dev.dkey).Bind(2, acked).Bind(3, samples).Bind(4, seen_ms);
  KEEL_RETURN_IF_ERROR(upd.Run());
  return acked;
}

struct Touched {
  std::string_view id;
  DeviceKey key;
  uint64_t samples = 0;
  int64_t seen_ms = 0;
};

}  // namespace

Result<WriteResult> SqliteStore::WriteBatches(std::span<IngestBatch> batches) {
  WriteResult result;
  result.outcomes.reserve(batches.size());
  uint64_t stored = 0;
  uint64_t duplicates = 0;
  {
    std::lock_guard lock(state_->write_mu);
    Connection& conn = *state_->writer;
    KEEL_ASSIGN_OR_RETURN(auto tx, Transaction::Begin(conn));
    SeriesIds ids(conn, state_->series_ids);
    std::unordered_map<std::string_view, std::optional<size_t>> lookup;
    std::vector<Touched> touched;
    for (const IngestBatch& in : batches) {
      auto it = lookup.find(in.device_id);
      if (it == lookup.end()) {
        KEEL_ASSIGN_OR_RETURN(auto found, sqlite::FindDevice(conn, in.device_id));
        std::optional<size_t> index;
        if (found) {
          index = touched.size();
          touched.push_back(Touched{in.device_id, *found, 0});
        }
        it = lookup.emplace(in.device_id, index).first;
      }
      if (!it->second) {
        result.outcomes.push_back(BatchOutcome::kUnknownDevice);
        continue;
      }
      Touched& dev = touched[*it->second];
      dev.seen_ms = std::max(dev.seen_ms, in.received_ms);
      if (!IsValid(in.batch)) {
        result.outcomes.push_back(BatchOutcome::kInvalid);
        continue;
      }
      const uint64_t samples = in.batch.SampleCount();
      {
        KEEL_ASSIGN_OR_RETURN(auto ins, conn.Prepare("INSERT INTO batches(dkey, seq, received_ms,"
                                                     " samples) VALUES(?1, ?2, ?3, ?4)"
                                                     " ON CONFLICT(dkey, seq) DO NOTHING"));
        ins.Bind(1, dev.key.dkey).Bind(2, in.batch.seq).Bind(3, in.received_ms).Bind(4, samples);
        KEEL_RETURN_IF_ERROR(ins.Run());
      }
      if (conn.Changes() == 0) {
        result.outcomes.push_back(BatchOutcome::kDuplicate);
        ++duplicates;
        continue;
      }
      KEEL_RETURN_IF_ERROR(StoreSamples(conn, ids, dev.key.dkey, in.batch));
      KEEL_RETURN_IF_ERROR(sqlite::StoreEvents(conn, dev.key.dkey, in.batch));
      result.events_stored += in.batch.events.size();
      result.outcomes.push_back(BatchOutcome::kStored);
      dev.samples += samples;
      result.samples_stored += samples;
      ++stored;
    }
    for (const Touched& dev : touched) {
      KEEL_ASSIGN_OR_RETURN(const uint64_t acked,
                            SettleDevice(conn, dev.key, dev.samples, dev.seen_ms));
      result.watermarks.emplace_back(std::string(dev.id), acked);
    }
    if (duplicates > 0) {
      KEEL_ASSIGN_OR_RETURN(auto upd, conn.Prepare("UPDATE meta SET value = value + ?1"
                                                   " WHERE key = 'duplicates_total'"));
      upd.Bind(1, duplicates);
      KEEL_RETURN_IF_ERROR(upd.Run());
    }
    KEEL_RETURN_IF_ERROR(tx.Commit());
    state_->series_ids.merge(ids.pending());
  }
  std::lock_guard lock(state_->stats_mu);
  state_->stats.batches += stored;
  state_->stats.samples += result.samples_stored;
  state_->stats.events += result.events_stored;
  state_->stats.duplicates_total += duplicates;
  return result;
}

Result<uint64_t> SqliteStore::RecordGap(std::string_view device_id, uint64_t from_seq,
                                        uint64_t to_seq, int64_t now_ms) {
  if (from_seq == 0 || from_seq > to_seq || to_seq > kMaxSeq) {
    return Status::InvalidArgument(fmt::format(
        "device \"{}\": gap {}..{} is not a range of valid seqs", device_id, from_seq, to_seq));
  }
  uint64_t acked = 0;
  uint64_t added = 0;
  {
    std::lock_guard lock(state_->write_mu);
    Connection& conn = *state_->writer;
    KEEL_ASSIGN_OR_RETURN(auto tx, Transaction::Begin(conn));
    KEEL_ASSIGN_OR_RETURN(auto dev, sqlite::FindDevice(conn, device_id));
    if (!dev) return Status::NotFound(fmt::format("device \"{}\" is not registered", device_id));
    // Devices repeat a notice until an ack covers it: only the seqs that no
    // earlier notice covered are recorded (and counted).
    std::vector<std::pair<uint64_t, uint64_t>> covered;
    {
      KEEL_ASSIGN_OR_RETURN(auto q, conn.Prepare("SELECT from_seq, to_seq FROM gaps WHERE dkey = ?1"
                                                 " AND to_seq >= ?2 AND from_seq <= ?3"
                                                 " ORDER BY from_seq"));
      q.Bind(1, dev->dkey).Bind(2, from_seq).Bind(3, to_seq);
      for (;;) {
        KEEL_ASSIGN_OR_RETURN(const bool row, q.Step());
        if (!row) break;
        covered.emplace_back(q.UInt(0), q.UInt(1));
      }
    }
    KEEL_ASSIGN_OR_RETURN(auto ins, conn.Prepare("INSERT INTO gaps(dkey, from_seq, to_seq,"
                                                 " recorded_ms) VALUES(?1, ?2, ?3, ?4)"));
    uint64_t next = from_seq;  // first seq not yet known to be covered
    auto record = [&](uint64_t a, uint64_t b) -> Status {
      if (a > b) return Status::Ok();
      ins.Bind(1, dev->dkey).Bind(2, a).Bind(3, b).Bind(4, now_ms);
      KEEL_RETURN_IF_ERROR(ins.Run());
      ins.Reset();
      added += b - a + 1;
      return Status::Ok();
    };
    for (const auto& [a, b] : covered) {
      if (a > next) KEEL_RETURN_IF_ERROR(record(next, a - 1));
      if (b >= next) next = b + 1;
      if (next > to_seq) break;
    }
    if (next <= to_seq) KEEL_RETURN_IF_ERROR(record(next, to_seq));
    KEEL_ASSIGN_OR_RETURN(acked, SettleDevice(conn, *dev, 0, now_ms));
    KEEL_RETURN_IF_ERROR(tx.Commit());
  }
  std::lock_guard lock(state_->stats_mu);
  state_->stats.gaps_total += added;
  return acked;
}

Result<uint64_t> SqliteStore::SettleUpTo(std::string_view device_id, uint64_t acked,
                                         int64_t now_ms) {
  if (acked > kMaxSeq) {
    return Status::InvalidArgument(
        fmt::format("device \"{}\": settled seq {} is out of range", device_id, acked));
  }
  std::lock_guard lock(state_->write_mu);
  Connection& conn = *state_->writer;
  KEEL_ASSIGN_OR_RETURN(auto tx, Transaction::Begin(conn));
  KEEL_ASSIGN_OR_RETURN(auto dev, sqlite::FindDevice(conn, device_id));
  if (!dev) return Status::NotFound(fmt::format("device \"{}\" is not registered", device_id));
  dev->acked_seq = std::max(dev->acked_seq, acked);
  KEEL_ASSIGN_OR_RETURN(const uint64_t settled, SettleDevice(conn, *dev, 0, now_ms));
  KEEL_RETURN_IF_ERROR(tx.Commit());
  return settled;
}

Result<std::vector<wire::Point>> SqliteStore::ReadSeries(std::string_view device_id,
                                                         std::string_view series, int64_t from_ms,
                                                         int64_t to_ms, size_t limit) {
  auto conn = state_->readers.Acquire();
  KEEL_ASSIGN_OR_RETURN(auto dev, sqlite::FindDevice(*conn, device_id));
  if (!dev) return Status::NotFound(fmt::format("device \"{}\" is not registered", device_id));
  std::vector<wire::Point> out;
  if (from_ms >= to_ms || limit == 0) return out;
  KEEL_ASSIGN_OR_RETURN(
      auto stmt,
      conn->Prepare("SELECT t, v FROM samples WHERE sid = (SELECT sid FROM series WHERE dkey = ?1"
                    " AND name = ?2) AND t >= ?3 AND t < ?4 ORDER BY t LIMIT ?5"));
  const auto max_limit = static_cast<size_t>(std::numeric_limits<int64_t>::max());
  stmt.Bind(1, dev->dkey)
      .Bind(2, series)
      .Bind(3, from_ms)
      .Bind(4, to_ms)
      .Bind(5, static_cast<int64_t>(std::min(limit, max_limit)));
  while (true) {
    KEEL_ASSIGN_OR_RETURN(const bool row, stmt.Step());
    if (!row) break;
    out.push_back(wire::Point{stmt.Int(0), stmt.Double(1)});
  }
  return out;
}

Result<std::vector<std::string>> SqliteStore::ListSeries(std::string_view device_id) {
  auto conn = state_->readers.Acquire();
  KEEL_ASSIGN_OR_RETURN(auto dev, sqlite::FindDevice(*conn, device_id));
  if (!dev) return Status::NotFound(fmt::format("device \"{}\" is not registered", device_id));
  KEEL_ASSIGN_OR_RETURN(auto stmt,
                        conn->Prepare("SELECT name FROM series WHERE dkey = ?1 ORDER BY name"));
  stmt.Bind(1, dev->dkey);
  std::vector<std::string> out;
  while (true) {
    KEEL_ASSIGN_OR_RETURN(const bool row, stmt.Step());
    if (!row) break;
    out.push_back(stmt.Text(0));
  }
  return out;
}

}  // namespace keel::hub
