#include "edge/inference/smoothed_detector.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "unit/edge/inference/detector_test_util.h"

namespace keel::edge::inference {
namespace {

using ::testing::HasSubstr;
using testing::Rows;

std::unique_ptr<Detector> Make(const std::string& kind, std::map<std::string, double> params) {
  auto detector = CreateDetector({kind, std::move(params)});
  EXPECT_TRUE(detector.ok()) << detector.status().ToString();
  return std::move(detector).value();
}

double Median3(double a, double b, double c) {
  return std::max(std::min(a, b), std::min(std::max(a, b), c));
}

TEST(SmoothedDetectorTest, KindNamesTheInnerDetector) {
  EXPECT_EQ(Make("smoothed_pca", {})->kind(), "smoothed_pca");
  EXPECT_EQ(Make("smoothed_zscore", {})->kind(), "smoothed_zscore");
  EXPECT_EQ(Make("smoothed_mahalanobis", {})->kind(), "smoothed_mahalanobis");
  EXPECT_EQ(Make("smoothed_pca", {})->threshold(), 1.0);
}

TEST(SmoothedDetectorTest, DefaultsReproduceTheInnerDetectorOnItsThresholdScale) {
  const Rows train = testing::PlaneRows(200, 5, 3);
  const Rows stream = testing::PlaneRows(50, 5, 4);
  auto plain = Make("pca", {{"threshold", 2.0}});
  auto smoothed = Make("smoothed_pca", {{"inner.threshold", 2.0}});
  ASSERT_TRUE(plain->Fit(train).ok());
  ASSERT_TRUE(smoothed->Fit(train).ok());
  for (const auto& row : stream) {
    EXPECT_DOUBLE_EQ(*smoothed->Score(row), *plain->Score(row) / 2.0);
  }
}

TEST(SmoothedDetectorTest, MedianVoteOverWindowMatchesHandValues) {
  // zscore inner on {0..4}: median 2, scale 1.4826 * MAD(1), threshold 3.5.
  auto detector = Make("smoothed_zscore", {{"window", 3}, {"quantile", 0.5}});
  ASSERT_TRUE(detector->Fit({{0}, {1}, {2}, {3}, {4}}).ok());
  const std::vector<double> xs = {2, 30, 2, 2, 30, 30, 2};
  std::vector<double> r;
  for (double x : xs) r.push_back(std::abs(x - 2.0) / 1.4826 / 3.5);
  const std::vector<double> expected = {r[0],
                                        (r[0] + r[1]) / 2.0,
                                        Median3(r[0], r[1], r[2]),
                                        Median3(r[1], r[2], r[3]),
                                        Median3(r[2], r[3], r[4]),
                                        Median3(r[3], r[4], r[5]),
                                        Median3(r[4], r[5], r[6])};
  for (size_t i = 0; i < xs.size(); ++i) {
    const std::vector<double> x = {xs[i]};
    EXPECT_NEAR(*detector->Score(x), expected[i], 1e-12) << i;
  }
}

TEST(SmoothedDetectorTest, IsolatedSpikeIsSuppressedSustainedShiftAlarms) {
  auto detector = Make("smoothed_zscore", {{"window", 5}});
  ASSERT_TRUE(detector->Fit({{0}, {1}, {2}, {3}, {4}}).ok());
  std::vector<bool> alarms;
  for (double x : {2.0, 2.0, 2.0, 2.0, 100.0, 2.0, 2.0, 2.0, 100.0, 100.0, 100.0, 100.0}) {
    const std::vector<double> v = {x};
    alarms.push_back(detector->IsAnomaly(*detector->Score(v)));
  }
  EXPECT_THAT(alarms, ::testing::ElementsAre(false, false, false, false, false, false, false, false,
                                             false, false, true, true));
}

TEST(SmoothedDetectorTest, InputWindowAveragesWithTheEndOfTraining) {
  auto detector = Make("smoothed_zscore", {{"input_window", 2}});
  // Smoothed training rows: 0, 1, 3, 5 -> median 2, |dev| 2,1,1,3 -> MAD 1.5.
  ASSERT_TRUE(detector->Fit({{0}, {2}, {4}, {6}}).ok());
  const std::vector<double> x = {10};  // mean(6, 10) = 8
  EXPECT_NEAR(*detector->Score(x), 6.0 / (1.4826 * 1.5) / 3.5, 1e-12);
  const std::vector<double> y = {2};  // mean(10, 2) = 6
  EXPECT_NEAR(*detector->Score(y), 4.0 / (1.4826 * 1.5) / 3.5, 1e-12);
}

TEST(SmoothedDetectorTest, ScoringIsCausal) {
  const Rows train = testing::PlaneRows(300, 6, 11);
  Rows stream = testing::PlaneRows(80, 6, 12);
  for (size_t i = 40; i < 60; ++i) stream[i][2] += 5.0;
  const std::map<std::string, double> params = {
      {"input_window", 4}, {"window", 7}, {"quantile", 0.3}, {"inner.variance", 0.9}};
  auto full = Make("smoothed_pca", params);
  auto prefix = Make("smoothed_pca", params);
  ASSERT_TRUE(full->Fit(train).ok());
  ASSERT_TRUE(prefix->Fit(train).ok());
  std::vector<double> scores;
  for (const auto& row : stream) scores.push_back(*full->Score(row));
  for (size_t i = 0; i < 50; ++i) EXPECT_EQ(*prefix->Score(stream[i]), scores[i]) << i;
  EXPECT_GT(*std::max_element(scores.begin() + 45, scores.begin() + 60), 1.0);
}

TEST(SmoothedDetectorTest, SuppressionKeepsOnlyRisingVotedScores) {
  const std::vector<double> xs = {2, 9, 12, 12, 11, 3, 2, 30, 2, 2, 2, 2, 13};
  auto voted = Make("smoothed_zscore", {{"window", 2}});
  auto suppressed = Make("smoothed_zscore", {{"window", 2}, {"suppress", 3}});
  const Rows train = {{0}, {1}, {2}, {3}, {4}};
  ASSERT_TRUE(voted->Fit(train).ok());
  ASSERT_TRUE(suppressed->Fit(train).ok());
  std::vector<double> v;
  for (size_t i = 0; i < xs.size(); ++i) {
    const std::vector<double> x = {xs[i]};
    v.push_back(*voted->Score(x));
    bool rising = true;
    for (size_t k = i >= 3 ? i - 3 : 0; k < i; ++k) rising = rising && v[i] > v[k];
    EXPECT_EQ(*suppressed->Score(x), rising ? v[i] : 0.0) << i;
  }
  EXPECT_GT(v[3], 1.0);  // would alarm without suppression
  EXPECT_EQ(*suppressed->Score(std::vector<double>{2}), 0.0);
  EXPECT_FALSE(CreateDetector({"smoothed_pca", {{"suppress", -1}}}).ok());
}

TEST(SmoothedDetectorTest, WrapsOnlineKinds) {
  std::vector<std::vector<double>> train;
  for (int i = 0; i < 50; ++i) train.push_back({static_cast<double>(i % 5)});
  for (const char* kind :
       {"smoothed_ewma", "smoothed_windowed_gaussian", "smoothed_relative_entropy"}) {
    auto detector = Make(kind, {{"suppress", 10}});
    ASSERT_TRUE(detector->Fit(train).ok()) << kind;
    EXPECT_TRUE(detector->Score(std::vector<double>{2.0}).ok()) << kind;
    EXPECT_EQ(detector->kind(), kind);
  }
}

TEST(SmoothedDetectorTest, RefitResetsTheWindows) {
  auto detector = Make("smoothed_zscore", {{"window", 3}, {"input_window", 3}});
  const Rows train = {{0}, {1}, {2}, {3}, {4}};
  ASSERT_TRUE(detector->Fit(train).ok());
  const std::vector<double> high = {50};
  const std::vector<double> mid = {2};
  (void)*detector->Score(high);
  (void)*detector->Score(high);
  ASSERT_TRUE(detector->Fit(train).ok());
  const double after_refit = *detector->Score(mid);
  auto fresh = Make("smoothed_zscore", {{"window", 3}, {"input_window", 3}});
  ASSERT_TRUE(fresh->Fit(train).ok());
  EXPECT_EQ(after_refit, *fresh->Score(mid));
}

TEST(SmoothedDetectorTest, RejectsBadParams) {
  auto bad_window = CreateDetector({"smoothed_pca", {{"window", 0}}});
  ASSERT_FALSE(bad_window.ok());
  EXPECT_THAT(bad_window.status().message(), HasSubstr("window"));
  EXPECT_FALSE(CreateDetector({"smoothed_pca", {{"window", 2.5}}}).ok());
  EXPECT_FALSE(CreateDetector({"smoothed_pca", {{"quantile", 0}}}).ok());
  EXPECT_FALSE(CreateDetector({"smoothed_pca", {{"threshold", -1}}}).ok());
  auto unknown = CreateDetector({"smoothed_pca", {{"bogus", 1}}});
  ASSERT_FALSE(unknown.ok());
  EXPECT_THAT(unknown.status().message(), HasSubstr("bogus"));
  auto inner_unknown = CreateDetector({"smoothed_pca", {{"inner.bogus", 1}}});
  ASSERT_FALSE(inner_unknown.ok());
  EXPECT_THAT(inner_unknown.status().message(), HasSubstr("bogus"));
  EXPECT_FALSE(CreateDetector({"smoothed_zscore", {{"inner.threshold", -1}}}).ok());
}

TEST(SmoothedDetectorTest, ScoreErrors) {
  auto detector = Make("smoothed_zscore", {{"input_window", 2}});
  const std::vector<double> x = {1, 2};
  EXPECT_EQ(detector->Score(x).status().code(), StatusCode::kFailedPrecondition);
  EXPECT_FALSE(detector->Fit({}).ok());
  EXPECT_FALSE(detector->Fit({{1, 2}, {3}}).ok());
  ASSERT_TRUE(detector->Fit({{1, 2}, {3, 4}, {5, 7}}).ok());
  const std::vector<double> wrong = {1};
  auto status = detector->Score(wrong).status();
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("smoothed_zscore"));
  const std::vector<double> nan = {1, std::nan("")};
  EXPECT_FALSE(detector->Score(nan).ok());
  EXPECT_TRUE(detector->Score(x).ok());
}

}  // namespace
}  // namespace keel::edge::inference
