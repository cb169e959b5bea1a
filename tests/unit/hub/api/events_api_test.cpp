// GET /api/v1/events and /api/v1/devices/{id}/events over real HTTPS.
#include <gtest/gtest.h>
#include <httplib.h>

#include <memory>
#include <mutex>

#include "hub/api/event_routes.h"
#include "unit/hub/api/https_api_fixture.h"

namespace keel::hub {
namespace {

constexpr int64_t kT = 1'732'470'000'000;

class EventsApiTest : public HttpsApiTest {
 protected:
  void SetUp() override {
    HttpsApiTest::SetUp();
    ASSERT_TRUE(store_->CreateDevice("d1", 0).ok());
    ASSERT_TRUE(store_->CreateDevice("d2", 0).ok());
    std::vector<IngestBatch> batches(2);
    batches[0].device_id = "d1";
    batches[0].batch.seq = 1;
    batches[0].batch.events = {{"anomaly.detected", kT + 10, {{"score", 7.5}}},
                               {"sensor.fault", kT + 5, {{"sensor", "vib"}}}};
    batches[1].device_id = "d2";
    batches[1].batch.seq = 4;
    batches[1].batch.events = {{"anomaly.cleared", kT + 20, nlohmann::json::object()}};
    ASSERT_TRUE(store_->WriteBatches(batches).ok());

    StartServer([this](ApiOptions&, ApiDependencies& deps) {
      deps.send_command = [this](const std::string& device, std::string_view name,
                                 const std::string& payload) -> Status {
        std::lock_guard lock(sent_mu_);
        sent_.push_back(device + " " + std::string(name) + " " + payload);
        return Status::Ok();
      };
    });
  }

  Reply Get(const std::string& path, bool authorized = true) {
    return Call("GET", path, "", {}, authorized);
  }
  Reply Post(const std::string& path, const std::string& body) { return Call("POST", path, body); }

  std::vector<std::string> Sent() {
    std::lock_guard lock(sent_mu_);
    return sent_;
  }

  static std::vector<std::string> Types(const nlohmann::json& body) {
    std::vector<std::string> out;
    for (const auto& e : body.at("events")) out.push_back(e.at("type").get<std::string>());
    return out;
  }

  std::mutex sent_mu_;
  std::vector<std::string> sent_;
};

TEST_F(EventsApiTest, FleetEventsNewestFirstWithTheDocumentedShape) {
  const Reply r = Get("/api/v1/events");
  ASSERT_EQ(r.status, 200) << r.body.dump();
  EXPECT_EQ(Types(r.body),
            (std::vector<std::string>{"anomaly.cleared", "anomaly.detected", "sensor.fault"}));
  EXPECT_EQ(r.body["events"][1], (nlohmann::json{{"device", "d1"},
                                                 {"seq", 1},
                                                 {"type", "anomaly.detected"},
                                                 {"t", kT + 10},
                                                 {"data", {{"score", 7.5}}}}));
}

TEST_F(EventsApiTest, FiltersByDeviceTypeTimeAndLimit) {
  EXPECT_EQ(Types(Get("/api/v1/events?device=d2").body),
            std::vector<std::string>{"anomaly.cleared"});
  EXPECT_EQ(Types(Get("/api/v1/events?type=anomaly.").body),
            (std::vector<std::string>{"anomaly.cleared", "anomaly.detected"}));
  EXPECT_EQ(
      Types(Get("/api/v1/events?from=" + std::to_string(kT + 5) + "&to=" + std::to_string(kT + 20))
                .body),
      (std::vector<std::string>{"anomaly.detected", "sensor.fault"}));
  EXPECT_EQ(Types(Get("/api/v1/events?limit=1").body), std::vector<std::string>{"anomaly.cleared"});
}

TEST_F(EventsApiTest, DeviceEventsAndUnknownDevice) {
  const Reply r = Get("/api/v1/devices/d1/events?type=sensor");
  ASSERT_EQ(r.status, 200) << r.body.dump();
  EXPECT_EQ(Types(r.body), std::vector<std::string>{"sensor.fault"});
  const Reply missing = Get("/api/v1/devices/ghost/events");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.body["error"]["code"], "NotFound");
  EXPECT_EQ(Get("/api/v1/events?device=ghost").status, 404);
}

TEST_F(EventsApiTest, BadParametersAre400NamingTheParameter) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"/api/v1/events?limit=0", "query parameter limit=\"0\": must be 1..10000"},
      {"/api/v1/events?limit=10001", "limit=\"10001\""},
      {"/api/v1/events?limit=ten", "query parameter limit=\"ten\" is not an integer"},
      {"/api/v1/events?from=yesterday", "query parameter from="},
      {"/api/v1/events?from=10&to=5", "query parameter to=\"5\": is before from"},
      {"/api/v1/events?type=Anomaly", "query parameter type=\"Anomaly\""},
      {"/api/v1/events?device=Bad%20Id", "query parameter device=\"Bad Id\": not a device id"},
      {"/api/v1/devices/d1/events?device=d2", "query parameter device=\"d2\": not allowed here"},
  };
  for (const auto& [path, message] : cases) {
    const Reply r = Get(path);
    EXPECT_EQ(r.status, 400) << path;
    EXPECT_EQ(r.body["error"]["code"], "InvalidArgument") << path;
    EXPECT_NE(ErrorMessage(r).find(message), std::string::npos) << path << ": " << ErrorMessage(r);
  }
}

TEST_F(EventsApiTest, RequiresTheOperatorToken) {
  EXPECT_EQ(Get("/api/v1/events", /*authorized=*/false).status, 401);
  EXPECT_EQ(Get("/api/v1/devices/d1/events", /*authorized=*/false).status, 401);
}

TEST(ParseEventQueryTest, DefaultsAndPathDevice) {
  httplib::Request req;
  auto q = ParseEventQuery(req, std::string("d1"));
  ASSERT_TRUE(q.ok()) << q.status().ToString();
  EXPECT_EQ(q->device_id, "d1");
  EXPECT_EQ(q->limit, kDefaultEventsPerRead);
  EXPECT_TRUE(q->newest_first);
  EXPECT_EQ(q->type_prefix, "");
  req.params.emplace("limit", "10000");
  req.params.emplace("from", "-5");
  q = ParseEventQuery(req, std::nullopt);
  ASSERT_TRUE(q.ok()) << q.status().ToString();
  EXPECT_EQ(q->device_id, std::nullopt);
  EXPECT_EQ(q->limit, 10000u);
  EXPECT_EQ(q->from_ms, -5);
}

// POST /api/v1/devices/{id}/raw asks an active device for raw samples
// (keel/v1/<id>/cmd/raw); bad bodies, unknown or inactive devices are refused.
TEST_F(EventsApiTest, RawRequestIsSentToActiveDevicesOnly) {
  ASSERT_TRUE(store_->RecordCertificate("d1", "0a", kT + 86'400'000, kT).ok());
  Reply ok = Post("/api/v1/devices/d1/raw", R"({"seconds": 30})");
  EXPECT_EQ(ok.status, 202);
  EXPECT_EQ(ok.body["seconds"], 30);
  EXPECT_EQ(Sent(), std::vector<std::string>{R"(d1 raw {"seconds":30})"});

  Reply bad = Post("/api/v1/devices/d1/raw", R"({"seconds": 0})");
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(ErrorMessage(bad).find("\"seconds\": must be between 1 and 3600"), std::string::npos)
      << ErrorMessage(bad);
  EXPECT_EQ(Post("/api/v1/devices/d1/raw", "not json").status, 400);
  EXPECT_EQ(Post("/api/v1/devices/d2/raw", R"({"seconds": 5})").status, 409);  // not enrolled
  EXPECT_EQ(Post("/api/v1/devices/nope/raw", R"({"seconds": 5})").status, 404);
  EXPECT_EQ(Sent().size(), 1u);
}

}  // namespace
}  // namespace keel::hub
