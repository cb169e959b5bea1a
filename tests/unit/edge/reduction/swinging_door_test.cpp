#include "edge/reduction/swinging_door.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "unit/edge/reduction/signals.h"

namespace keel::edge::reduction {
namespace {

using testing::kT0;

std::vector<wire::Point> Compress(const SwingingDoorConfig& config,
                                  const std::vector<wire::Point>& in) {
  auto sdt = SwingingDoorCompressor::Create(config);
  EXPECT_TRUE(sdt.ok()) << sdt.status().ToString();
  std::vector<wire::Point> out;
  for (const auto& p : in) EXPECT_TRUE(sdt->Add(p, &out).ok());
  sdt->Flush(&out);
  return out;
}

// Largest |interpolated - original| over `in`; every input point must lie
// within the archived span.
double MaxInterpolationError(const std::vector<wire::Point>& in,
                             const std::vector<wire::Point>& archived) {
  double worst = 0;
  size_t seg = 0;
  for (const auto& p : in) {
    while (seg + 1 < archived.size() && archived[seg + 1].t_ms < p.t_ms) ++seg;
    if (p.t_ms < archived.front().t_ms || p.t_ms > archived.back().t_ms) return INFINITY;
    double estimate = archived[seg].value;
    if (seg + 1 < archived.size()) {
      const auto& a = archived[seg];
      const auto& b = archived[seg + 1];
      estimate = a.value + (b.value - a.value) * static_cast<double>(p.t_ms - a.t_ms) /
                               static_cast<double>(b.t_ms - a.t_ms);
    }
    worst = std::max(worst, std::abs(estimate - p.value));
  }
  return worst;
}

void ExpectSubsetInOrder(const std::vector<wire::Point>& in,
                         const std::vector<wire::Point>& archived) {
  size_t j = 0;
  for (const auto& a : archived) {
    while (j < in.size() && !(in[j] == a)) ++j;
    ASSERT_LT(j, in.size()) << "archived point t_ms=" << a.t_ms << " is not an input point";
    ++j;
  }
}

struct Case {
  std::string name;
  std::vector<wire::Point> points;
  double deviation;
};

std::vector<Case> PropertyCases() {
  std::vector<Case> cases;
  for (uint32_t seed = 1; seed <= 5; ++seed) {
    cases.push_back(
        {"random_walk_" + std::to_string(seed), testing::RandomWalk(3000, 100, 0.3, seed), 0.5});
    cases.push_back(
        {"noisy_" + std::to_string(seed), testing::Noisy(3000, 50, 1.0, seed + 100), 0.8});
  }
  cases.push_back({"sine", testing::Sine(5000, 1, 2.0, 250.0), 0.05});
  cases.push_back({"steps", testing::Steps(2000, 10, 37, -3.0, 5.0), 0.1});
  cases.push_back({"constant", testing::Steps(1000, 1000, 1000000, 7.0, 7.0), 0.01});
  cases.push_back({"temperature", testing::Temperature(7200, 0.02, 9), 0.1});
  cases.push_back({"zero_deviation_walk", testing::RandomWalk(500, 1, 1.0, 77), 0.0});
  return cases;
}

TEST(SwingingDoorTest, InterpolationStaysWithinDeviation) {
  for (const auto& c : PropertyCases()) {
    SCOPED_TRACE(c.name);
    for (int64_t max_interval : {int64_t{0}, int64_t{5000}}) {
      const auto out = Compress({c.deviation, max_interval, 0}, c.points);
      ASSERT_GE(out.size(), 1u);
      EXPECT_EQ(out.front(), c.points.front());
      EXPECT_EQ(out.back(), c.points.back());
      ExpectSubsetInOrder(c.points, out);
      EXPECT_LE(MaxInterpolationError(c.points, out), c.deviation + 1e-9);
    }
  }
}

// The counterexample to classic SDT: the corridor is still open at p2, but
// the line from A to p2 passes 1.3 away from p1. The bound needs p1 archived.
TEST(SwingingDoorTest, ArchivesWhenLineToCandidateLeavesCorridor) {
  const std::vector<wire::Point> in{{kT0, 0}, {kT0 + 1, 1.9}, {kT0 + 2, 1.2}};
  const auto out = Compress({1.0, 0, 0}, in);
  EXPECT_EQ(out, in);
}

TEST(SwingingDoorTest, StraightLineKeepsOnlyEnds) {
  std::vector<wire::Point> in;
  for (int i = 0; i < 100; ++i) in.push_back({kT0 + i * 10, 3.0 + 0.5 * i});
  const auto out = Compress({0.01, 0, 0}, in);
  EXPECT_EQ(out, (std::vector<wire::Point>{in.front(), in.back()}));
}

TEST(SwingingDoorTest, StepKeepsBothEdges) {
  std::vector<wire::Point> in;
  for (int i = 0; i < 10; ++i) in.push_back({kT0 + i * 1000, 1.0});
  for (int i = 10; i < 20; ++i) in.push_back({kT0 + i * 1000, 9.0});
  const auto out = Compress({0.1, 0, 0}, in);
  EXPECT_EQ(out, (std::vector<wire::Point>{in[0], in[9], in[10], in[19]}));
}

TEST(SwingingDoorTest, FirstPointIsArchivedAtOnceAndPendingWaitsForFlush) {
  auto sdt = SwingingDoorCompressor::Create({0.5, 0, 0});
  ASSERT_TRUE(sdt.ok());
  std::vector<wire::Point> out;
  ASSERT_TRUE(sdt->Add({kT0, 1.0}, &out).ok());
  EXPECT_EQ(out.size(), 1u);
  ASSERT_TRUE(sdt->Add({kT0 + 1000, 1.1}, &out).ok());
  EXPECT_EQ(out.size(), 1u);
  sdt->Flush(&out);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[1], (wire::Point{kT0 + 1000, 1.1}));
  sdt->Flush(&out);
  EXPECT_EQ(out.size(), 2u) << "a second Flush has nothing pending";
}

TEST(SwingingDoorTest, RejectsEqualAndEarlierTimestampsAndNonFiniteValues) {
  auto sdt = SwingingDoorCompressor::Create({0.5, 0, 0});
  ASSERT_TRUE(sdt.ok());
  std::vector<wire::Point> out;
  ASSERT_TRUE(sdt->Add({kT0 + 1000, 1.0}, &out).ok());
  ASSERT_TRUE(sdt->Add({kT0 + 2000, 1.0}, &out).ok());

  const Status equal = sdt->Add({kT0 + 2000, 50.0}, &out);
  EXPECT_EQ(equal.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(equal.message(),
            "swinging door: point t_ms=" + std::to_string(kT0 + 2000) +
                " is not after the previous point t_ms=" + std::to_string(kT0 + 2000));
  EXPECT_FALSE(sdt->Add({kT0 + 1500, 50.0}, &out).ok());
  EXPECT_FALSE(sdt->Add({kT0 + 2500, NAN}, &out).ok());
  EXPECT_FALSE(sdt->Add({kT0 + 2500, INFINITY}, &out).ok());
  EXPECT_EQ(sdt->rejected_points(), 4);
  EXPECT_EQ(sdt->accepted_points(), 2);

  ASSERT_TRUE(sdt->Add({kT0 + 3000, 1.0}, &out).ok());
  sdt->Flush(&out);
  EXPECT_EQ(out, (std::vector<wire::Point>{{kT0 + 1000, 1.0}, {kT0 + 3000, 1.0}}))
      << "rejected points leave no trace";
}

// Property over shuffled-in bad points: the accepted ones still obey E.
TEST(SwingingDoorTest, BoundHoldsForAcceptedPointsWhenBadOnesAreMixedIn) {
  auto in = testing::RandomWalk(2000, 10, 0.5, 5);
  std::vector<wire::Point> mixed;
  for (size_t i = 0; i < in.size(); ++i) {
    mixed.push_back(in[i]);
    if (i % 7 == 3) mixed.push_back({in[i].t_ms, in[i].value + 100});
    if (i % 11 == 5) mixed.push_back({in[i].t_ms - 5, in[i].value - 100});
  }
  auto sdt = SwingingDoorCompressor::Create({0.4, 0, 0});
  ASSERT_TRUE(sdt.ok());
  std::vector<wire::Point> out;
  int failures = 0;
  for (const auto& p : mixed) failures += sdt->Add(p, &out).ok() ? 0 : 1;
  sdt->Flush(&out);
  EXPECT_EQ(failures, static_cast<int>(mixed.size() - in.size()));
  EXPECT_LE(MaxInterpolationError(in, out), 0.4 + 1e-9);
}

TEST(SwingingDoorTest, HeartbeatBoundsTheGapBetweenArchivedPoints) {
  const auto in = testing::Steps(600, 1000, 1000000, 2.0, 2.0);
  const auto out = Compress({0.1, 60'000, 0}, in);
  ASSERT_GE(out.size(), 10u);
  for (size_t i = 1; i < out.size(); ++i) {
    EXPECT_LE(out[i].t_ms - out[i - 1].t_ms, 60'000) << "at archived point " << i;
  }
}

TEST(SwingingDoorTest, HeartbeatAllowsLongerGapOnlyAcrossAnInputGap) {
  const std::vector<wire::Point> in{
      {kT0, 1}, {kT0 + 1000, 1}, {kT0 + 100'000, 1}, {kT0 + 101'000, 1}};
  const auto out = Compress({0.1, 10'000, 0}, in);
  EXPECT_EQ(out, in);
}

TEST(SwingingDoorTest, MinIntervalSkipsPointsRightAfterAnArchivedOne) {
  auto sdt = SwingingDoorCompressor::Create({0.1, 0, 500});
  ASSERT_TRUE(sdt.ok());
  std::vector<wire::Point> out;
  ASSERT_TRUE(sdt->Add({kT0, 0}, &out).ok());
  ASSERT_TRUE(sdt->Add({kT0 + 100, 50}, &out).ok());
  ASSERT_TRUE(sdt->Add({kT0 + 499, -50}, &out).ok());
  ASSERT_TRUE(sdt->Add({kT0 + 500, 1}, &out).ok());
  sdt->Flush(&out);
  EXPECT_EQ(sdt->skipped_points(), 2);
  EXPECT_EQ(out, (std::vector<wire::Point>{{kT0, 0}, {kT0 + 500, 1}}));
}

TEST(SwingingDoorTest, RejectsInvalidConfig) {
  EXPECT_FALSE(SwingingDoorCompressor::Create({-0.1, 0, 0}).ok());
  EXPECT_FALSE(SwingingDoorCompressor::Create({NAN, 0, 0}).ok());
  EXPECT_FALSE(SwingingDoorCompressor::Create({0.1, -1, 0}).ok());
  EXPECT_FALSE(SwingingDoorCompressor::Create({0.1, 0, -1}).ok());
  const auto min_above_max = SwingingDoorCompressor::Create({0.1, 1000, 1000});
  ASSERT_FALSE(min_above_max.ok());
  EXPECT_EQ(min_above_max.status().message(),
            "swinging door: min_interval_ms (1000) must be below max_interval_ms (1000)");
}

TEST(SwingingDoorTest, CompressesSlowTemperature) {
  const auto in = testing::Temperature(3600 * 6, 0.02, 3);
  for (double e : {0.05, 0.1}) {
    const auto out = Compress({e, 0, 0}, in);
    const double ratio = static_cast<double>(in.size()) / static_cast<double>(out.size());
    std::printf("temperature 1 Hz, 6 h, noise sigma 0.02, E=%.2f: %zu -> %zu points, ratio %.1f\n",
                e, in.size(), out.size(), ratio);
    EXPECT_LE(MaxInterpolationError(in, out), e + 1e-9);
    EXPECT_GT(ratio, 5.0);
  }
}

}  // namespace
}  // namespace keel::edge::reduction
