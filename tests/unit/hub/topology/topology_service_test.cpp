// TopologyService over a real SqliteStore: validation before storing,
// versions, and ContextOf merging the document with device tags (cached
// for kRefreshMs).
#include "hub/topology/topology_service.h"

#include <gtest/gtest.h>

#include <thread>

#include "hub/store/sqlite_store.h"
#include "test_util/temp_dir.h"

namespace keel::hub::topology {
namespace {

constexpr const char* kDoc = R"({
  "tenants": [{"id": "acme"}],
  "sites": [{"id": "north", "tenant": "acme"}],
  "gateways": [{"id": "gw-n1", "site": "north"}],
  "assets": [{"id": "line-1", "site": "north", "criticality": 4}],
  "devices": [{"id": "pump-01", "site": "north", "gateway": "gw-n1", "asset": "line-1",
               "tags": {"line": "1"}}]})";

class TopologyServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = OpenSqliteStore(dir_.path() / "hub.db");
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
    ASSERT_TRUE(store_->CreateDevice("pump-01", 0).ok());
    ASSERT_TRUE(store_->CreateDevice("pump-99", 0).ok());
    Reopen();
  }

  void Reopen() {
    service_.reset();
    auto service = TopologyService::Open(*store_, *store_, clock_);
    ASSERT_TRUE(service.ok()) << service.status().ToString();
    service_ = std::move(service).value();
  }

  TempDir dir_;
  FakeClock clock_;
  std::unique_ptr<SqliteStore> store_;
  std::unique_ptr<TopologyService> service_;
};

TEST_F(TopologyServiceTest, StartsEmpty) {
  auto v = service_->GetVersioned();
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(v->version, 0);
  EXPECT_EQ(v->topology, Topology{});
  EXPECT_TRUE(service_->ContextOf("pump-01").empty());
}

TEST_F(TopologyServiceTest, PutStoresAValidDocumentAndBumpsTheVersion) {
  auto first = service_->Put(kDoc, 0);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(*first, 1);
  EXPECT_EQ(service_->ContextOf("pump-01").at("criticality"), "4");
  auto v = service_->GetVersioned();
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->version, 1);
  EXPECT_EQ(v->updated_ms, clock_.NowMs());
  EXPECT_EQ(v->topology.devices.at("pump-01").gateway, "gw-n1");
  EXPECT_EQ(store_->GetTopology()->body, kDoc) << "stored as written";
  EXPECT_EQ(*service_->Put(kDoc, 1), 2);
  Reopen();
  EXPECT_EQ(service_->GetVersioned()->version, 2);
  EXPECT_EQ(service_->Get()->assets.at("line-1").criticality, 4);
}

TEST_F(TopologyServiceTest, GarbageIsRejectedAndNeverStored) {
  ASSERT_TRUE(service_->Put(kDoc, 0).ok());
  auto bad = service_->Put(R"({"devices": [{"id": "x", "site": "south"}]})", 0);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(bad.status().message(), R"(topology: devices[0].site: "south" is not a site)");
  EXPECT_FALSE(service_->Put("not json", 0).ok());
  EXPECT_EQ(store_->GetTopology()->version, 1);
  EXPECT_EQ(service_->Get()->devices.size(), 1u);
}

TEST_F(TopologyServiceTest, AStaleExpectedVersionIsRefused) {
  ASSERT_TRUE(service_->Put(kDoc, 0).ok());
  ASSERT_TRUE(service_->Put("{}", 1).ok());
  auto stale = service_->Put(kDoc, 1);
  ASSERT_FALSE(stale.ok());
  EXPECT_EQ(stale.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_TRUE(service_->ContextOf("pump-01").empty()) << "the cache follows the store";
}

TEST_F(TopologyServiceTest, ContextMergesDeviceTagsWithoutOverridingTheDocument) {
  ASSERT_TRUE(service_->Put(kDoc, 0).ok());
  ASSERT_TRUE(
      store_->SetDeviceTags("pump-01", {{"site", "south"}, {"line", "9"}, {"zone", "a"}}).ok());
  ASSERT_TRUE(store_->SetDeviceTags("pump-99", {{"site", "west"}, {"gateway", "gw-x"}}).ok());
  // Tags are cached: seen after the refresh interval.
  EXPECT_EQ(service_->ContextOf("pump-01").count("zone"), 0u);
  clock_.AdvanceMs(TopologyService::kRefreshMs);
  EXPECT_EQ(service_->ContextOf("pump-01"), (Labels{{"tenant", "acme"},
                                                    {"site", "north"},
                                                    {"gateway", "gw-n1"},
                                                    {"asset", "line-1"},
                                                    {"criticality", "4"},
                                                    {"line", "1"},
                                                    {"zone", "a"}}));
  // A device the topology does not know keeps its tags, structural or not.
  EXPECT_EQ(service_->ContextOf("pump-99"), (Labels{{"site", "west"}, {"gateway", "gw-x"}}));
  EXPECT_EQ(service_->ContextOf("gw-n1"),
            (Labels{{"tenant", "acme"}, {"site", "north"}, {"role", "gateway"}}));
}

TEST_F(TopologyServiceTest, AnotherWriterIsSeenAfterTheRefreshInterval) {
  ASSERT_TRUE(service_->Put(kDoc, 0).ok());
  // Another hub instance on the same database.
  ASSERT_TRUE(store_
                  ->PutTopology(R"({"tenants": [{"id": "acme"}],
      "sites": [{"id": "north", "tenant": "acme"}],
      "devices": [{"id": "pump-01", "site": "north"}]})",
                                1, 5)
                  .ok());
  EXPECT_EQ(service_->ContextOf("pump-01").count("gateway"), 1u);
  clock_.AdvanceMs(TopologyService::kRefreshMs);
  EXPECT_EQ(service_->ContextOf("pump-01"), (Labels{{"tenant", "acme"}, {"site", "north"}}));
}

TEST_F(TopologyServiceTest, AStoredDocumentThatNoLongerParsesFailsOpen) {
  ASSERT_TRUE(store_->PutTopology(R"({"planets": []})", 0, 5).ok());
  auto opened = TopologyService::Open(*store_, *store_, clock_);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().message(), "hub store: topology: planets: unknown member");
}

TEST_F(TopologyServiceTest, ConcurrentReadersAndWriters) {
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([this, i] {
      for (int n = 0; n < 20; ++n) {
        if (i == 0) {
          EXPECT_TRUE(service_->Put(kDoc, 0).ok());
        } else {
          clock_.AdvanceMs(1000);
          auto labels = service_->ContextOf("pump-01");
          EXPECT_TRUE(labels.empty() || labels.at("site") == "north");
          EXPECT_TRUE(service_->GetVersioned().ok());
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(service_->GetVersioned()->version, 20);
}

}  // namespace
}  // namespace keel::hub::topology
