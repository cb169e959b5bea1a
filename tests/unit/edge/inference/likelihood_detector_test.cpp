#include "edge/inference/likelihood_detector.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <deque>

#include "common/random.h"
#include "unit/edge/inference/detector_test_util.h"

namespace keel::edge::inference {
namespace {

using ::testing::HasSubstr;

std::vector<double> NoisyLevel(size_t n, double level, uint64_t seed) {
  SeededRandom random(seed);
  std::vector<double> values;
  for (size_t i = 0; i < n; ++i) values.push_back(level + random.Gaussian());
  return values;
}

// The likelihood written out naively from the header's definition, over a
// plain windowed_gaussian fed the same rows.
std::vector<double> NaiveLikelihood(const std::vector<double>& values, size_t fit_rows,
                                    size_t inner_fit_rows, size_t window, size_t short_window,
                                    size_t min_history, double min_sd) {
  auto inner = testing::MustCreate("windowed_gaussian");
  EXPECT_TRUE(inner->Fit(testing::FirstRows(values, inner_fit_rows)).ok());
  std::vector<double> u;
  std::vector<double> a;
  std::vector<double> out;
  for (size_t i = inner_fit_rows; i < values.size(); ++i) {
    const double s = *inner->Score(std::vector<double>{values[i]});
    u.push_back(s / (s + inner->threshold()));
    const size_t w = std::min(short_window, u.size());
    double sum = 0;
    for (size_t k = u.size() - w; k < u.size(); ++k) sum += u[k];
    const double avg = sum / static_cast<double>(w);
    double score = 0;
    const size_t n = std::min(window, a.size());
    if (n >= min_history) {
      double mean = 0;
      for (size_t k = a.size() - n; k < a.size(); ++k) mean += a[k];
      mean /= static_cast<double>(n);
      double var = 0;
      for (size_t k = a.size() - n; k < a.size(); ++k) var += (a[k] - mean) * (a[k] - mean);
      const double sd = std::max(std::sqrt(var / static_cast<double>(n)), min_sd);
      const double tail = 0.5 * std::erfc((avg - mean) / (sd * std::sqrt(2.0)));
      score = std::clamp(std::log(tail + 1e-10) / std::log(1e-10), 0.0, 1.0);
    }
    a.push_back(avg);
    if (i >= fit_rows) out.push_back(score);
  }
  return out;
}

TEST(LikelihoodDetectorTest, KindNamesTheInnerDetector) {
  EXPECT_EQ(testing::MustCreate("likelihood_contextual")->kind(), "likelihood_contextual");
  EXPECT_EQ(testing::MustCreate("likelihood_windowed_gaussian")->kind(),
            "likelihood_windowed_gaussian");
  EXPECT_EQ(testing::MustCreate("likelihood_ewma")->threshold(), 0.5);
}

TEST(LikelihoodDetectorTest, MatchesTheNaiveDefinition) {
  std::vector<double> values = NoisyLevel(700, 50.0, 4);
  for (size_t i = 500; i < 520; ++i) values[i] += 5.0;
  auto detector = testing::MustCreate("likelihood_windowed_gaussian", {{"window", 150},
                                                                       {"short_window", 4},
                                                                       {"min_history", 30},
                                                                       {"min_sd", 0.02},
                                                                       {"inner_fit", 0.25}});
  ASSERT_TRUE(detector->Fit(testing::FirstRows(values, 200)).ok());
  const std::vector<double> got = testing::ScoreAll(*detector, values, 200, values.size());
  const std::vector<double> expected = NaiveLikelihood(values, 200, 50, 150, 4, 30, 0.02);
  ASSERT_EQ(got.size(), expected.size());
  for (size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], expected[i], 1e-9) << i;
  EXPECT_GT(*std::max_element(got.begin() + 300, got.begin() + 320), 0.5);
}

TEST(LikelihoodDetectorTest, LevelShiftScoresHighAndAConstantSeriesDoesNot) {
  std::vector<double> values = NoisyLevel(1500, 10.0, 5);
  for (size_t i = 1200; i < values.size(); ++i) values[i] += 8.0;
  auto detector = testing::MustCreate("likelihood_windowed_gaussian");
  ASSERT_TRUE(detector->Fit(testing::FirstRows(values, 400)).ok());
  const std::vector<double> scores = testing::ScoreAll(*detector, values, 400, values.size());
  EXPECT_LT(*std::max_element(scores.begin(), scores.begin() + 790), 0.5);
  EXPECT_GT(*std::max_element(scores.begin() + 800, scores.begin() + 815), 0.9);

  const std::vector<double> flat(1000, 3.0);
  auto quiet = testing::MustCreate("likelihood_contextual");
  ASSERT_TRUE(quiet->Fit(testing::FirstRows(flat, 200)).ok());
  for (double s : testing::ScoreAll(*quiet, flat, 200, flat.size())) EXPECT_LT(s, 0.05);
}

TEST(LikelihoodDetectorTest, SpatialToleranceFlagsNewExtremes) {
  std::vector<double> values = NoisyLevel(600, 0.0, 6);
  values[450] = 100.0;
  auto detector = testing::MustCreate("likelihood_windowed_gaussian",
                                      {{"spatial_tolerance", 0.5}, {"min_history", 1000}});
  ASSERT_TRUE(detector->Fit(testing::FirstRows(values, 300)).ok());
  const std::vector<double> scores = testing::ScoreAll(*detector, values, 300, values.size());
  for (size_t i = 0; i < scores.size(); ++i) EXPECT_EQ(scores[i], i == 150 ? 1.0 : 0.0) << i;
}

TEST(LikelihoodDetectorTest, CausalDeterministicSuppressedAndInUnitRange) {
  std::vector<double> values = NoisyLevel(2000, 5.0, 7);
  for (size_t i = 1300; i < 1400; ++i) values[i] *= 3.0;
  const std::map<std::string, double> params = {
      {"suppress", 50}, {"spatial_tolerance", 0.1}, {"inner.rest", 20}, {"inner.bits", 4}};
  auto full = testing::MustCreate("likelihood_contextual", params);
  auto again = testing::MustCreate("likelihood_contextual", params);
  auto prefix = testing::MustCreate("likelihood_contextual", params);
  auto plain = testing::MustCreate(
      "likelihood_contextual", {{"spatial_tolerance", 0.1}, {"inner.rest", 20}, {"inner.bits", 4}});
  for (auto* d : {full.get(), again.get(), prefix.get(), plain.get()}) {
    ASSERT_TRUE(d->Fit(testing::FirstRows(values, 300)).ok());
  }
  const std::vector<double> scores = testing::ScoreAll(*full, values, 300, values.size());
  EXPECT_EQ(testing::ScoreAll(*again, values, 300, values.size()), scores);
  const std::vector<double> head = testing::ScoreAll(*prefix, values, 300, 1350);
  for (size_t i = 0; i < head.size(); ++i) EXPECT_EQ(head[i], scores[i]) << i;
  const std::vector<double> raw = testing::ScoreAll(*plain, values, 300, values.size());
  for (size_t i = 0; i < scores.size(); ++i) {
    EXPECT_GE(scores[i], 0.0);
    EXPECT_LE(scores[i], 1.0);
    bool rising = true;
    for (size_t k = i >= 50 ? i - 50 : 0; k < i; ++k) rising = rising && raw[i] > raw[k];
    EXPECT_EQ(scores[i], rising ? raw[i] : 0.0) << i;
  }
  EXPECT_GT(*std::max_element(scores.begin() + 1000, scores.begin() + 1100), 0.5);
}

TEST(LikelihoodDetectorTest, RejectsBadParamsAndInput) {
  for (const auto& [name, value] :
       std::vector<std::pair<std::string, double>>{{"window", 1},
                                                   {"short_window", 0},
                                                   {"min_history", 0},
                                                   {"min_sd", 0},
                                                   {"inner_fit", 0},
                                                   {"inner_fit", 1.5},
                                                   {"spatial_tolerance", -1},
                                                   {"suppress", 0.5},
                                                   {"threshold", 0}}) {
    auto detector = CreateDetector({"likelihood_contextual", {{name, value}}});
    ASSERT_FALSE(detector.ok()) << name << "=" << value;
    EXPECT_THAT(detector.status().message(), HasSubstr("\"" + name + "\""));
  }
  auto inner_bad = CreateDetector({"likelihood_contextual", {{"inner.bits", 9}}});
  ASSERT_FALSE(inner_bad.ok());
  EXPECT_THAT(inner_bad.status().message(), HasSubstr("\"bits\""));
  EXPECT_FALSE(CreateDetector({"likelihood_pca", {}}).ok());

  auto detector = testing::MustCreate("likelihood_windowed_gaussian");
  EXPECT_EQ(detector->Score(std::vector<double>{1.0}).status().code(),
            StatusCode::kFailedPrecondition);
  EXPECT_FALSE(detector->Fit({}).ok());
  ASSERT_TRUE(detector->Fit({{1}, {2}, {3}, {4}}).ok());
  EXPECT_FALSE(detector->Score(std::vector<double>{std::nan("")}).ok());
  EXPECT_FALSE(detector->Score(std::vector<double>{1.0, 2.0}).ok());
}

}  // namespace
}  // namespace keel::edge::inference
