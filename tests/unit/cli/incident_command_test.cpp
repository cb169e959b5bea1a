// keelctl incident / silence: the silence request and the printed views.
#include "cli/incident_command.h"

#include <gtest/gtest.h>

#include <sstream>

namespace keel::cli {
namespace {

using nlohmann::json;

constexpr int64_t kNow = 1'732'470'000'000;

TEST(SilenceRequestTest, BuildsTheBodyFromTheFlags) {
  SilenceOptions o;
  o.match = {"site=north", "alertname=device.offline"};
  o.duration = "2h";
  o.starts_in = "30m";
  o.maintenance = true;
  o.comment = "pump swap";
  o.by = "ana";
  auto body = SilenceRequest(o, kNow);
  ASSERT_TRUE(body.ok()) << body.status().ToString();
  EXPECT_EQ((*body)["matchers"], (json{{"site", "north"}, {"alertname", "device.offline"}}));
  EXPECT_EQ((*body)["starts_ms"], kNow + 1'800'000);
  EXPECT_EQ((*body)["ends_ms"], kNow + 1'800'000 + 7'200'000);
  EXPECT_EQ((*body)["kind"], "maintenance");
  EXPECT_EQ((*body)["by"], "ana");
}

TEST(SilenceRequestTest, RejectsBadFlagsNamingThem) {
  SilenceOptions o;
  o.match = {"site"};
  o.duration = "1h";
  EXPECT_NE(SilenceRequest(o, kNow).status().message().find("--match: \"site\""),
            std::string::npos);
  o.match = {"site=north"};
  o.duration = "";
  EXPECT_NE(SilenceRequest(o, kNow).status().message().find("--for or --until"), std::string::npos);
  o.duration = "soon";
  EXPECT_NE(SilenceRequest(o, kNow).status().message().find("\"soon\""), std::string::npos);
  o.duration = "1h";
  o.until_ms = kNow + 5;
  EXPECT_NE(SilenceRequest(o, kNow).status().message().find("give one"), std::string::npos);
  o.match.clear();
  o.until_ms = 0;
  EXPECT_FALSE(SilenceRequest(o, kNow).ok());
}

const json kIncident = json::parse(R"json({
  "id": 12, "priority": "P1", "severity": "critical", "state": "open",
  "title": "device.offline on site=north,device=gw-1 (+2 explained)",
  "opened_ms": 1732470000000, "raw_events": 3, "reopened": 0, "merged_into": 0,
  "members": [
    {"name": "device.offline", "labels": {"device": "gw-1"}, "firing": true,
     "severity": "warning", "events": 1, "flapping": false, "inhibited_by": "", "silenced_by": 0},
    {"name": "device.offline", "labels": {"device": "d1", "gateway": "gw-1"}, "firing": false,
     "severity": "warning", "events": 2, "flapping": true,
     "inhibited_by": "device.offline{\"device\":\"gw-1\"}", "silenced_by": 4}],
  "label": {"verdict": "true_positive", "cause": "power cut", "by": "ana"},
  "history": [{"at_ms": 1732470000000, "actor": "keel", "action": "opened", "note": ""}]
})json");

TEST(IncidentPrintTest, TableHasOneLinePerIncident) {
  std::ostringstream out;
  PrintIncidentTable(json::array({kIncident}), out);
  EXPECT_NE(out.str().find("   12 P1  open         2024-11-24T17:40:00.000Z       3 "
                           "device.offline on site=north,device=gw-1 (+2 explained)"),
            std::string::npos)
      << out.str();
}

TEST(IncidentPrintTest, ShowListsMembersLabelAndHistory) {
  std::ostringstream out;
  PrintIncident(kIncident, out);
  const std::string text = out.str();
  EXPECT_NE(text.find("incident 12 [P1 critical]"), std::string::npos) << text;
  EXPECT_NE(text.find("FIRING  warning   device.offline{device=gw-1} x1\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("clear   warning   device.offline{device=d1,gateway=gw-1} x2 flapping "
                      "explained by device.offline{\"device\":\"gw-1\"} silenced by 4"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("label: true_positive power cut (by ana)"), std::string::npos);
  EXPECT_NE(text.find("opened"), std::string::npos);
}

TEST(IncidentPrintTest, SilencesShowWhetherActive) {
  std::ostringstream out;
  PrintSilences(json::parse(R"([{"id": 4, "kind": "maintenance", "starts_ms": 0,
      "ends_ms": 1732470001000, "matchers": {"site": "north"}, "comment": "swap"},
     {"id": 5, "kind": "silence", "starts_ms": 0, "ends_ms": 5, "matchers": {"a": "b"}}])"),
                kNow, out);
  EXPECT_NE(out.str().find("   4 maintenance yes"), std::string::npos) << out.str();
  EXPECT_NE(out.str().find("   5 silence     no "), std::string::npos) << out.str();
}

TEST(IncidentPrintTest, NotificationsOneLineEach) {
  std::ostringstream out;
  PrintNotifications(json::parse(R"([{"id": 7, "at_ms": 1732470000000, "incident": 3,
      "reason": "opened", "priority": "P2", "title": "anomaly on device=pump-01"}])"),
                     out);
  EXPECT_EQ(out.str(),
            "    7 2024-11-24T17:40:00.000Z incident 3 opened [P2] anomaly on device=pump-01\n");
}

}  // namespace
}  // namespace keel::cli
