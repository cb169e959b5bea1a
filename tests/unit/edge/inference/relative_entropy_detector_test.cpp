#include "edge/inference/relative_entropy_detector.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "common/random.h"
#include "unit/edge/inference/detector_test_util.h"

namespace keel::edge::inference {
namespace {

using ::testing::HasSubstr;

std::unique_ptr<Detector> Make(std::map<std::string, double> params) {
  auto detector = CreateDetector({"relative_entropy", std::move(params)});
  EXPECT_TRUE(detector.ok()) << detector.status().ToString();
  return std::move(detector).value();
}

double ScoreOf(Detector& detector, double value) {
  const std::vector<double> x = {value};
  auto score = detector.Score(x);
  EXPECT_TRUE(score.ok()) << score.status().ToString();
  return score.ok() ? *score : -1.0;
}

TEST(RelativeEntropyDetectorTest, MatchesHandComputedStatistics) {
  // Range [0, 1], 2 bins, window 2. Fit leaves window [0, 1] and stores
  // hypothesis (1/2, 1/2).
  auto detector = Make({{"window", 2}, {"bins", 2}, {"critical", 1.0}});
  ASSERT_TRUE(detector->Fit({{0.0}, {1.0}}).ok());
  auto* re = dynamic_cast<RelativeEntropyDetector*>(detector.get());
  ASSERT_NE(re, nullptr);
  EXPECT_EQ(re->hypotheses(0), 1u);
  EXPECT_NEAR(ScoreOf(*detector, 0.0), 0.0, 1e-12);  // window {1, 0}
  // window {0, 0}: P = (1, 0) against (1/2, 1/2) -> 2 * 2 * ln 2.
  EXPECT_NEAR(ScoreOf(*detector, 0.2), 4.0 * std::log(2.0), 1e-12);
  EXPECT_EQ(re->hypotheses(0), 2u);
  // Now explained exactly by the stored (1, 0).
  EXPECT_NEAR(ScoreOf(*detector, 0.1), 0.0, 1e-12);
  EXPECT_EQ(re->hypotheses(0), 2u);
  // 7 is out of range and falls into the last bin: window {0, 1}, explained
  // exactly by the stored (1/2, 1/2).
  EXPECT_NEAR(ScoreOf(*detector, 7.0), 0.0, 1e-12);
}

TEST(RelativeEntropyDetectorTest, DividesByCritical) {
  auto detector = Make({{"window", 2}, {"bins", 2}});
  ASSERT_TRUE(detector->Fit({{0.0}, {1.0}}).ok());
  EXPECT_NEAR(ScoreOf(*detector, 0.0), 0.0, 1e-12);
  EXPECT_NEAR(ScoreOf(*detector, 0.0), 4.0 * std::log(2.0) / 13.277, 1e-12);
}

TEST(RelativeEntropyDetectorTest, LevelShiftScoresAboveStationaryNoise) {
  SeededRandom random(17);
  std::vector<std::vector<double>> train;
  for (int i = 0; i < 600; ++i) train.push_back({random.Gaussian()});
  auto detector = Make({});
  ASSERT_TRUE(detector->Fit(train).ok());
  double quiet = 0.0;
  for (int i = 0; i < 300; ++i) quiet = std::max(quiet, ScoreOf(*detector, random.Gaussian()));
  double shifted = 0.0;
  for (int i = 0; i < 60; ++i) {
    shifted = std::max(shifted, ScoreOf(*detector, 5.0 + random.Gaussian()));
  }
  EXPECT_LT(quiet, 1.0);
  EXPECT_GT(shifted, 1.0);
}

TEST(RelativeEntropyDetectorTest, ScoringIsCausal) {
  SeededRandom random(4);
  std::vector<double> values;
  for (int i = 0; i < 400; ++i) values.push_back(random.Gaussian() + (i > 250 ? 3.0 : 0.0));
  std::vector<std::vector<double>> train;
  for (int i = 0; i < 100; ++i) train.push_back({random.Gaussian()});
  auto full = Make({{"window", 20}});
  auto prefix = Make({{"window", 20}});
  ASSERT_TRUE(full->Fit(train).ok());
  ASSERT_TRUE(prefix->Fit(train).ok());
  std::vector<double> scores;
  for (double v : values) scores.push_back(ScoreOf(*full, v));
  for (size_t i = 0; i < 300; ++i) EXPECT_EQ(ScoreOf(*prefix, values[i]), scores[i]) << i;
}

TEST(RelativeEntropyDetectorTest, ConstantTrainingIsAccepted) {
  auto detector = Make({{"window", 3}, {"critical", 5.0}});
  ASSERT_TRUE(detector->Fit({{5.0}, {5.0}, {5.0}, {5.0}}).ok());
  EXPECT_NEAR(ScoreOf(*detector, 5.0), 0.0, 1e-12);
  // Against the stored {5, 5, 5} (one bin, Q' = 1/6 elsewhere):
  // {5, 5, 9}: 6 (2/3 ln(2/3) + 1/3 ln 2) < 0 -> 0.
  EXPECT_NEAR(ScoreOf(*detector, 9.0), 0.0, 1e-12);
  // {5, 9, 9}: 6 (1/3 ln(1/3) + 2/3 ln 4) / 5; {9, 9, 9}: 6 ln 6 / 5.
  EXPECT_NEAR(ScoreOf(*detector, 9.0),
              6.0 * (std::log(1.0 / 3.0) / 3.0 + 2.0 * std::log(4.0) / 3.0) / 5.0, 1e-12);
  EXPECT_NEAR(ScoreOf(*detector, 9.0), 6.0 * std::log(6.0) / 5.0, 1e-12);
}

TEST(RelativeEntropyDetectorTest, MultivariateTakesTheMaxOverDimensions) {
  auto detector = Make({{"window", 2}, {"bins", 2}});
  ASSERT_TRUE(detector->Fit({{0.0, 10.0}, {1.0, 20.0}}).ok());
  auto* re = dynamic_cast<RelativeEntropyDetector*>(detector.get());
  ASSERT_NE(re, nullptr);
  EXPECT_EQ(re->hypotheses(1), 1u);
  EXPECT_EQ(re->hypotheses(2), 0u);
  EXPECT_NEAR(*detector->Score(std::vector<double>{0.0, 10.0}), 0.0, 1e-12);
  // dim 0 window {0, 0}; dim 1 window {10, 20} is the stored one.
  EXPECT_NEAR(*detector->Score(std::vector<double>{0.0, 20.0}), 4.0 * std::log(2.0) / 13.277,
              1e-12);
}

TEST(RelativeEntropyDetectorTest, RejectsBadInput) {
  EXPECT_FALSE(CreateDetector({"relative_entropy", {{"window", 1}}}).ok());
  EXPECT_FALSE(CreateDetector({"relative_entropy", {{"bins", 1}}}).ok());
  EXPECT_FALSE(CreateDetector({"relative_entropy", {{"bins", 2.5}}}).ok());
  EXPECT_FALSE(CreateDetector({"relative_entropy", {{"critical", 0}}}).ok());
  auto unknown = CreateDetector({"relative_entropy", {{"bogus", 1}}});
  ASSERT_FALSE(unknown.ok());
  EXPECT_THAT(unknown.status().message(), HasSubstr("bogus"));

  auto detector = Make({});
  EXPECT_EQ(detector->Score(std::vector<double>{1.0}).status().code(),
            StatusCode::kFailedPrecondition);
  EXPECT_FALSE(detector->Fit({{1}}).ok());
  ASSERT_TRUE(detector->Fit({{1}, {2}}).ok());
  EXPECT_FALSE(detector->Score(std::vector<double>{1, 2}).ok());
  EXPECT_FALSE(detector->Score(std::vector<double>{std::nan("")}).ok());
}

}  // namespace
}  // namespace keel::edge::inference
