// Shared fixture for the hub store tests: a fresh SqliteStore in a TempDir.
#pragma once

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <memory>
#include <string>
#include <vector>

#include "hub/store/sqlite_store.h"
#include "test_util/temp_dir.h"

namespace keel::hub {

// Runs `sql` on the database file directly (to age or damage it in tests).
inline void RunSql(const std::filesystem::path& path, const char* sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, sql, nullptr, nullptr, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
  sqlite3_close(db);
}

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }

  void Reopen() {
    store_.reset();
    auto opened = OpenSqliteStore(path());
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    store_ = std::move(opened).value();
  }

  std::filesystem::path path() const { return dir_.path() / "hub.db"; }

  // A batch with one series "temp" holding `n` points at t = base_t + i.
  static IngestBatch Batch(std::string device, uint64_t seq, size_t n = 2, int64_t base_t = 1000,
                           double value = 1.0) {
    IngestBatch b;
    b.device_id = std::move(device);
    b.batch.seq = seq;
    wire::Series s;
    s.name = "temp";
    for (size_t i = 0; i < n; ++i) {
      s.points.push_back(wire::Point{base_t + static_cast<int64_t>(i), value});
    }
    b.batch.series.push_back(std::move(s));
    b.received_ms = 5;
    return b;
  }

  WriteResult Write(std::vector<IngestBatch> batches) {
    auto r = store_->WriteBatches(batches);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? std::move(r).value() : WriteResult{};
  }

  uint64_t Acked(const std::string& id) {
    auto d = store_->GetDevice(id);
    EXPECT_TRUE(d.ok()) << d.status().ToString();
    return d.ok() ? d->acked_seq : 0;
  }

  TempDir dir_;
  std::unique_ptr<SqliteStore> store_;
};

}  // namespace keel::hub
