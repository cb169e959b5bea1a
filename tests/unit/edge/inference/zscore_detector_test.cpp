#include "edge/inference/zscore_detector.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

#include "unit/edge/inference/detector_test_util.h"

namespace keel::edge::inference {
namespace {

using testing::Rows;

std::unique_ptr<Detector> Make(std::map<std::string, double> params = {}) {
  auto detector = CreateDetector({"zscore", std::move(params)});
  EXPECT_TRUE(detector.ok()) << detector.status().ToString();
  return std::move(detector).value();
}

// Column 0: 1..7, median 4, |dev| = 3,2,1,0,1,2,3 -> MAD 2.
// Column 1: 10,10,10,10,12,20,30 (even count case below), median 10, MAD 0,
// mean |dev| = (2 + 10 + 20) / 7.
// Column 2: constant 5.
const Rows kRows = {{1, 10, 5}, {2, 10, 5}, {3, 10, 5}, {4, 10, 5},
                    {5, 12, 5}, {6, 20, 5}, {7, 30, 5}};

TEST(ZScoreDetectorTest, MatchesHandMedianAndMad) {
  auto detector = Make();
  ASSERT_TRUE(detector->Fit(kRows).ok());
  const std::vector<double> x = {10, 10, 5};  // |10 - 4| / (1.4826 * 2)
  EXPECT_NEAR(*detector->Score(x), 6.0 / (1.4826 * 2.0), 1e-12);

  const std::vector<double> y = {4, 14, 5};  // column 1: MAD 0 -> mean |dev|
  EXPECT_NEAR(*detector->Score(y), 4.0 / (1.2533 * 32.0 / 7.0), 1e-12);
}

TEST(ZScoreDetectorTest, EvenCountMedianAverages) {
  auto detector = Make();
  ASSERT_TRUE(detector->Fit({{1}, {2}, {4}, {10}}).ok());
  // median 3; |dev| = 2,1,1,7 -> MAD 1.5
  const std::vector<double> x = {6};
  EXPECT_NEAR(*detector->Score(x), 3.0 / (1.4826 * 1.5), 1e-12);
}

TEST(ZScoreDetectorTest, ConstantDimensionScoresHighButFinite) {
  auto detector = Make();
  ASSERT_TRUE(detector->Fit(kRows).ok());
  const std::vector<double> same = {4, 10, 5};
  EXPECT_EQ(*detector->Score(same), 0.0);
  const std::vector<double> moved = {4, 10, 5.5};
  const double score = *detector->Score(moved);
  EXPECT_TRUE(std::isfinite(score));
  EXPECT_GT(score, 1e6);
}

TEST(ZScoreDetectorTest, SeparatesOutliersFromTrainingData) {
  const Rows rows = testing::PlaneRows(500, 8, 7);
  auto detector = Make();
  ASSERT_TRUE(detector->Fit(rows).ok());
  int flagged = 0;
  for (const auto& row : rows) flagged += detector->IsAnomaly(*detector->Score(row)) ? 1 : 0;
  EXPECT_LT(flagged, 25);
  std::vector<double> far = rows[0];
  far[3] += 100.0;
  EXPECT_GT(*detector->Score(far), 10.0 * detector->threshold());
}

TEST(ZScoreDetectorTest, FrozenWithoutAlphaAdaptsWithAlpha) {
  const Rows rows = {{0}, {1}, {2}, {3}, {4}};  // median 2, MAD 1
  auto frozen = Make();
  auto adaptive = Make({{"alpha", 0.1}});
  ASSERT_TRUE(frozen->Fit(rows).ok());
  ASSERT_TRUE(adaptive->Fit(rows).ok());
  const std::vector<double> shifted = {6};
  double frozen_score = 0;
  double adaptive_score = 0;
  for (int i = 0; i < 200; ++i) {
    frozen_score = *frozen->Score(shifted);
    adaptive_score = *adaptive->Score(shifted);
  }
  EXPECT_NEAR(frozen_score, 4.0 / 1.4826, 1e-12);
  EXPECT_LT(adaptive_score, 0.5);
  auto* z = dynamic_cast<ZScoreDetector*>(adaptive.get());
  ASSERT_NE(z, nullptr);
  EXPECT_NEAR(z->location()[0], 6.0, 1e-3);
}

TEST(ZScoreDetectorTest, AdaptiveScoringIsCausalAndDeterministic) {
  const Rows train = testing::PlaneRows(100, 4, 1);
  const Rows stream = testing::PlaneRows(60, 4, 2);
  auto full = Make({{"alpha", 0.05}});
  auto prefix = Make({{"alpha", 0.05}});
  ASSERT_TRUE(full->Fit(train).ok());
  ASSERT_TRUE(prefix->Fit(train).ok());
  std::vector<double> full_scores;
  for (const auto& row : stream) full_scores.push_back(*full->Score(row));
  for (size_t i = 0; i < 30; ++i) EXPECT_EQ(*prefix->Score(stream[i]), full_scores[i]) << i;
}

}  // namespace
}  // namespace keel::edge::inference
