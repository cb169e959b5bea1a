#include "edge/reduction/deadband_filter.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "unit/edge/reduction/signals.h"

namespace keel::edge::reduction {
namespace {

using testing::kT0;

std::vector<wire::Point> Filter(const DeadbandConfig& config, const std::vector<wire::Point>& in) {
  auto filter = DeadbandFilter::Create(config);
  EXPECT_TRUE(filter.ok()) << filter.status().ToString();
  std::vector<wire::Point> out;
  for (const auto& p : in) EXPECT_TRUE(filter->Add(p, &out).ok());
  return out;
}

// Sample-and-hold: every input point is within `band(reference)` of the
// last emitted point at or before it.
template <typename Band>
void ExpectHoldWithin(const std::vector<wire::Point>& in, const std::vector<wire::Point>& out,
                      Band band) {
  size_t k = 0;
  for (const auto& p : in) {
    while (k + 1 < out.size() && out[k + 1].t_ms <= p.t_ms) ++k;
    ASSERT_LE(out[k].t_ms, p.t_ms);
    EXPECT_LE(std::abs(p.value - out[k].value), band(out[k].value)) << "at t_ms=" << p.t_ms;
  }
}

TEST(DeadbandFilterTest, KeepsFirstPointAndChangesBeyondTheBand) {
  const std::vector<wire::Point> in{{kT0, 10.0},      {kT0 + 1, 10.4}, {kT0 + 2, 10.5},
                                    {kT0 + 3, 10.51}, {kT0 + 4, 9.9},  {kT0 + 5, 10.0},
                                    {kT0 + 6, 10.0}};
  EXPECT_EQ(Filter({0.5, 0, 0, false}, in),
            (std::vector<wire::Point>{{kT0, 10.0}, {kT0 + 3, 10.51}, {kT0 + 4, 9.9}}))
      << "a change of exactly the deadband is not kept";
}

TEST(DeadbandFilterTest, HoldGuaranteeOnRandomWalks) {
  for (uint32_t seed = 1; seed <= 5; ++seed) {
    const auto in = testing::RandomWalk(5000, 10, 0.2, seed);
    for (bool keep_previous : {false, true}) {
      const auto out = Filter({0.5, 0, 0, keep_previous}, in);
      EXPECT_LT(out.size(), in.size() / 2);
      ExpectHoldWithin(in, out, [](double) { return 0.5; });
      EXPECT_TRUE(std::is_sorted(out.begin(), out.end(), [](const auto& a, const auto& b) {
        return a.t_ms <= b.t_ms;
      })) << "emitted points are strictly increasing in time";
    }
  }
}

TEST(DeadbandFilterTest, PercentWidensTheBandAndAbsoluteIsTheFloor) {
  const std::vector<wire::Point> in{{kT0, 100.0},   {kT0 + 1, 101.5}, {kT0 + 2, 102.1},
                                    {kT0 + 3, 0.0}, {kT0 + 4, 0.05},  {kT0 + 5, 0.2}};
  const auto out = Filter({0.1, 2.0, 0, false}, in);
  EXPECT_EQ(out, (std::vector<wire::Point>{
                     {kT0, 100.0}, {kT0 + 2, 102.1}, {kT0 + 3, 0.0}, {kT0 + 5, 0.2}}));
  const auto walk = testing::RandomWalk(3000, 10, 0.3, 11);
  ExpectHoldWithin(walk, Filter({0.1, 2.0, 0, false}, walk),
                   [](double ref) { return std::max(0.1, 0.02 * std::abs(ref)); });
}

TEST(DeadbandFilterTest, HeartbeatKeepsAPointAfterMaxInterval) {
  const auto in = testing::Steps(300, 1000, 1000000, 5.0, 5.0);
  const auto out = Filter({0.5, 0, 60'000, false}, in);
  ASSERT_EQ(out.size(), 5u);
  for (size_t i = 0; i < out.size(); ++i) EXPECT_EQ(out[i].t_ms, kT0 + 60'000 * i);
}

TEST(DeadbandFilterTest, KeepPreviousPreservesBothEdgesOfAStep) {
  const std::vector<wire::Point> in{{kT0, 1.0},        {kT0 + 1000, 1.0}, {kT0 + 2000, 1.0},
                                    {kT0 + 3000, 9.0}, {kT0 + 4000, 9.0}, {kT0 + 5000, 1.0}};
  EXPECT_EQ(Filter({0.5, 0, 0, false}, in),
            (std::vector<wire::Point>{{kT0, 1.0}, {kT0 + 3000, 9.0}, {kT0 + 5000, 1.0}}));
  EXPECT_EQ(
      Filter({0.5, 0, 0, true}, in),
      (std::vector<wire::Point>{
          {kT0, 1.0}, {kT0 + 2000, 1.0}, {kT0 + 3000, 9.0}, {kT0 + 4000, 9.0}, {kT0 + 5000, 1.0}}));
}

TEST(DeadbandFilterTest, KeepPreviousDoesNotRepeatAnEmittedPoint) {
  const std::vector<wire::Point> in{{kT0, 1.0}, {kT0 + 1, 5.0}, {kT0 + 2, 9.0}};
  EXPECT_EQ(Filter({0.5, 0, 0, true}, in), in);
}

TEST(DeadbandFilterTest, FlushEmitsTheLastPointOnceAndItBecomesTheReference) {
  auto filter = DeadbandFilter::Create({0.5, 0, 0, false});
  ASSERT_TRUE(filter.ok());
  std::vector<wire::Point> out;
  filter->Flush(&out);
  EXPECT_TRUE(out.empty()) << "nothing seen, nothing to flush";
  ASSERT_TRUE(filter->Add({kT0, 1.0}, &out).ok());
  filter->Flush(&out);
  EXPECT_EQ(out.size(), 1u) << "the only point was already emitted";
  ASSERT_TRUE(filter->Add({kT0 + 1000, 1.4}, &out).ok());
  filter->Flush(&out);
  filter->Flush(&out);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[1], (wire::Point{kT0 + 1000, 1.4}));
  ASSERT_TRUE(filter->Add({kT0 + 2000, 1.8}, &out).ok());
  EXPECT_EQ(out.size(), 2u) << "1.8 is within 0.5 of the flushed 1.4";
}

TEST(DeadbandFilterTest, RejectsOutOfOrderAndNonFinitePoints) {
  auto filter = DeadbandFilter::Create({0.5, 0, 0, true});
  ASSERT_TRUE(filter.ok());
  std::vector<wire::Point> out;
  ASSERT_TRUE(filter->Add({kT0 + 10, 1.0}, &out).ok());
  ASSERT_TRUE(filter->Add({kT0 + 20, 1.1}, &out).ok());
  const Status s = filter->Add({kT0 + 20, 50.0}, &out);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("deadband: point t_ms="), std::string::npos) << s.message();
  EXPECT_FALSE(filter->Add({kT0 + 5, 50.0}, &out).ok());
  EXPECT_FALSE(filter->Add({kT0 + 30, NAN}, &out).ok());
  EXPECT_EQ(filter->rejected_points(), 3);
  EXPECT_EQ(filter->accepted_points(), 2);
  ASSERT_TRUE(filter->Add({kT0 + 30, 9.0}, &out).ok());
  EXPECT_EQ(out, (std::vector<wire::Point>{{kT0 + 10, 1.0}, {kT0 + 20, 1.1}, {kT0 + 30, 9.0}}))
      << "the previous point is the last accepted one, not a rejected one";
}

TEST(DeadbandFilterTest, RejectsInvalidConfig) {
  EXPECT_FALSE(DeadbandFilter::Create({-1, 0, 0, false}).ok());
  EXPECT_FALSE(DeadbandFilter::Create({INFINITY, 0, 0, false}).ok());
  EXPECT_FALSE(DeadbandFilter::Create({0, -2, 0, false}).ok());
  const auto bad = DeadbandFilter::Create({0, 0, -1, false});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(), "deadband: max_interval_ms must be >= 0, got -1");
}

}  // namespace
}  // namespace keel::edge::reduction
