// Incident, silence and notification endpoints over real HTTPS.
#include <gtest/gtest.h>

#include <memory>

#include "hub/alerts/alert_service.h"
#include "unit/hub/api/https_api_fixture.h"

namespace keel::hub {
namespace {

class IncidentsApiTest : public HttpsApiTest {
 protected:
  void SetUp() override {
    HttpsApiTest::SetUp();
    auto alerts = alerts::AlertService::Open(*store_, nullptr, clock_, metrics_);
    ASSERT_TRUE(alerts.ok()) << alerts.status().ToString();
    alerts_ = std::move(alerts).value();
    StartServer([this](ApiOptions&, ApiDependencies& deps) {
      deps.alerts = alerts_.get();
      deps.incident_store = store_.get();
    });
  }
  void TearDown() override {
    HttpsApiTest::TearDown();
    alerts_.reset();
  }

  // An anomaly raised on `device`, then 40 s of ticks (past group_wait).
  void RaiseAnomaly(const std::string& device) {
    bus::Event e;
    e.kind = bus::EventKind::kDetection;
    e.device = device;
    e.type = "anomaly.raised";
    e.t_ms = clock_.NowMs();
    alerts_->OnEvent(e);
    for (int i = 0; i < 40; ++i) {
      clock_.AdvanceMs(1000);
      alerts_->Tick();
    }
  }

  std::unique_ptr<alerts::AlertService> alerts_;
};

TEST_F(IncidentsApiTest, ListShowAcknowledgeLabelAndResolve) {
  RaiseAnomaly("pump-1");
  auto list = Call("GET", "/api/v1/incidents?state=active");
  ASSERT_EQ(list.status, 200) << list.body.dump();
  ASSERT_EQ(list.body["incidents"].size(), 1u);
  const int64_t id = list.body["incidents"][0]["id"];
  EXPECT_EQ(list.body["incidents"][0]["state"], "open");
  EXPECT_EQ(list.body["incidents"][0]["title"], "anomaly on device=pump-1");

  auto ack = Call("POST", "/api/v1/incidents/" + std::to_string(id) + "/ack",
                  R"({"by": "ana", "note": "on my way"})");
  ASSERT_EQ(ack.status, 200) << ack.body.dump();
  EXPECT_EQ(ack.body["state"], "acknowledged");
  EXPECT_EQ(Call("POST", "/api/v1/incidents/" + std::to_string(id) + "/ack", "").status, 409);

  auto label = Call("POST", "/api/v1/incidents/" + std::to_string(id) + "/label",
                    R"({"verdict": "true_positive", "cause": "bearing wear", "by": "ana"})");
  ASSERT_EQ(label.status, 200) << label.body.dump();
  EXPECT_EQ(label.body["label"]["cause"], "bearing wear");
  EXPECT_EQ(label.body["label"]["devices"], nlohmann::json::array({"pump-1"}));

  auto resolve =
      Call("POST", "/api/v1/incidents/" + std::to_string(id) + "/resolve", R"({"by": "ana"})");
  ASSERT_EQ(resolve.status, 200) << resolve.body.dump();
  EXPECT_EQ(resolve.body["state"], "resolved");
  auto shown = Call("GET", "/api/v1/incidents/" + std::to_string(id));
  ASSERT_EQ(shown.status, 200);
  EXPECT_EQ(shown.body["resolved_by"], "ana");
  EXPECT_EQ(Call("GET", "/api/v1/incidents?state=resolved").body["incidents"].size(), 1u);
  EXPECT_TRUE(Call("GET", "/api/v1/incidents?state=active").body["incidents"].empty());

  auto notifications = Call("GET", "/api/v1/notifications");
  ASSERT_EQ(notifications.status, 200);
  ASSERT_EQ(notifications.body["notifications"].size(), 2u);
  EXPECT_EQ(notifications.body["notifications"][0]["reason"], "opened");
  EXPECT_EQ(notifications.body["notifications"][1]["reason"], "resolved");
}

TEST_F(IncidentsApiTest, BadRequestsSayWhatIsWrong) {
  RaiseAnomaly("pump-2");
  const std::string id =
      std::to_string(Call("GET", "/api/v1/incidents").body["incidents"][0]["id"].get<int64_t>());
  auto unknown = Call("POST", "/api/v1/incidents/" + id + "/ack", R"({"who": "x"})");
  EXPECT_EQ(unknown.status, 400);
  EXPECT_EQ(unknown.body["error"]["message"], "request body: unknown member \"who\"");
  auto verdict = Call("POST", "/api/v1/incidents/" + id + "/label", R"({"verdict": "meh"})");
  EXPECT_EQ(verdict.status, 400);
  EXPECT_NE(verdict.body["error"]["message"].get<std::string>().find("meh"), std::string::npos);
  EXPECT_EQ(Call("POST", "/api/v1/incidents/" + id + "/label", "{}").status, 400);
  EXPECT_EQ(Call("GET", "/api/v1/incidents/abc").status, 400);
  EXPECT_EQ(Call("GET", "/api/v1/incidents/999").status, 404);
  EXPECT_EQ(Call("POST", "/api/v1/incidents/999/ack", "").status, 404);
  EXPECT_EQ(Call("GET", "/api/v1/incidents?state=sleeping").status, 400);
  EXPECT_EQ(Call("GET", "/api/v1/incidents?limit=0").status, 400);
  EXPECT_EQ(Call("POST", "/api/v1/incidents/" + id + "/ack", "[").status, 400);
}

TEST_F(IncidentsApiTest, SilencesAreCreatedListedAndEnded) {
  const int64_t ends = clock_.NowMs() + 3'600'000;
  auto created = Call("POST", "/api/v1/silences",
                      nlohmann::json{{"matchers", {{"device", "pump-3"}}},
                                     {"ends_ms", ends},
                                     {"comment", "swap"},
                                     {"by", "ana"}}
                          .dump());
  ASSERT_EQ(created.status, 201) << created.body.dump();
  EXPECT_EQ(created.body["created_by"], "ana");
  const std::string id = std::to_string(created.body["id"].get<int64_t>());
  RaiseAnomaly("pump-3");
  EXPECT_TRUE(Call("GET", "/api/v1/notifications").body["notifications"].empty());
  EXPECT_EQ(Call("GET", "/api/v1/incidents").body["incidents"][0]["members"][0]["silenced_by"],
            created.body["id"]);
  ASSERT_EQ(Call("GET", "/api/v1/silences").body["silences"].size(), 1u);
  auto ended = Call("DELETE", "/api/v1/silences/" + id + "?by=ana");
  ASSERT_EQ(ended.status, 200) << ended.body.dump();
  EXPECT_LE(ended.body["ends_ms"].get<int64_t>(), clock_.NowMs());
  EXPECT_EQ(Call("DELETE", "/api/v1/silences/" + id).status, 409);
  auto bad = Call("POST", "/api/v1/silences", R"({"matchers": {}, "ends_ms": 1})");
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body["error"]["message"].get<std::string>().find("silence.matchers"),
            std::string::npos);
}

}  // namespace
}  // namespace keel::hub
