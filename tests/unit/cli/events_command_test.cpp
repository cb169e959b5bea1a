// keelctl events: request building, the table, and the whole command
// against a stand-in hub (an HTTPS server answering GET /api/v1/events).
#include <gtest/gtest.h>
#include <httplib.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include "cli/event_table.h"
#include "cli/keelctl.h"
#include "test_util/net.h"
#include "test_util/temp_dir.h"
#include "test_util/test_pki.h"

namespace keel::cli {
namespace {

using nlohmann::json;

TEST(ParseDurationTest, UnitsAndErrors) {
  EXPECT_EQ(*ParsePositiveDuration("45s"), 45'000);
  EXPECT_EQ(*ParsePositiveDuration("10m"), 600'000);
  EXPECT_EQ(*ParsePositiveDuration("2h"), 7'200'000);
  EXPECT_EQ(*ParsePositiveDuration("7d"), 604'800'000);
  EXPECT_EQ(*ParsePositiveDuration("250ms"), 250);
  for (const char* bad :
       {"", "10", "m", "0m", "-5m", "10x", "1.5h", "10 m", "99999999999999999d"}) {
    auto r = ParsePositiveDuration(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(r.status().message().find(std::string("\"") + bad + "\""), std::string::npos)
        << r.status().message();
  }
}

TEST(EventsPathTest, BuildsTheQuery) {
  EXPECT_EQ(*EventsPath({}, 1000), "/api/v1/events");
  EventsRequest r{"pump-7", "anomaly.", "10m", 5};
  EXPECT_EQ(*EventsPath(r, 1'732'470'000'000),
            "/api/v1/events?device=pump-7&type=anomaly.&from=1732469400000&limit=5");
  r = {"", "a b&c", "", 0};
  EXPECT_EQ(*EventsPath(r, 0), "/api/v1/events?type=a%20b%26c");
  r.since = "soon";
  EXPECT_NE(EventsPath(r, 0).status().message().find("--since: duration \"soon\""),
            std::string::npos);
  r = {};
  r.limit = -1;
  EXPECT_FALSE(EventsPath(r, 0).ok());
}

TEST(EventTableTest, SummaryPutsKeyFieldsFirst) {
  EXPECT_EQ(SummarizeEventData(json{{"a", 1},
                                    {"signals", {"vib_rms", "temp"}},
                                    {"score", 7.254321},
                                    {"mode", "running"},
                                    {"ctx", {{"x", 1}}}}),
            "mode=running score=7.254 signals=vib_rms,temp a=1 ctx={..}");
  EXPECT_EQ(SummarizeEventData(json::object()), "-");
  EXPECT_EQ(SummarizeEventData(json{{"note", "two\nlines"}}), "note=two lines");
  const std::string long_summary = SummarizeEventData(json{{"text", std::string(200, 'x')}}, 20);
  EXPECT_EQ(long_summary, "text=xxxxxxxxxxxx...");
}

TEST(EventTableTest, PrintsOneLinePerEvent) {
  const json events = json::parse(R"([
    {"device": "pump-7", "seq": 3, "type": "anomaly.detected", "t": 1732470000500,
     "data": {"mode": "running", "score": 7.5}},
    {"device": "pump-8", "seq": 1, "type": "sensor.fault", "t": 1732470000000, "data": {}},
    {"device": 5}
  ])");
  std::ostringstream out;
  PrintEventTable(events, out);
  const std::string text = out.str();
  EXPECT_NE(text.find("TIME (UTC)"), std::string::npos);
  EXPECT_NE(text.find("2024-11-24T17:40:00.500Z pump-7"), std::string::npos) << text;
  EXPECT_NE(text.find("anomaly.detected             mode=running score=7.5\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("sensor.fault                 -\n"), std::string::npos) << text;
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 4);
}

// A stand-in hub on loopback that answers GET /api/v1/events.
class EventsCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pki_ = std::make_unique<TestPki>(dir_.path() / "tls");
    pki_->Issue("server", "localhost", /*server=*/true);
    std::ofstream(dir_.path() / "token") << "tok\n";
    server_ = std::make_unique<httplib::SSLServer>(pki_->cert("server").c_str(),
                                                   pki_->key("server").c_str());
    server_->Get("/api/v1/events", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard lock(mu_);
      seen_path_ = req.path;
      seen_params_ = req.params;
      seen_auth_ = req.get_header_value("Authorization");
      if (req.get_param_value("type") == "Bad") {
        res.status = 400;
        res.set_content(
            R"({"error": {"code": "InvalidArgument", "message": "query parameter type=\"Bad\": must be at most 64 bytes of [a-z0-9_.]"}})",
            "application/json");
        return;
      }
      res.set_content(R"({"events": [{"device": "pump-7", "seq": 3, "type": "anomaly.detected",)"
                      R"( "t": 1732470000500, "data": {"score": 7.5, "mode": "running"}}]})",
                      "application/json");
    });
    port_ = server_->bind_to_any_port("127.0.0.1");
    ASSERT_GT(port_, 0);
    thread_ = std::thread([this] { server_->listen_after_bind(); });
    ASSERT_TRUE(WaitForListener(port_, std::chrono::seconds(5)));
  }

  void TearDown() override {
    server_->stop();
    thread_.join();
  }

  int Run(std::vector<std::string> args) {
    std::vector<std::string> argv = {"keelctl",
                                     "--hub",
                                     "https://127.0.0.1:" + std::to_string(port_),
                                     "--cacert",
                                     pki_->ca_cert().string(),
                                     "--token-file",
                                     (dir_.path() / "token").string()};
    argv.insert(argv.end(), args.begin(), args.end());
    std::vector<const char*> ptrs;
    for (const auto& a : argv) ptrs.push_back(a.c_str());
    out_.str("");
    err_.str("");
    return RunKeelctl(static_cast<int>(ptrs.size()), ptrs.data(), out_, err_);
  }

  TempDir dir_;
  std::unique_ptr<TestPki> pki_;
  std::unique_ptr<httplib::SSLServer> server_;
  std::thread thread_;
  int port_ = 0;
  std::mutex mu_;
  std::string seen_path_, seen_auth_;
  httplib::Params seen_params_;
  std::ostringstream out_, err_;
};

TEST_F(EventsCommandTest, PrintsATableAndSendsTheFilters) {
  ASSERT_EQ(
      Run({"events", "--device", "pump-7", "--type", "anomaly.", "--since", "2h", "--limit", "5"}),
      0)
      << err_.str();
  EXPECT_NE(out_.str().find("2024-11-24T17:40:00.500Z pump-7"), std::string::npos) << out_.str();
  EXPECT_NE(out_.str().find("mode=running score=7.5"), std::string::npos) << out_.str();
  std::lock_guard lock(mu_);
  EXPECT_EQ(seen_auth_, "Bearer tok");
  EXPECT_EQ(seen_params_.find("device")->second, "pump-7");
  EXPECT_EQ(seen_params_.find("type")->second, "anomaly.");
  EXPECT_EQ(seen_params_.find("limit")->second, "5");
  ASSERT_NE(seen_params_.find("from"), seen_params_.end());
  EXPECT_GT(std::stoll(seen_params_.find("from")->second), 1'700'000'000'000);
}

TEST_F(EventsCommandTest, JsonPrintsTheApiReply) {
  ASSERT_EQ(Run({"--json", "events"}), 0) << err_.str();
  const json reply = json::parse(out_.str());
  EXPECT_EQ(reply["events"][0]["type"], "anomaly.detected");
  std::lock_guard lock(mu_);
  EXPECT_TRUE(seen_params_.empty());
}

TEST_F(EventsCommandTest, ErrorsAndUsage) {
  EXPECT_EQ(Run({"events", "--limit", "0"}), 0);  // 0 means the hub default: not sent
  EXPECT_EQ(Run({"events", "--since", "yesterday"}), 1);
  EXPECT_NE(err_.str().find("--since: duration \"yesterday\""), std::string::npos) << err_.str();
  EXPECT_EQ(Run({"events", "--limit", "many"}), 2);
  EXPECT_EQ(Run({"events", "--type", "Bad"}), 1);
  EXPECT_NE(err_.str().find("query parameter type=\"Bad\""), std::string::npos) << err_.str();
  EXPECT_EQ(Run({"--json", "events", "--type", "Bad"}), 1);
  EXPECT_EQ(json::parse(out_.str())["error"]["code"], "InvalidArgument");
}

}  // namespace
}  // namespace keel::cli
