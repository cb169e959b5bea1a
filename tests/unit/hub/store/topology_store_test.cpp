// TopologyStore on SQLite: the one document, its version (optimistic
// concurrency) and durability across a reopen.
#include "unit/hub/store/store_fixture.h"

namespace keel::hub {
namespace {

class TopologyStoreTest : public StoreTest {};

TEST_F(TopologyStoreTest, NothingStoredIsVersionZeroAndAnEmptyDocument) {
  auto stored = store_->GetTopology();
  ASSERT_TRUE(stored.ok()) << stored.status().ToString();
  EXPECT_EQ(stored->version, 0);
  EXPECT_EQ(stored->updated_ms, 0);
  EXPECT_EQ(stored->body, "{}");
}

TEST_F(TopologyStoreTest, EachWriteBumpsTheVersionAndSurvivesAReopen) {
  auto first = store_->PutTopology(R"({"v":1})", 0, 100);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(*first, 1);
  EXPECT_EQ(*store_->PutTopology(R"({"v":2})", 0, 200), 2);
  Reopen();
  auto stored = store_->GetTopology();
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->version, 2);
  EXPECT_EQ(stored->updated_ms, 200);
  EXPECT_EQ(stored->body, R"({"v":2})");
  EXPECT_EQ(*store_->PutTopology(R"({"v":3})", 2, 300), 3);
  EXPECT_EQ(store_->GetTopology()->body, R"({"v":3})");
}

TEST_F(TopologyStoreTest, AStaleExpectedVersionWritesNothing) {
  ASSERT_EQ(*store_->PutTopology(R"({"v":1})", 0, 100), 1);
  ASSERT_EQ(*store_->PutTopology(R"({"v":2})", 1, 200), 2);
  auto stale = store_->PutTopology(R"({"v":"lost"})", 1, 300);
  ASSERT_FALSE(stale.ok());
  EXPECT_EQ(stale.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(stale.status().message(), "topology: version 1 expected, the stored one is 2");
  // Expecting a version before anything was stored fails the same way.
  auto fresh = OpenSqliteStore(dir_.path() / "other.db");
  ASSERT_TRUE(fresh.ok());
  EXPECT_EQ((*fresh)->PutTopology("{}", 4, 1).status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ((*fresh)->GetTopology()->version, 0);
  const auto stored = store_->GetTopology();
  EXPECT_EQ(stored->version, 2);
  EXPECT_EQ(stored->body, R"({"v":2})");
  EXPECT_EQ(stored->updated_ms, 200);
}

}  // namespace
}  // namespace keel::hub

namespace keel::hub {
namespace {

TEST_F(TopologyStoreTest, AVersion6StoreGainsTheTopologyTable) {
  ASSERT_TRUE(store_->CreateDevice("d1", 7).ok());
  store_.reset();
  RunSql(path(),
         "DROP TABLE topology; DROP TABLE notify_routes; "
         "UPDATE meta SET value = 6 WHERE key = 'schema_version'");
  Reopen();
  EXPECT_EQ(store_->GetTopology()->version, 0);
  EXPECT_EQ(*store_->PutTopology(R"({"tenants":[]})", 0, 5), 1);
  EXPECT_TRUE(store_->GetDevice("d1").ok());
}

}  // namespace
}  // namespace keel::hub
