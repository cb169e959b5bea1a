#include "edge/inference/ewma_detector.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

#include "common/random.h"
#include "unit/edge/inference/detector_test_util.h"

namespace keel::edge::inference {
namespace {

using testing::MustCreate;
using testing::Rows;

std::vector<double> Stream(size_t n, uint64_t seed) {
  SeededRandom random(seed);
  std::vector<double> values;
  for (size_t i = 0; i < n; ++i) values.push_back(20.0 + 2.0 * random.Gaussian());
  return values;
}

double Score1(Detector& detector, double v) {
  const std::vector<double> x = {v};
  auto score = detector.Score(x);
  EXPECT_TRUE(score.ok()) << score.status().ToString();
  return score.ok() ? *score : -1.0;
}

// While n <= 1/alpha the update is the plain running mean and population
// variance, so the score is |x_t - mean(x_<t)| / popstd(x_<t), computed here
// two-pass.
TEST(EwmaDetectorTest, MatchesRunningStatisticsBeforeOneOverAlpha) {
  const std::vector<double> values = Stream(60, 5);
  auto detector = MustCreate("ewma", {{"alpha", 0.01}, {"warmup", 5}});
  for (size_t t = 0; t < values.size(); ++t) {
    const double score = Score1(*detector, values[t]);
    if (t < 5) {
      EXPECT_EQ(score, 0.0) << t;
      continue;
    }
    double mean = 0;
    for (size_t i = 0; i < t; ++i) mean += values[i] / static_cast<double>(t);
    double var = 0;
    for (size_t i = 0; i < t; ++i) var += (values[i] - mean) * (values[i] - mean) / t;
    const double expected = std::abs(values[t] - mean) / std::sqrt(var);
    EXPECT_NEAR(score, expected, 1e-9 * (1 + expected)) << t;
  }
}

TEST(EwmaDetectorTest, DetectsSpikeAndAdaptsToLevelShift) {
  auto detector = MustCreate("ewma", {{"alpha", 0.05}});
  for (double v : Stream(300, 6)) EXPECT_LT(Score1(*detector, v), 5.0);
  EXPECT_TRUE(detector->IsAnomaly(Score1(*detector, 40.0)));  // 10 sigma spike
  const std::vector<double> shifted = Stream(300, 7);
  double last = 0;
  for (double v : shifted) last = Score1(*detector, v + 30.0);
  EXPECT_FALSE(detector->IsAnomaly(last));
  EXPECT_NEAR(dynamic_cast<EwmaDetector&>(*detector).mean()[0], 50.0, 2.0);
}

TEST(EwmaDetectorTest, FitWarmsUpLikeScoring) {
  const std::vector<double> values = Stream(200, 8);
  Rows head;
  for (size_t i = 0; i < 120; ++i) head.push_back({values[i]});
  auto fitted = MustCreate("ewma");
  auto streamed = MustCreate("ewma");
  ASSERT_TRUE(fitted->Fit(head).ok());
  for (size_t i = 0; i < 120; ++i) Score1(*streamed, values[i]);
  for (size_t i = 120; i < values.size(); ++i) {
    EXPECT_EQ(Score1(*fitted, values[i]), Score1(*streamed, values[i])) << i;
  }
  EXPECT_EQ(dynamic_cast<EwmaDetector&>(*fitted).count(), 200);
}

TEST(EwmaDetectorTest, CausalPrefixAndDeterministic) {
  const Rows rows = testing::PlaneRows(150, 3, 9);
  auto full = MustCreate("ewma", {{"alpha", 0.02}});
  auto prefix = MustCreate("ewma", {{"alpha", 0.02}});
  std::vector<double> scores;
  for (const auto& row : rows) scores.push_back(*full->Score(row));
  for (size_t i = 0; i < 100; ++i) EXPECT_EQ(*prefix->Score(rows[i]), scores[i]) << i;
}

TEST(EwmaDetectorTest, MultivariateScoreIsMaxOverDimensions) {
  auto joint = MustCreate("ewma", {{"warmup", 3}});
  auto first = MustCreate("ewma", {{"warmup", 3}});
  auto second = MustCreate("ewma", {{"warmup", 3}});
  const Rows rows = testing::PlaneRows(50, 2, 10);
  for (const auto& row : rows) {
    const double expected = std::max(Score1(*first, row[0]), Score1(*second, row[1]));
    EXPECT_EQ(*joint->Score(row), expected);
  }
}

TEST(EwmaDetectorTest, DimensionFixedByFirstScore) {
  auto detector = MustCreate("ewma");
  const std::vector<double> two = {1.0, 2.0};
  const std::vector<double> three = {1.0, 2.0, 3.0};
  const std::vector<double> empty;
  EXPECT_EQ(detector->Score(empty).status().code(), StatusCode::kInvalidArgument);
  ASSERT_TRUE(detector->Score(two).ok());
  EXPECT_EQ(detector->Score(three).status().code(), StatusCode::kInvalidArgument);
  const std::vector<double> inf = {1.0, INFINITY};
  EXPECT_EQ(detector->Score(inf).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(dynamic_cast<EwmaDetector&>(*detector).count(), 1);
}

TEST(EwmaDetectorTest, ConstantStreamStepScoresHighButFinite) {
  auto detector = MustCreate("ewma");
  for (int i = 0; i < 50; ++i) EXPECT_EQ(Score1(*detector, 3.0), 0.0);
  const double step = Score1(*detector, 3.5);
  EXPECT_TRUE(std::isfinite(step));
  EXPECT_GT(step, 1e6);
}

}  // namespace
}  // namespace keel::edge::inference
