// GET|PUT /api/v1/topology and GET /api/v1/devices/{id}/context over real
// HTTPS, with a TopologyService on a real SqliteStore.
#include <gtest/gtest.h>

#include <memory>

#include "hub/api/topology_routes.h"
#include "hub/topology/topology_service.h"
#include "unit/hub/api/https_api_fixture.h"

namespace keel::hub {
namespace {

constexpr const char* kDoc = R"({
  "tenants": [{"id": "acme"}],
  "sites": [{"id": "north", "tenant": "acme"}],
  "gateways": [{"id": "gw-n1", "site": "north"}],
  "assets": [{"id": "line-1", "site": "north", "criticality": 5}],
  "devices": [{"id": "pump-01", "site": "north", "gateway": "gw-n1", "asset": "line-1"}]})";

class TopologyApiTest : public HttpsApiTest {
 protected:
  void SetUp() override {
    HttpsApiTest::SetUp();
    auto topology = topology::TopologyService::Open(*store_, *store_, clock_);
    ASSERT_TRUE(topology.ok()) << topology.status().ToString();
    topology_ = std::move(topology).value();
    Start(topology_.get(), 64 * 1024);
  }

  void Start(topology::TopologyService* service, size_t max_body_bytes) {
    StartServer([&](ApiOptions& options, ApiDependencies& deps) {
      options.max_body_bytes = max_body_bytes;
      deps.topology = service;
    });
  }

  Reply Get(const std::string& path, bool authorized = true) {
    return Call("GET", path, "", {}, authorized);
  }

  Reply Put(const std::string& body, const std::string& if_match = "", bool authorized = true) {
    httplib::Headers headers;
    if (!if_match.empty()) headers.emplace("If-Match", if_match);
    return Call("PUT", "/api/v1/topology", body, std::move(headers), authorized);
  }

  std::unique_ptr<topology::TopologyService> topology_;
};

TEST_F(TopologyApiTest, PutThenGetWithTheDocumentedShape) {
  Reply empty = Get("/api/v1/topology");
  ASSERT_EQ(empty.status, 200) << empty.body.dump();
  EXPECT_EQ(empty.body["version"], 0);
  EXPECT_EQ(empty.body["topology"]["devices"], nlohmann::json::array());

  Reply put = Put(kDoc);
  ASSERT_EQ(put.status, 200) << put.body.dump();
  EXPECT_EQ(put.body, nlohmann::json({{"version", 1}}));
  EXPECT_EQ(put.etag, "\"1\"");

  Reply got = Get("/api/v1/topology");
  ASSERT_EQ(got.status, 200);
  EXPECT_EQ(got.body["version"], 1);
  EXPECT_EQ(got.body["updated_ms"], clock_.NowMs());
  EXPECT_EQ(got.etag, "\"1\"");
  auto reparsed = topology::ParseTopology(got.body["topology"].dump(), "reply");
  ASSERT_TRUE(reparsed.ok()) << reparsed.status().ToString();
  EXPECT_EQ(*reparsed, *topology::ParseTopology(kDoc, "doc"));
}

TEST_F(TopologyApiTest, IfMatchGivesOptimisticConcurrency) {
  ASSERT_EQ(Put(kDoc).status, 200);
  EXPECT_EQ(Put(kDoc, "1").body["version"], 2);
  EXPECT_EQ(Put(kDoc, "\"2\"").body["version"], 3) << "an ETag as GET sent it";
  Reply stale = Put("{}", "2");
  EXPECT_EQ(stale.status, 409);
  EXPECT_EQ(ErrorMessage(stale), "topology: version 2 expected, the stored one is 3");
  Reply bad = Put("{}", "latest");
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(ErrorMessage(bad).find("If-Match: \"latest\""), std::string::npos) << bad.body;
  EXPECT_EQ(Get("/api/v1/topology").body["version"], 3);
}

TEST_F(TopologyApiTest, AnInvalidDocumentIs400WithWhereAndNothingIsStored) {
  Reply r = Put(R"({"tenants": [{"id": "acme"}], "sites": [{"id": "north", "tenant": "acme"}],
      "devices": [{"id": "d", "site": "north", "gateway": "gw-9"}]})");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(ErrorMessage(r), R"(topology: devices[0].gateway: "gw-9" is not a gateway)");
  EXPECT_EQ(Put("{nope").status, 400);
  EXPECT_EQ(Get("/api/v1/topology").body["version"], 0);
}

TEST_F(TopologyApiTest, DeviceContextMergesTopologyAndTags) {
  ASSERT_EQ(Put(kDoc).status, 200);
  ASSERT_TRUE(store_->CreateDevice("pump-01", 0).ok());
  ASSERT_TRUE(store_->SetDeviceTags("pump-01", {{"zone", "a"}}).ok());
  clock_.AdvanceMs(topology::TopologyService::kRefreshMs);
  Reply r = Get("/api/v1/devices/pump-01/context");
  ASSERT_EQ(r.status, 200) << r.body.dump();
  EXPECT_EQ(r.body, nlohmann::json::parse(R"({"id": "pump-01", "labels": {
      "tenant": "acme", "site": "north", "gateway": "gw-n1", "asset": "line-1",
      "criticality": "5", "zone": "a"}})"));
  EXPECT_EQ(Get("/api/v1/devices/gw-n1/context").body["labels"]["role"], "gateway");
  EXPECT_EQ(Get("/api/v1/devices/other/context").body["labels"], nlohmann::json::object());
}

TEST_F(TopologyApiTest, OperatorsOnlyBodyLimitAndNotSetUp) {
  EXPECT_EQ(Get("/api/v1/topology", /*authorized=*/false).status, 401);
  EXPECT_EQ(Put(kDoc, "", /*authorized=*/false).status, 401);
  EXPECT_EQ(Get("/api/v1/devices/pump-01/context", /*authorized=*/false).status, 401);
  EXPECT_EQ(Get("/api/v1/topology").body["version"], 0);

  Start(topology_.get(), 128);
  Reply big = Put(kDoc);
  EXPECT_EQ(big.status, 413);
  EXPECT_NE(ErrorMessage(big).find("more than 128 bytes"), std::string::npos) << big.body;

  Start(nullptr, 64 * 1024);
  Reply none = Get("/api/v1/topology");
  EXPECT_EQ(none.status, 409);
  EXPECT_EQ(ErrorMessage(none), "the topology is not set up");
  EXPECT_EQ(Put(kDoc).status, 409);
}

TEST(ParseIfMatchVersionTest, NumbersAndEtags) {
  EXPECT_EQ(*ParseIfMatchVersion("7"), 7);
  EXPECT_EQ(*ParseIfMatchVersion("\"12\""), 12);
  for (const char* bad : {"", "0", "-1", "\"\"", "W/\"3\"", "3 ", "*", "99999999999999999999"}) {
    EXPECT_FALSE(ParseIfMatchVersion(bad).ok()) << bad;
  }
}

}  // namespace
}  // namespace keel::hub
