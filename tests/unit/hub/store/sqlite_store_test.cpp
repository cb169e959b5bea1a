#include <gtest/gtest.h>
#include <sqlite3.h>

#include <atomic>
#include <fstream>
#include <thread>

#include "store_fixture.h"

namespace keel::hub {
namespace {

using SqliteStoreTest = StoreTest;

TEST_F(SqliteStoreTest, SurvivesCloseAndReopen) {
  ASSERT_TRUE(store_->CreateDevice("d1", 7).ok());
  ASSERT_TRUE(store_->RecordCertificate("d1", "01", 9000, 8).ok());
  ASSERT_TRUE(store_->AddEnrollmentToken("d1", "tok", 100).ok());
  ASSERT_TRUE(store_->ConsumeEnrollmentToken("d1", "tok", 10).ok());
  Write({Batch("d1", 1, 3), Batch("d1", 2, 2, 5000), Batch("d1", 2, 2, 5000), Batch("d1", 6)});
  ASSERT_TRUE(store_->RecordGap("d1", 3, 4, 9).ok());
  const StoreStats before = *store_->Stats();
  EXPECT_EQ(before, (StoreStats{1, 3, 7, 1, 2, 0}));

  Reopen();
  EXPECT_EQ(*store_->Stats(), before);
  auto d = store_->GetDevice("d1");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->acked_seq, 4u);
  EXPECT_EQ(d->samples_stored, 7u);
  EXPECT_EQ(d->cert_serial, "01");
  EXPECT_EQ(store_->ReadSeries("d1", "temp", 0, 10'000, 100)->size(), 5u);
  EXPECT_EQ(store_->ConsumeEnrollmentToken("d1", "tok", 11).message(),
            "enrollment token already used");
  // Dedupe, gaps and series ids still hold after reopen.
  const WriteResult r = Write({Batch("d1", 2), Batch("d1", 5, 1, 7000)});
  EXPECT_EQ(r.outcomes,
            (std::vector<BatchOutcome>{BatchOutcome::kDuplicate, BatchOutcome::kStored}));
  EXPECT_EQ(r.watermarks, (std::vector<std::pair<std::string, uint64_t>>{{"d1", 6}}));
  EXPECT_EQ(*store_->ListSeries("d1"), std::vector<std::string>{"temp"});
  EXPECT_EQ(*store_->Stats(), (StoreStats{1, 4, 8, 2, 2, 0}));
}

TEST_F(SqliteStoreTest, CorruptFileIsAnErrorNamingThePath) {
  store_.reset();
  const auto bad = dir_.path() / "corrupt.db";
  std::ofstream(bad) << std::string(8192, 'x');
  auto r = OpenSqliteStore(bad);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kIoError);
  EXPECT_NE(r.status().message().find(bad.string()), std::string::npos) << r.status().message();
  EXPECT_NE(r.status().message().find("corrupt"), std::string::npos) << r.status().message();
}

TEST_F(SqliteStoreTest, UnknownSchemaVersionIsRefused) {
  store_.reset();
  RunSql(path(), "UPDATE meta SET value = 99 WHERE key = 'schema_version'");
  auto r = OpenSqliteStore(path());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(r.status().message().find("unknown schema_version 99"), std::string::npos)
      << r.status().message();
  EXPECT_NE(r.status().message().find(path().string()), std::string::npos);
}

TEST_F(SqliteStoreTest, Version1DatabaseIsMigratedToTheCurrentVersion) {
  ASSERT_TRUE(store_->CreateDevice("d1", 7).ok());
  Write({Batch("d1", 1, 3), Batch("d1", 2)});
  store_.reset();
  // A version 1 store is the current one without events and artifacts.
  RunSql(path(),
         "DROP TABLE events; DROP TABLE artifacts; DROP TABLE device_tags; "
         "DROP TABLE deployment_devices; DROP TABLE deployments; DROP TABLE device_ota; "
         "DROP TABLE ota_reports; DROP TABLE attestation_baselines; DROP TABLE quarantines; "
         "DROP TABLE incidents; DROP TABLE incident_notifications; DROP TABLE silences; "
         "DROP TABLE topology; DROP TABLE notify_routes; "
         "UPDATE meta SET value = 1 WHERE key = 'schema_version'");

  Reopen();
  EXPECT_EQ(*store_->Stats(), (StoreStats{1, 2, 5, 0, 0, 0}));
  EXPECT_EQ(Acked("d1"), 2u);
  IngestBatch b = Batch("d1", 3);
  b.batch.events.push_back(wire::Event{"a.b", 1'732'470'000'000, {{"k", 1}}});
  EXPECT_EQ(Write({b}).events_stored, 1u);
  EXPECT_EQ(store_->ReadEvents({})->size(), 1u);
  ArtifactRecord artifact;
  artifact.name = "m";
  artifact.version = "1.0.0";
  EXPECT_TRUE(store_->AddArtifact(artifact).ok());

  store_.reset();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path().c_str(), &db), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key = 'schema_version'", -1, &stmt,
                               nullptr),
            SQLITE_OK);
  ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int64(stmt, 0), 8);
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  Reopen();  // opening a current store again migrates nothing
  EXPECT_EQ(store_->Stats()->events, 1u);
  EXPECT_EQ(store_->ListArtifacts("")->size(), 1u);
  EXPECT_TRUE(store_->ListDeployments()->empty());
  EXPECT_TRUE(store_->ListQuarantines()->empty());
  EXPECT_EQ(store_->GetTopology()->version, 0);
  EXPECT_EQ(*store_->PutTopology("{}", 0, 1), 1);
}

TEST_F(SqliteStoreTest, ForeignSqliteDatabaseIsRefused) {
  const auto other = dir_.path() / "other.db";
  RunSql(other, "CREATE TABLE t(x)");
  auto r = OpenSqliteStore(other);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(r.status().message().find("not a Keel hub store"), std::string::npos);
}

TEST_F(SqliteStoreTest, MissingDirectoryIsIoErrorNamingThePath) {
  const auto missing = dir_.path() / "no" / "such" / "hub.db";
  auto r = OpenSqliteStore(missing);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kIoError);
  EXPECT_NE(r.status().message().find(missing.string()), std::string::npos);
}

TEST_F(SqliteStoreTest, WalModeIsOn) {
  EXPECT_TRUE(std::filesystem::exists(path().string() + "-wal"));
}

TEST_F(SqliteStoreTest, ConcurrentReadersSeeCommittedPrefixWhileWriting) {
  ASSERT_TRUE(store_->CreateDevice("d1", 0).ok());
  constexpr uint64_t kBatches = 60;
  constexpr size_t kPoints = 20;
  std::atomic<bool> done{false};
  std::atomic<int> failures{0};
  std::atomic<int> reads{0};
  std::vector<std::thread> readers;
  for (int i = 0; i < 3; ++i) {
    readers.emplace_back([&] {
      size_t last = 0;
      while (!done.load()) {
        auto points = store_->ReadSeries("d1", "temp", 0, 1'000'000, 1'000'000);
        auto dev = store_->GetDevice("d1");
        auto stats = store_->Stats();
        if (!points.ok() || !dev.ok() || !stats.ok()) {
          ++failures;
          continue;
        }
        // Whole batches only, never shrinking, always in time order.
        if (points->size() % kPoints != 0 || points->size() < last) ++failures;
        for (size_t k = 1; k < points->size(); ++k) {
          if ((*points)[k - 1].t_ms >= (*points)[k].t_ms) ++failures;
        }
        last = points->size();
        ++reads;
      }
    });
  }
  for (uint64_t seq = 1; seq <= kBatches; ++seq) {
    const WriteResult r =
        Write({Batch("d1", seq, kPoints, static_cast<int64_t>(seq * kPoints), 1.0)});
    ASSERT_EQ(r.watermarks.at(0).second, seq);
  }
  done = true;
  for (auto& t : readers) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_GT(reads.load(), 0);
  EXPECT_EQ(store_->ReadSeries("d1", "temp", 0, 1'000'000, 1'000'000)->size(), kBatches * kPoints);
}

}  // namespace
}  // namespace keel::hub
