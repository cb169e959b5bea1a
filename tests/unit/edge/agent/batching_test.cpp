#include "edge/agent/batching.h"

#include <gtest/gtest.h>

namespace keel::edge {
namespace {

wire::Series Points(const std::string& name, int n) {
  wire::Series s{name, {}};
  for (int i = 0; i < n; ++i) s.points.push_back({1'764'000'000'000 + i, static_cast<double>(i)});
  return s;
}

TEST(BatchingTest, SplitsAtMaxSamplesKeepingOrderAndPutsEventsFirst) {
  analytics::AnalyticsOutput out;
  out.series = {Points("a", 5), Points("b", 4)};
  out.events = {{"anomaly.raised", 1'764'000'000'000, nlohmann::json::object()}};
  auto batches = SplitIntoBatches(out, 4);
  ASSERT_EQ(batches.size(), 3u);
  EXPECT_EQ(batches[0].events.size(), 1u);
  EXPECT_TRUE(batches[1].events.empty());
  EXPECT_EQ(batches[0].SampleCount(), 4u);
  EXPECT_EQ(batches[1].SampleCount(), 4u);
  EXPECT_EQ(batches[2].SampleCount(), 1u);
  EXPECT_EQ(batches[1].series[0].name, "a");  // a's 5th point
  EXPECT_EQ(batches[1].series[0].points[0].value, 4.0);
  EXPECT_EQ(batches[2].series[0].points[0].value, 3.0);  // b's last point
}

TEST(BatchingTest, EventsAloneMakeABatchAndNothingMakesNone) {
  analytics::AnalyticsOutput events_only;
  events_only.events = {{"rule.raised", 1'764'000'000'000, nlohmann::json::object()}};
  auto batches = SplitIntoBatches(events_only, 100);
  ASSERT_EQ(batches.size(), 1u);
  EXPECT_TRUE(batches[0].series.empty());
  EXPECT_TRUE(SplitIntoBatches({}, 100).empty());
}

}  // namespace
}  // namespace keel::edge
