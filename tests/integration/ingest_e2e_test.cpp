// End-to-end: hostile payloads through the real broker are rejected, counted
// by reason, and the hub keeps serving.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "integration/hub_process.h"

namespace keel {
namespace {

TEST(IngestE2eTest, MalformedPayloadsAreRejectedByReasonAndHubKeepsServing) {
  TempDir tmp;
  HubProcess hub(tmp.path());
  hub.Start();
  const auto dev = hub.EnrollDevice("dev1");
  const std::string topic = "keel/v1/dev1/telemetry";

  std::string deep(5000, '[');
  std::string huge = R"({"seq": 9, "series": {"x": [)";
  // Over the hub's 1 MiB payload limit, under the broker's 2 MiB packet limit.
  for (int i = 0; i < 80000; ++i) huge += "[1732470000000,1],";
  huge += "[1732470000000,1]]}}";

  struct Case {
    std::string payload;
    std::string reason;
  };
  const std::vector<Case> cases = {
      {R"({"seq": 1, "series": {"t": [[1732470000000, 1)", "malformed"},  // truncated
      {R"({"seq": "one", "series": {"t": [[1732470000000, 1]]}})", "bad_seq"},
      {R"({"seq": 2, "series": {"t": [["noon", 1]]}})", "wrong_type"},
      {R"({"seq": 3, "series": {"t": [[1732470000000, "warm"]]}})", "wrong_type"},
      {R"({"seq": 4, "series": {"t": [[1732470000000, NaN]]}})", "malformed"},
      {R"({"seq": 5, "series": {"t": [[17, 1]]}})", "bad_timestamp"},
      {deep, "too_deep"},
      {huge, "too_large"},
      {"\xff\xfe garbage", "malformed"},
  };
  std::map<std::string, int> expected;
  for (size_t i = 0; i < cases.size(); ++i) {
    ASSERT_EQ(hub.Publish(dev, topic, cases[i].payload, "dev1-" + std::to_string(i)), 0);
    ++expected[cases[i].reason];
  }
  for (const auto& [reason, count] : expected) {
    const std::string series = "keel_ingest_rejected_total{reason=\"" + reason + "\"}";
    EXPECT_TRUE(Eventually([&] { return hub.Metric(series) >= count; }, std::chrono::seconds(10)))
        << series << " = " << hub.Metric(series);
  }
  // Still serving and still ingesting.
  ASSERT_EQ(hub.Publish(dev, topic, R"({"seq": 100, "series": {"ok": [[1732470000000, 1.5]]}})",
                        "dev1-ok"),
            0);
  EXPECT_TRUE(Eventually(
      [&] {
        auto [rc, out] = hub.Keelctl({"--json", "series", "get", "dev1", "ok"});
        return rc == 0 && nlohmann::json::parse(out)["points"].size() == 1;
      },
      std::chrono::seconds(10)));
  // Series names may contain '/' (e.g. a line/station hierarchy) and read back.
  ASSERT_EQ(
      hub.Publish(dev, topic, R"({"seq": 101, "series": {"line/1/temp": [[1732470000000, 7.5]]}})",
                  "dev1-slash"),
      0);
  EXPECT_TRUE(Eventually(
      [&] {
        auto [rc, out] = hub.Keelctl({"--json", "series", "get", "dev1", "line/1/temp"});
        return rc == 0 && nlohmann::json::parse(out)["points"].size() == 1;
      },
      std::chrono::seconds(10)));
  auto [rc, health] = hub.Keelctl({"health"});
  EXPECT_EQ(rc, 0);
  EXPECT_EQ(health, "ok\n");
}

}  // namespace
}  // namespace keel
