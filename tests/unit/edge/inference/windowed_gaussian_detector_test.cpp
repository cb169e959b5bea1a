#include "edge/inference/windowed_gaussian_detector.h"

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
  auto detector = CreateDetector({"windowed_gaussian", std::move(params)});
  EXPECT_TRUE(detector.ok()) << detector.status().ToString();
  return std::move(detector).value();
}

// Naive z for values[i] given everything before it.
double NaiveZ(const std::vector<double>& values, size_t i, size_t window, size_t short_window,
              size_t min_history) {
  const size_t begin = i > window ? i - window : 0;
  const size_t n = i - begin;
  if (n < min_history) return 0.0;
  double mean = 0.0;
  for (size_t k = begin; k < i; ++k) mean += values[k];
  mean /= static_cast<double>(n);
  double var = 0.0;
  for (size_t k = begin; k < i; ++k) var += (values[k] - mean) * (values[k] - mean);
  var /= static_cast<double>(n);
  const size_t s = std::min(short_window, i + 1);
  double m = 0.0;
  for (size_t k = i + 1 - s; k <= i; ++k) m += values[k];
  m /= static_cast<double>(s);
  return std::abs(m - mean) / (std::sqrt(var) / std::sqrt(static_cast<double>(s)));
}

std::vector<double> NoisyLevel(size_t n, double level, uint64_t seed) {
  SeededRandom random(seed);
  std::vector<double> values;
  for (size_t i = 0; i < n; ++i) values.push_back(level + random.Gaussian());
  return values;
}

TEST(WindowedGaussianDetectorTest, MatchesNaiveWindowStatistics) {
  std::vector<double> values = NoisyLevel(400, 1000.0, 5);
  for (size_t i = 200; i < 230; ++i) values[i] += 6.0;
  auto detector = Make({{"window", 50}, {"short_window", 3}, {"min_history", 10}});
  for (size_t i = 0; i < values.size(); ++i) {
    const std::vector<double> x = {values[i]};
    const double expected = NaiveZ(values, i, 50, 3, 10);
    EXPECT_NEAR(*detector->Score(x), expected, 1e-6 * std::max(1.0, expected)) << i;
  }
}

TEST(WindowedGaussianDetectorTest, FitSeedsTheHistory) {
  const std::vector<double> values = NoisyLevel(120, 5.0, 9);
  auto detector = Make({{"window", 64}});
  std::vector<std::vector<double>> train;
  for (size_t i = 0; i < 100; ++i) train.push_back({values[i]});
  ASSERT_TRUE(detector->Fit(train).ok());
  for (size_t i = 100; i < values.size(); ++i) {
    const std::vector<double> x = {values[i]};
    EXPECT_NEAR(*detector->Score(x), NaiveZ(values, i, 64, 1, 10), 1e-9) << i;
  }
}

TEST(WindowedGaussianDetectorTest, WarmupScoresZeroAndStepScoresHigh) {
  auto detector = Make({{"min_history", 20}});
  const std::vector<double> values = NoisyLevel(100, 0.0, 3);
  for (size_t i = 0; i < 20; ++i) {
    const std::vector<double> x = {values[i] + 1000.0 * static_cast<double>(i % 2)};
    EXPECT_EQ(*detector->Score(x), 0.0) << i;
  }
  for (size_t i = 20; i < 100; ++i) (void)*detector->Score(std::vector<double>{values[i]});
  EXPECT_GT(*detector->Score(std::vector<double>{1e5}), 1.0);
}

TEST(WindowedGaussianDetectorTest, SuppressionKeepsOnlyRisingScores) {
  const std::vector<double> values = NoisyLevel(300, 0.0, 21);
  std::vector<double> stream = values;
  for (size_t i = 200; i < 260; ++i) stream[i] += 20.0;
  auto plain = Make({{"window", 100}});
  auto suppressed = Make({{"window", 100}, {"suppress", 30}});
  std::vector<double> raw;
  std::vector<double> kept;
  for (double v : stream) {
    const std::vector<double> x = {v};
    raw.push_back(*plain->Score(x));
    kept.push_back(*suppressed->Score(x));
  }
  for (size_t i = 0; i < stream.size(); ++i) {
    bool rising = true;
    for (size_t k = i >= 30 ? i - 30 : 0; k < i; ++k) rising = rising && raw[i] > raw[k];
    EXPECT_EQ(kept[i], rising ? raw[i] : 0.0) << i;
  }
  EXPECT_GT(kept[200], 4.0);
  size_t alarms_raw = 0;
  size_t alarms_kept = 0;
  for (size_t i = 200; i < 260; ++i) {
    alarms_raw += raw[i] > 4.0 ? 1 : 0;
    alarms_kept += kept[i] > 4.0 ? 1 : 0;
  }
  EXPECT_GE(alarms_raw, 5u);
  EXPECT_EQ(alarms_kept, 1u);
}

TEST(WindowedGaussianDetectorTest, CalibrationDividesByPastQuantileOfRawScores) {
  std::vector<double> stream = NoisyLevel(400, 0.0, 31);
  for (size_t i = 0; i < stream.size(); i += 17) stream[i] += 8.0;  // heavy tail
  auto plain = Make({{"window", 100}});
  auto calibrated = Make({{"window", 100}, {"calibrate", 60}, {"calibrate_quantile", 0.9}});
  std::vector<double> raw;
  for (size_t i = 0; i < stream.size(); ++i) {
    const std::vector<double> x = {stream[i]};
    raw.push_back(*plain->Score(x));
    const double got = *calibrated->Score(x);
    // Rows 0..9 lack history (raw z 0, not recorded); rows 10.. are recorded.
    double expected = raw[i];
    if (i >= 20) {
      const size_t begin = std::max<size_t>(10, i >= 60 ? i - 60 : 0);
      const std::vector<double> past(raw.begin() + static_cast<std::ptrdiff_t>(begin),
                                     raw.begin() + static_cast<std::ptrdiff_t>(i));
      expected = raw[i] / std::max(1.0, testing::ReferenceQuantile(past, 0.9));
    }
    EXPECT_NEAR(got, expected, 1e-9 * std::max(1.0, expected)) << i;
  }
  EXPECT_FALSE(CreateDetector({"windowed_gaussian", {{"calibrate_quantile", 0}}}).ok());
  EXPECT_FALSE(CreateDetector({"windowed_gaussian", {{"calibrate", 1.5}}}).ok());
}

TEST(WindowedGaussianDetectorTest, ScoringIsCausal) {
  const std::vector<double> values = NoisyLevel(500, 3.0, 8);
  const std::map<std::string, double> params = {
      {"window", 40}, {"short_window", 5}, {"suppress", 7}, {"calibrate", 30}};
  auto full = Make(params);
  auto prefix = Make(params);
  std::vector<double> scores;
  for (double v : values) scores.push_back(*full->Score(std::vector<double>{v}));
  for (size_t i = 0; i < 250; ++i) {
    EXPECT_EQ(*prefix->Score(std::vector<double>{values[i]}), scores[i]) << i;
  }
}

TEST(WindowedGaussianDetectorTest, MultivariateTakesTheMaxDimension) {
  auto detector = Make({{"min_history", 2}});
  ASSERT_TRUE(detector->Fit({{0, 10}, {2, 10}, {0, 14}, {2, 14}}).ok());
  // dim 0: mean 1, sd 1; dim 1: mean 12, sd 2.
  EXPECT_NEAR(*detector->Score(std::vector<double>{1, 20}), 4.0, 1e-12);
  EXPECT_FALSE(detector->Score(std::vector<double>{1}).ok());
}

TEST(WindowedGaussianDetectorTest, RejectsBadInput) {
  EXPECT_FALSE(CreateDetector({"windowed_gaussian", {{"window", 1}}}).ok());
  EXPECT_FALSE(CreateDetector({"windowed_gaussian", {{"suppress", -1}}}).ok());
  EXPECT_FALSE(CreateDetector({"windowed_gaussian", {{"threshold", 0}}}).ok());
  auto too_short = CreateDetector({"windowed_gaussian", {{"window", 5}, {"short_window", 6}}});
  ASSERT_FALSE(too_short.ok());
  EXPECT_THAT(too_short.status().message(), HasSubstr("short_window"));
  EXPECT_FALSE(CreateDetector({"windowed_gaussian", {{"window", 5}, {"min_history", 6}}}).ok());
  auto unknown = CreateDetector({"windowed_gaussian", {{"bogus", 1}}});
  ASSERT_FALSE(unknown.ok());
  EXPECT_THAT(unknown.status().message(), HasSubstr("bogus"));

  auto detector = Make({});
  EXPECT_FALSE(detector->Score(std::vector<double>{}).ok());
  EXPECT_FALSE(detector->Score(std::vector<double>{std::nan("")}).ok());
  EXPECT_FALSE(detector->Fit({}).ok());
  EXPECT_TRUE(detector->Score(std::vector<double>{1.0}).ok());
  EXPECT_EQ(detector->Score(std::vector<double>{1.0, 2.0}).status().code(),
            StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace keel::edge::inference
