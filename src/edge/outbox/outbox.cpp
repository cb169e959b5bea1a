#include "edge/outbox/outbox.h"

#include <algorithm>
#include <cstdint>
#include <exception>
#include <mutex>
#include <utility>

#include "edge/outbox/outbox_schema.h"
#include "edge/outbox/sqlite_db.h"

namespace keel::edge {
namespace {

int64_t ToSql(uint64_t v) { return static_cast<int64_t>(v); }
uint64_t FromSql(int64_t v) { return static_cast<uint64_t>(v); }

class SqliteOutbox : public Outbox {
 public:
  SqliteOutbox(sqlite::Db db, OutboxOptions options, const Clock& clock)
      : db_(std::move(db)), options_(options), clock_(clock) {}

  Status LoadState() {
    KEEL_ASSIGN_OR_RETURN(int64_t next,
                          db_.QueryInt("SELECT value FROM meta WHERE key='next_seq'"));
    KEEL_ASSIGN_OR_RETURN(int64_t acked,
                          db_.QueryInt("SELECT value FROM meta WHERE key='acked_seq'"));
    KEEL_ASSIGN_OR_RETURN(int64_t dropped,
                          db_.QueryInt("SELECT value FROM meta WHERE key='dropped_total'"));
    KEEL_ASSIGN_OR_RETURN(int64_t depth, db_.QueryInt("SELECT count(*) FROM batches"));
    KEEL_ASSIGN_OR_RETURN(int64_t bytes,
                          db_.QueryInt("SELECT coalesce(sum(length(payload)), 0) FROM batches"));
    KEEL_ASSIGN_OR_RETURN(int64_t max_seq,
                          db_.QueryInt("SELECT coalesce(max(seq), 0) FROM batches"));
    if (next < 1 || acked < 0 || acked >= next || max_seq >= next || dropped < 0) {
      return Status::FailedPrecondition(
          db_.path() + ": inconsistent outbox counters (next_seq " + std::to_string(next) +
          ", acked_seq " + std::to_string(acked) + ", highest stored seq " +
          std::to_string(max_seq) + "); refusing to reuse sequence numbers");
    }
    stats_.next_seq = FromSql(next);
    stats_.acked_seq = FromSql(acked);
    stats_.dropped_total = FromSql(dropped);
    stats_.depth = FromSql(depth);
    stats_.bytes = FromSql(bytes);
    return Status::Ok();
  }

  Result<AppendResult> Append(const std::function<std::string(uint64_t seq)>& encode,
                              std::string_view content_type) override {
    std::lock_guard lock(mu_);
    const uint64_t seq = stats_.next_seq;
    std::string payload;
    try {
      payload = encode(seq);
    } catch (const std::exception& e) {
      return Status::Internal(db_.path() + ": encoding batch " + std::to_string(seq) +
                              " threw: " + e.what());
    }
    const uint64_t size = payload.size();
    if (size > options_.max_bytes) {
      ++stats_.rejected_total;
      return Status::ResourceExhausted(db_.path() + ": batch " + std::to_string(seq) + " of " +
                                       std::to_string(size) + " bytes exceeds max_bytes " +
                                       std::to_string(options_.max_bytes));
    }
    const bool over =
        stats_.depth + 1 > options_.max_batches || stats_.bytes + size > options_.max_bytes;
    if (over && options_.drop_policy == OutboxOptions::DropPolicy::kRejectNewest) {
      ++stats_.rejected_total;
      return Status::ResourceExhausted(
          db_.path() + ": outbox full (" + std::to_string(stats_.depth) + " batches, " +
          std::to_string(stats_.bytes) + " bytes); batch rejected by policy reject_newest");
    }

    KEEL_ASSIGN_OR_RETURN(auto txn, sqlite::Transaction::Begin(db_));
    Drop drop;
    if (over) {
      KEEL_ASSIGN_OR_RETURN(drop, DropOldest(size));
    }
    {
      KEEL_ASSIGN_OR_RETURN(
          auto insert,
          sqlite::Stmt::Prepare(db_,
                                "INSERT INTO batches(seq, payload, content_type, created_ms) "
                                "VALUES (?, ?, ?, ?)"));
      KEEL_RETURN_IF_ERROR(insert.BindInt(1, ToSql(seq)));
      KEEL_RETURN_IF_ERROR(insert.BindBlob(2, payload));
      KEEL_RETURN_IF_ERROR(insert.BindText(3, content_type));
      KEEL_RETURN_IF_ERROR(insert.BindInt(4, clock_.NowMs()));
      KEEL_RETURN_IF_ERROR(insert.Run());
    }
    KEEL_RETURN_IF_ERROR(SetMeta("next_seq", seq + 1));
    if (drop.count > 0) {
      KEEL_RETURN_IF_ERROR(SetMeta("dropped_total", stats_.dropped_total + drop.count));
    }
    KEEL_RETURN_IF_ERROR(txn.Commit());

    stats_.next_seq = seq + 1;
    stats_.depth = stats_.depth - drop.count + 1;
    stats_.bytes = stats_.bytes - drop.bytes + size;
    stats_.dropped_total += drop.count;
    return AppendResult{seq, drop.count};
  }

  Result<std::vector<OutboxEntry>> PeekAfter(uint64_t after_seq, size_t limit) override {
    std::lock_guard lock(mu_);
    std::vector<OutboxEntry> out;
    if (limit == 0) return out;
    KEEL_ASSIGN_OR_RETURN(
        auto stmt,
        sqlite::Stmt::Prepare(db_,
                              "SELECT seq, payload, content_type, created_ms FROM batches "
                              "WHERE seq > ? ORDER BY seq LIMIT ?"));
    KEEL_RETURN_IF_ERROR(stmt.BindInt(1, ToSql(std::min(after_seq, kMaxSqlSeq))));
    KEEL_RETURN_IF_ERROR(stmt.BindInt(2, ToSql(std::min<uint64_t>(limit, kMaxSqlSeq))));
    while (true) {
      KEEL_ASSIGN_OR_RETURN(bool row, stmt.Step());
      if (!row) break;
      out.push_back(OutboxEntry{FromSql(stmt.ColumnInt(0)), stmt.ColumnBlob(1), stmt.ColumnText(2),
                                stmt.ColumnInt(3)});
    }
    return out;
  }

  Status Ack(uint64_t up_to_seq) override {
    std::lock_guard lock(mu_);
    if (up_to_seq >= stats_.next_seq) {
      return Status::InvalidArgument(db_.path() + ": ack of seq " + std::to_string(up_to_seq) +
                                     " but the highest seq ever assigned is " +
                                     std::to_string(stats_.next_seq - 1));
    }
    if (up_to_seq <= stats_.acked_seq) return Status::Ok();

    KEEL_ASSIGN_OR_RETURN(auto txn, sqlite::Transaction::Begin(db_));
    uint64_t count = 0;
    uint64_t bytes = 0;
    {
      KEEL_ASSIGN_OR_RETURN(
          auto sum, sqlite::Stmt::Prepare(db_,
                                          "SELECT count(*), coalesce(sum(length(payload)), 0) "
                                          "FROM batches WHERE seq <= ?"));
      KEEL_RETURN_IF_ERROR(sum.BindInt(1, ToSql(up_to_seq)));
      KEEL_ASSIGN_OR_RETURN(bool row, sum.Step());
      if (row) {
        count = FromSql(sum.ColumnInt(0));
        bytes = FromSql(sum.ColumnInt(1));
      }
    }
    KEEL_RETURN_IF_ERROR(RunWithSeq("DELETE FROM batches WHERE seq <= ?", up_to_seq));
    KEEL_RETURN_IF_ERROR(RunWithSeq("DELETE FROM dropped WHERE to_seq <= ?", up_to_seq));
    KEEL_RETURN_IF_ERROR(
        RunWithSeq("UPDATE dropped SET from_seq = ?1 + 1 WHERE from_seq <= ?1", up_to_seq));
    KEEL_RETURN_IF_ERROR(SetMeta("acked_seq", up_to_seq));
    KEEL_RETURN_IF_ERROR(txn.Commit());

    stats_.acked_seq = up_to_seq;
    stats_.depth -= count;
    stats_.bytes -= bytes;
    return Status::Ok();
  }

  Result<std::vector<DroppedRange>> PendingDropNotices() override {
    std::lock_guard lock(mu_);
    std::vector<DroppedRange> out;
    KEEL_ASSIGN_OR_RETURN(
        auto stmt,
        sqlite::Stmt::Prepare(db_, "SELECT from_seq, to_seq FROM dropped ORDER BY from_seq"));
    while (true) {
      KEEL_ASSIGN_OR_RETURN(bool row, stmt.Step());
      if (!row) break;
      out.push_back(DroppedRange{FromSql(stmt.ColumnInt(0)), FromSql(stmt.ColumnInt(1))});
    }
    return out;
  }

  OutboxStats Stats() const override {
    std::lock_guard lock(mu_);
    return stats_;
  }

 private:
  static constexpr uint64_t kMaxSqlSeq = static_cast<uint64_t>(INT64_MAX);

  struct Drop {
    uint64_t count = 0;
    uint64_t bytes = 0;
  };

  // Deletes the oldest batches until one of `incoming` bytes fits both bounds,
  // and records their (contiguous) seq range as a drop notice.
  Result<Drop> DropOldest(uint64_t incoming) {
    Drop drop;
    uint64_t first = 0;
    uint64_t last = 0;
    {
      KEEL_ASSIGN_OR_RETURN(
          auto scan,
          sqlite::Stmt::Prepare(db_, "SELECT seq, length(payload) FROM batches ORDER BY seq"));
      while (stats_.depth - drop.count + 1 > options_.max_batches ||
             stats_.bytes - drop.bytes + incoming > options_.max_bytes) {
        KEEL_ASSIGN_OR_RETURN(bool row, scan.Step());
        if (!row) break;
        last = FromSql(scan.ColumnInt(0));
        if (drop.count == 0) first = last;
        ++drop.count;
        drop.bytes += FromSql(scan.ColumnInt(1));
      }
    }
    if (drop.count == 0) return drop;
    KEEL_RETURN_IF_ERROR(RunWithSeq("DELETE FROM batches WHERE seq <= ?", last));
    KEEL_ASSIGN_OR_RETURN(
        auto merge, sqlite::Stmt::Prepare(db_, "UPDATE dropped SET to_seq = ?1 WHERE to_seq = ?2"));
    KEEL_RETURN_IF_ERROR(merge.BindInt(1, ToSql(last)));
    KEEL_RETURN_IF_ERROR(merge.BindInt(2, ToSql(first) - 1));
    KEEL_RETURN_IF_ERROR(merge.Run());
    if (db_.Changes() == 0) {
      KEEL_ASSIGN_OR_RETURN(
          auto insert,
          sqlite::Stmt::Prepare(db_, "INSERT INTO dropped(from_seq, to_seq) VALUES (?, ?)"));
      KEEL_RETURN_IF_ERROR(insert.BindInt(1, ToSql(first)));
      KEEL_RETURN_IF_ERROR(insert.BindInt(2, ToSql(last)));
      KEEL_RETURN_IF_ERROR(insert.Run());
    }
    return drop;
  }

  Status RunWithSeq(const char* sql, uint64_t seq) {
    KEEL_ASSIGN_OR_RETURN(auto stmt, sqlite::Stmt::Prepare(db_, sql));
    KEEL_RETURN_IF_ERROR(stmt.BindInt(1, ToSql(seq)));
    return stmt.Run();
  }

  Status SetMeta(const char* key, uint64_t value) {
    KEEL_ASSIGN_OR_RETURN(auto stmt,
                          sqlite::Stmt::Prepare(db_, "UPDATE meta SET value = ? WHERE key = ?"));
    KEEL_RETURN_IF_ERROR(stmt.BindInt(1, ToSql(value)));
    KEEL_RETURN_IF_ERROR(stmt.BindText(2, key));
    KEEL_RETURN_IF_ERROR(stmt.Run());
    if (db_.Changes() != 1) {
      return Status::FailedPrecondition(db_.path() + ": meta key " + key + " is missing");
    }
    return Status::Ok();
  }

  mutable std::mutex mu_;
  sqlite::Db db_;
  const OutboxOptions options_;
  const Clock& clock_;
  OutboxStats stats_;
};

}  // namespace

Result<std::unique_ptr<Outbox>> Outbox::Open(const std::filesystem::path& db_path,
                                             OutboxOptions options, const Clock& clock) {
  if (options.max_batches == 0 || options.max_bytes == 0 ||
      options.max_batches > static_cast<uint64_t>(INT64_MAX) ||
      options.max_bytes > static_cast<uint64_t>(INT64_MAX)) {
    return Status::InvalidArgument(db_path.string() +
                                   ": outbox max_batches and max_bytes must be >= 1");
  }
  if (options.first_seq == 0 || options.first_seq > kMaxFirstSeq) {
    return Status::InvalidArgument(db_path.string() + ": outbox first_seq must be 1.." +
                                   std::to_string(kMaxFirstSeq));
  }
  KEEL_ASSIGN_OR_RETURN(sqlite::Db db, sqlite::Db::Open(db_path));
  KEEL_RETURN_IF_ERROR(PrepareOutboxSchema(db, options.first_seq).WithContext("outbox"));
  auto outbox = std::make_unique<SqliteOutbox>(std::move(db), options, clock);
  KEEL_RETURN_IF_ERROR(outbox->LoadState().WithContext("outbox"));
  return std::unique_ptr<Outbox>(std::move(outbox));
}

}  // namespace keel::edge
