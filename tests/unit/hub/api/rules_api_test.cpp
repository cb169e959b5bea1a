// GET|PUT /api/v1/rules and `keelctl rules`, over HTTPS with a real
// RuleService (docs/hub-rules.md).
#include <gtest/gtest.h>

#include <fstream>
#include <vector>

#include "common/files.h"
#include "https_api_fixture.h"
#include "hub/rules/rule_service.h"

namespace keel::hub {
namespace {

using nlohmann::json;

constexpr const char* kRules = R"({"rules": [
  {"name": "hot", "when": "value('temp') > 80", "clear": "value('temp') < 75",
   "severity": "critical"}]})";

class RulesApiTest : public HttpsApiTest {
 protected:
  void Open(rules::RuleServiceOptions options) {
    auto service = rules::RuleService::Open(
        std::move(options), nullptr, [this](bus::Event e) { published_.push_back(std::move(e)); },
        clock_, metrics_);
    ASSERT_TRUE(service.ok()) << service.status().ToString();
    rules_ = std::move(service).value();
    StartServer([this](ApiOptions&, ApiDependencies& deps) { deps.rules = rules_.get(); });
  }
  rules::RuleServiceOptions ApiManaged() const { return {{}, dir_.path() / "rules.json"}; }

  bus::Event Temperature(double value, int64_t t_ms) {
    bus::Event e{bus::EventKind::kTelemetry, "pump-1", 1, t_ms, "telemetry.batch"};
    e.data = {{"series", {"temp"}}, {"points", {{"temp", {{t_ms, value}}}}}};
    return e;
  }

  std::vector<bus::Event> published_;
  std::unique_ptr<rules::RuleService> rules_;
};

TEST_F(RulesApiTest, PutReplacesKeepsAndEvaluatesTheRules) {
  Open(ApiManaged());
  Reply empty = Call("GET", "/api/v1/rules");
  ASSERT_EQ(empty.status, 200);
  EXPECT_EQ(empty.body["managed_by"], "api");
  EXPECT_EQ(empty.body["rules"], json::array());
  EXPECT_FALSE(rules_->Watches("temp"));
  EXPECT_FALSE(rules_->active());

  Reply put = Call("PUT", "/api/v1/rules", kRules);
  ASSERT_EQ(put.status, 200) << put.body.dump();
  EXPECT_EQ(put.body["rules"][0]["name"], "hot");
  EXPECT_TRUE(rules_->Watches("temp"));
  EXPECT_TRUE(rules_->active());

  rules_->OnEvent(Temperature(85, 1000));
  ASSERT_EQ(published_.size(), 1u);
  EXPECT_EQ(published_[0].type, "rule.raised");
  Reply got = Call("GET", "/api/v1/rules");
  ASSERT_EQ(got.body["states"].size(), 1u);
  EXPECT_EQ(got.body["states"][0]["device"], "pump-1");
  EXPECT_EQ(got.body["states"][0]["raised"], true);

  // Kept: a new service (a hub restart) has them.
  rules_.reset();
  Open(ApiManaged());
  EXPECT_TRUE(rules_->Watches("temp"));
  EXPECT_EQ(Call("GET", "/api/v1/rules").body["rules"][0]["name"], "hot");
}

TEST_F(RulesApiTest, AnInvalidDocumentIsRejectedAndChangesNothing) {
  Open(ApiManaged());
  ASSERT_EQ(Call("PUT", "/api/v1/rules", kRules).status, 200);
  Reply bad =
      Call("PUT", "/api/v1/rules", R"({"rules": [{"name": "hot", "when": "avg('temp') > 80"}]})");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(ErrorMessage(bad),
            "request body: rules[0].when: column 1: avg() takes 2 arguments: avg(\"<series>\", "
            "<window like 5m>)");
  EXPECT_EQ(Call("GET", "/api/v1/rules").body["rules"][0]["clear"], "value('temp') < 75");
  auto kept = ReadFile(dir_.path() / "rules.json");
  ASSERT_TRUE(kept.ok());
  EXPECT_EQ(json::parse(*kept)["rules"][0]["name"], "hot");
  EXPECT_EQ(Call("PUT", "/api/v1/rules", "not json").status, 400);
  EXPECT_EQ(Call("GET", "/api/v1/rules", "", {}, /*authorized=*/false).status, 401);
}

TEST_F(RulesApiTest, FileManagedRulesAreReadOnly) {
  const auto file = dir_.path() / "plant-rules.json";
  std::ofstream(file) << kRules;
  Open({file, dir_.path() / "rules.json"});
  Reply got = Call("GET", "/api/v1/rules");
  EXPECT_EQ(got.body["managed_by"], "file");
  EXPECT_EQ(got.body["path"], file.string());
  Reply put = Call("PUT", "/api/v1/rules", R"({"rules": []})");
  EXPECT_EQ(put.status, 409);
  EXPECT_NE(ErrorMessage(put).find("managed by the file"), std::string::npos) << ErrorMessage(put);
  EXPECT_TRUE(rules_->Watches("temp"));
}

TEST_F(RulesApiTest, AFileThatDoesNotParseStopsTheStart) {
  const auto file = dir_.path() / "plant-rules.json";
  std::ofstream(file) << R"({"rules": [{"name": "x", "when": "value('t') >> 1"}]})";
  auto service = rules::RuleService::Open({file, {}}, nullptr, nullptr, clock_, metrics_);
  ASSERT_FALSE(service.ok());
  EXPECT_EQ(service.status().message(),
            file.string() + ": rules[0].when: column 13: expected a value, found \">\"");
}

TEST_F(RulesApiTest, KeelctlSetsAndShowsTheRules) {
  Open(ApiManaged());
  const auto file = dir_.path() / "mine.json";
  std::ofstream(file) << kRules;
  auto [rc, out] = Keelctl({"rules", "set", file.string()});
  ASSERT_EQ(rc, 0) << out;
  EXPECT_EQ(out, "1 rule(s) in force\n");
  std::tie(rc, out) = Keelctl({"rules", "get"});
  ASSERT_EQ(rc, 0) << out;
  EXPECT_EQ(json::parse(out)["rules"][0]["name"], "hot");
  rules_->OnEvent(Temperature(90, 1'700'000'000'000));
  std::tie(rc, out) = Keelctl({"rules", "status"});
  ASSERT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("hot"), std::string::npos) << out;
  EXPECT_NE(out.find("pump-1"), std::string::npos) << out;
  EXPECT_NE(out.find("raised"), std::string::npos) << out;
  std::ofstream(file) << R"({"rules": [{"name": "x", "on": "absence"}]})";
  std::tie(rc, out) = Keelctl({"rules", "set", file.string()});
  EXPECT_NE(rc, 0);
  EXPECT_NE(out.find("rules[0].timeout: required for an absence rule"), std::string::npos) << out;
}

}  // namespace
}  // namespace keel::hub
