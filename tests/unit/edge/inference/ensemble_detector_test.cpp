#include "edge/inference/ensemble_detector.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "common/random.h"
#include "unit/edge/inference/detector_test_util.h"

namespace keel::edge::inference {
namespace {

using ::testing::HasSubstr;

std::vector<double> Stream(uint64_t seed) {
  SeededRandom random(seed);
  std::vector<double> values;
  for (size_t i = 0; i < 2000; ++i) {
    values.push_back(std::sin(0.15 * static_cast<double>(i)) + 0.1 * random.Gaussian() +
                     (i >= 1400 && i < 1500 ? 1.5 : 0.0) + (i == 1800 ? 9.0 : 0.0));
  }
  return values;
}

// Runs the ensemble and standalone members built with the member parameters
// it should have; each ensemble score must be the largest member score over
// that member's threshold.
void ExpectLargestRatio(const std::map<std::string, double>& ensemble_params,
                        const std::map<std::string, double>& resonance_params,
                        const std::map<std::string, double>& contextual_params) {
  const std::vector<double> values = Stream(1);
  auto ensemble = testing::MustCreate("ensemble", ensemble_params);
  auto resonance = testing::MustCreate("resonance", resonance_params);
  auto contextual = testing::MustCreate("contextual", contextual_params);
  for (Detector* d : {ensemble.get(), resonance.get(), contextual.get()}) {
    ASSERT_TRUE(d->Fit(testing::FirstRows(values, 300)).ok());
  }
  const auto e = testing::ScoreAll(*ensemble, values, 300, values.size());
  const auto r = testing::ScoreAll(*resonance, values, 300, values.size());
  const auto c = testing::ScoreAll(*contextual, values, 300, values.size());
  ASSERT_EQ(e.size(), r.size());
  size_t alarms = 0;
  for (size_t i = 0; i < e.size(); ++i) {
    EXPECT_DOUBLE_EQ(e[i], std::max(r[i] / resonance->threshold(), c[i] / contextual->threshold()))
        << i;
    if (ensemble->IsAnomaly(e[i])) ++alarms;
  }
  EXPECT_GT(alarms, 0U);
}

TEST(EnsembleDetectorTest, ScoreIsTheLargestMemberScoreOverItsThreshold) {
  ExpectLargestRatio({}, {}, {{"margin", 0.2}, {"threshold", 0.82}});
}

TEST(EnsembleDetectorTest, MemberParametersAreRoutedByPrefix) {
  ExpectLargestRatio({{"resonance.threshold", 0.25},
                      {"resonance.window", 4},
                      {"contextual.threshold", 0.5},
                      {"contextual.bits", 4}},
                     {{"threshold", 0.25}, {"window", 4}},
                     {{"margin", 0.2}, {"threshold", 0.5}, {"bits", 4}});
}

TEST(EnsembleDetectorTest, DefaultThresholdIsOneAndCanBeSet) {
  EXPECT_EQ(testing::MustCreate("ensemble")->threshold(), 1.0);
  EXPECT_EQ(testing::MustCreate("ensemble", {{"threshold", 1.5}})->threshold(), 1.5);
}

TEST(EnsembleDetectorTest, UnknownMemberParameterNamesItAndTheEnsemble) {
  auto detector = CreateDetector({"ensemble", {{"resonance.vigilance", 0.9}}});
  ASSERT_FALSE(detector.ok());
  EXPECT_EQ(detector.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(detector.status().message(), HasSubstr("ensemble"));
  EXPECT_THAT(detector.status().message(), HasSubstr("\"vigilance\""));
}

TEST(EnsembleDetectorTest, FitErrorNamesTheMember) {
  auto detector = testing::MustCreate("ensemble");
  Status status = detector->Fit({{1.0}});  // contextual accepts one row, resonance needs two
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("member resonance"));
}

}  // namespace
}  // namespace keel::edge::inference
