#include "edge/reduction/reduction_stats.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace keel::edge::reduction {
namespace {

TEST(ReductionStatsTest, RatioIsRawBytesOverSentBytes) {
  ReductionStats stats;
  EXPECT_EQ(stats.ratio(), 0.0) << "nothing sent yet";
  EXPECT_EQ(stats.sample_ratio(), 0.0);
  stats.AddRaw(1000);
  stats.AddSent(50, 400);
  EXPECT_EQ(stats.raw_samples(), 1000u);
  EXPECT_EQ(stats.raw_bytes(), 16'000u);
  EXPECT_EQ(stats.sent_samples(), 50u);
  EXPECT_EQ(stats.sent_bytes(), 400u);
  EXPECT_DOUBLE_EQ(stats.ratio(), 40.0);
  EXPECT_DOUBLE_EQ(stats.sample_ratio(), 20.0);
}

TEST(ReductionStatsTest, ConcurrentUpdatesAndReadsLoseNothing) {
  ReductionStats stats;
  std::vector<std::thread> writers;
  for (int w = 0; w < 4; ++w) {
    writers.emplace_back([&stats] {
      for (int i = 0; i < 10'000; ++i) {
        stats.AddRaw(10);
        stats.AddSent(1, 3);
      }
    });
  }
  std::thread reader([&stats] {
    for (int i = 0; i < 10'000; ++i) {
      const double r = stats.ratio();
      ASSERT_GE(r, 0.0);
    }
  });
  for (auto& t : writers) t.join();
  reader.join();
  EXPECT_EQ(stats.raw_samples(), 400'000u);
  EXPECT_EQ(stats.sent_samples(), 40'000u);
  EXPECT_EQ(stats.sent_bytes(), 120'000u);
}

}  // namespace
}  // namespace keel::edge::reduction
