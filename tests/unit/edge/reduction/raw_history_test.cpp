#include "edge/reduction/raw_history.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "unit/edge/reduction/signals.h"

namespace keel::edge::reduction {
namespace {

using testing::kT0;

// `n` points 1 ms apart from `from_ms`, value = offset from kT0.
wire::Series Ramp(const std::string& name, int64_t from_ms, int n) {
  wire::Series s{name, {}};
  for (int i = 0; i < n; ++i) {
    s.points.push_back({from_ms + i, static_cast<double>(from_ms + i - kT0)});
  }
  return s;
}

RawHistory Make(int64_t keep_ms, size_t max_points, size_t max_channels = 8) {
  auto h = RawHistory::Create({keep_ms, max_points, max_channels});
  EXPECT_TRUE(h.ok()) << h.status().ToString();
  return std::move(h).value();
}

TEST(RawHistoryTest, CapturesAnInclusiveRangeOfNamedChannels) {
  RawHistory h = Make(10'000, 100'000);
  ASSERT_TRUE(h.Add(Ramp("vib", kT0, 1000)).ok());
  ASSERT_TRUE(h.Add({"temp", {{kT0, 40.0}, {kT0 + 500, 40.5}}}).ok());

  const auto snippet = h.Capture(kT0 + 100, kT0 + 199, {"vib"});
  ASSERT_EQ(snippet.size(), 1u);
  EXPECT_EQ(snippet[0].name, "vib");
  ASSERT_EQ(snippet[0].points.size(), 100u);
  EXPECT_EQ(snippet[0].points.front().t_ms, kT0 + 100);
  EXPECT_EQ(snippet[0].points.back().t_ms, kT0 + 199);

  const auto all = h.Capture(kT0 + 400, kT0 + 500, {});
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].name, "temp");
  EXPECT_EQ(all[0].points, (std::vector<wire::Point>{{kT0 + 500, 40.5}}));
  EXPECT_EQ(all[1].points.size(), 101u);

  EXPECT_TRUE(h.Capture(kT0 + 5000, kT0 + 6000, {}).empty());
  EXPECT_TRUE(h.Capture(kT0 + 100, kT0 + 200, {"nope"}).empty());
  EXPECT_TRUE(h.Capture(kT0 + 200, kT0 + 100, {"vib"}).empty());
  EXPECT_EQ(h.Capture(kT0, kT0 + 9, {"vib", "vib"}).size(), 1u);
}

TEST(RawHistoryTest, KeepsOnlyKeepMsBehindTheNewestPointOfTheChannel) {
  RawHistory h = Make(1000, 100'000);
  for (int batch = 0; batch < 5; ++batch)
    ASSERT_TRUE(h.Add(Ramp("vib", kT0 + batch * 1000, 1000)).ok());
  const auto all = h.Capture(kT0, kT0 + 10'000, {"vib"});
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].points.front().t_ms, kT0 + 4999 - 1000);
  EXPECT_EQ(all[0].points.back().t_ms, kT0 + 4999);
  EXPECT_EQ(h.point_count(), 1001u);
}

TEST(RawHistoryTest, BoundsPointsPerChannel) {
  RawHistory h = Make(1'000'000, 300);
  ASSERT_TRUE(h.Add(Ramp("vib", kT0, 1000)).ok());
  EXPECT_EQ(h.point_count(), 300u);
  EXPECT_EQ(h.Capture(kT0, kT0 + 1000, {"vib"})[0].points.front().t_ms, kT0 + 700);
}

TEST(RawHistoryTest, TrimEvictsSilentChannelsAndForgetsEmptyOnes) {
  RawHistory h = Make(1000, 100'000);
  ASSERT_TRUE(h.Add(Ramp("vib", kT0, 10)).ok());
  ASSERT_TRUE(h.Add(Ramp("cur", kT0 + 5000, 10)).ok());
  h.Trim(kT0 + 5500);
  EXPECT_EQ(h.Channels(), (std::vector<std::string>{"cur"}));
  h.Trim(kT0 + 6008);
  EXPECT_EQ(h.point_count(), 2u) << "points at now - keep_ms are kept";
}

TEST(RawHistoryTest, SkipsOutOfOrderAndNonFinitePointsButKeepsTheRest) {
  RawHistory h = Make(10'000, 100'000);
  ASSERT_TRUE(h.Add({"vib", {{kT0, 1}, {kT0 + 1, 2}}}).ok());
  const Status s =
      h.Add({"vib", {{kT0 + 1, 9}, {kT0 + 2, 3}, {kT0 + 3, NAN}, {kT0 + 2, 9}, {kT0 + 4, 4}}});
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(),
            "raw history: series \"vib\": skipped 3 of 5 points (first: point 0: t_ms=" +
                std::to_string(kT0 + 1) + " is not after t_ms=" + std::to_string(kT0 + 1) + ")");
  EXPECT_EQ(h.skipped_points(), 3);
  EXPECT_EQ(h.Capture(kT0, kT0 + 10, {"vib"})[0].points,
            (std::vector<wire::Point>{{kT0, 1}, {kT0 + 1, 2}, {kT0 + 2, 3}, {kT0 + 4, 4}}));
}

TEST(RawHistoryTest, RefusesANewChannelBeyondMaxChannels) {
  RawHistory h = Make(10'000, 100, 2);
  ASSERT_TRUE(h.Add(Ramp("a", kT0, 3)).ok());
  ASSERT_TRUE(h.Add(Ramp("b", kT0, 3)).ok());
  const Status s = h.Add(Ramp("c", kT0, 3));
  EXPECT_EQ(s.code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(h.Channels(), (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(h.Add(Ramp("a", kT0 + 3, 3)).ok()) << "known channels still accepted";
}

TEST(RawHistoryTest, CaptureOfRangesGivesEachPointOnce) {
  RawHistory h = Make(10'000, 100'000);
  ASSERT_TRUE(h.Add(Ramp("vib", kT0, 100)).ok());
  ASSERT_TRUE(h.Add(Ramp("cur", kT0, 100)).ok());
  const auto out = h.Capture(std::vector<ChannelRange>{{"vib", kT0 + 50, kT0 + 59},
                                                       {"cur", kT0, kT0 + 1},
                                                       {"vib", kT0 + 10, kT0 + 19},
                                                       {"vib", kT0 + 15, kT0 + 24},
                                                       {"ghost", kT0, kT0 + 99}});
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].name, "vib");
  ASSERT_EQ(out[0].points.size(), 25u);
  EXPECT_EQ(out[0].points[0].t_ms, kT0 + 10);
  EXPECT_EQ(out[0].points[14].t_ms, kT0 + 24);
  EXPECT_EQ(out[0].points[15].t_ms, kT0 + 50);
  EXPECT_EQ(out[1].name, "cur");
  EXPECT_EQ(out[1].points.size(), 2u);
}

TEST(RawHistoryTest, RejectsInvalidConfig) {
  EXPECT_FALSE(RawHistory::Create({0, 10, 1}).ok());
  EXPECT_FALSE(RawHistory::Create({10, 0, 1}).ok());
  EXPECT_FALSE(RawHistory::Create({10, 10, 0}).ok());
}

}  // namespace
}  // namespace keel::edge::reduction
