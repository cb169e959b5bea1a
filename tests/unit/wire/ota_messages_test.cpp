#include "wire/ota_messages.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace keel::wire {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

PollRequest Request() {
  PollRequest r;
  r.installed = {{"model", "pump-ae", "1.2.0"}, {"agent", "keel-edge", "0.1.0"}};
  r.kpis = {120, 3, 1, 850.5};
  r.reports = {{4, 7, "model", "pump-ae", "1.3.0", "installing", "", 1000},
               {5, 7, "model", "pump-ae", "1.3.0", "rolled_back", "golden sample 0 off", 2000}};
  return r;
}

std::string ErrorOf(const json& request) {
  auto r = DecodePollRequest(request.dump());
  EXPECT_FALSE(r.ok()) << request.dump();
  return r.status().message();
}

TEST(OtaMessagesTest, PollRequestRoundTrips) {
  auto back = DecodePollRequest(EncodePollRequest(Request()));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, Request());
}

TEST(OtaMessagesTest, PollReplyRoundTrips) {
  PollReply reply{
      5,
      {{7, "model", "pump-ae", "1.3.0", "install"}, {6, "config", "c", "2.0.0", "revert"}},
      15000};
  auto back = DecodePollReply(EncodePollReply(reply));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, reply);
}

TEST(OtaMessagesTest, PollRequestErrorsNameTheKey) {
  const json good = json::parse(EncodePollRequest(Request()));
  auto with = [&](auto edit) {
    json j = good;
    edit(j);
    return ErrorOf(j);
  };
  EXPECT_THAT(with([](json& j) { j["extra"] = 1; }), HasSubstr("\"extra\": unknown key"));
  EXPECT_THAT(with([](json& j) { j.erase("kpis"); }), HasSubstr("\"kpis\": missing"));
  EXPECT_THAT(with([](json& j) { j["installed"][0]["kind"] = "firmware"; }),
              HasSubstr("installed[0]: \"kind\""));
  EXPECT_THAT(with([](json& j) { j["installed"][1]["kind"] = "model"; }),
              HasSubstr("listed twice"));
  EXPECT_THAT(with([](json& j) { j["installed"][0]["name"] = "../x"; }), HasSubstr("\"name\""));
  EXPECT_THAT(with([](json& j) { j["kpis"]["anomalies"] = 500; }), HasSubstr("cannot exceed"));
  EXPECT_THAT(with([](json& j) { j["kpis"]["latency_p99_us"] = -1; }), HasSubstr("latency_p99_us"));
  EXPECT_THAT(with([](json& j) { j["reports"][1]["seq"] = 4; }), HasSubstr("must increase"));
  EXPECT_THAT(with([](json& j) { j["reports"][0]["state"] = "done"; }),
              HasSubstr("reports[0]: \"state\""));
  EXPECT_THAT(with([](json& j) { j["reports"][0]["deployment"] = 0; }),
              HasSubstr("\"deployment\": must be >= 1"));
  EXPECT_THAT(with([](json& j) { j["reports"][0]["reason"] = std::string(600, 'x'); }),
              HasSubstr("\"reason\""));
  EXPECT_THAT(with([](json& j) {
                for (int i = 0; i < 65; ++i) j["reports"].push_back(j["reports"][0]);
              }),
              HasSubstr("more than 64"));
  EXPECT_THAT(ErrorOf(json::array()), HasSubstr("expected a JSON object"));
}

TEST(OtaMessagesTest, PollReplyErrors) {
  EXPECT_FALSE(DecodePollReply(R"({"acked": 1, "directives": [], "poll_after_ms": 5})").ok());
  auto bad_action = DecodePollReply(
      R"({"acked": 1, "poll_after_ms": 1000, "directives": [{"deployment": 1, "kind": "model",
          "name": "m", "version": "1.0.0", "action": "delete"}]})");
  ASSERT_FALSE(bad_action.ok());
  EXPECT_THAT(bad_action.status().message(), HasSubstr("directives[0]: \"action\""));
  EXPECT_FALSE(DecodePollReply("not json").ok());
}

TEST(OtaMessagesTest, FinalStates) {
  EXPECT_FALSE(IsFinalOtaState("installing"));
  for (auto s : {"committed", "rolled_back", "failed", "reverted"}) EXPECT_TRUE(IsFinalOtaState(s));
}

}  // namespace
}  // namespace keel::wire
