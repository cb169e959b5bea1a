#include "edge/inference/mode_conditioned_detector.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "unit/edge/inference/detector_test_util.h"

namespace keel::edge::inference {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::Rows;

// Mode 0 ("idle") around 0, mode 1 ("run") around 50 in every dimension.
Rows ModeRows(double offset, uint64_t seed) {
  Rows rows = testing::PlaneRows(200, 4, seed);
  for (auto& row : rows) {
    for (double& v : row) v += offset;
  }
  return rows;
}

std::unique_ptr<ModeConditionedDetector> Make(UnknownModePolicy policy,
                                              DetectorConfig config = {"mahalanobis", {}}) {
  auto detector = ModeConditionedDetector::Create(std::move(config), policy);
  EXPECT_TRUE(detector.ok()) << detector.status().ToString();
  return std::move(detector).value();
}

TEST(ModeConditionedDetectorTest, JudgesEachModeAgainstItsOwnModel) {
  auto detector = Make(UnknownModePolicy::kReject);
  ASSERT_TRUE(detector->FitForMode(0, ModeRows(0, 1)).ok());
  ASSERT_TRUE(detector->FitForMode(1, ModeRows(50, 2)).ok());
  EXPECT_THAT(detector->modes(), ElementsAre(0, 1));
  EXPECT_EQ(detector->threshold(), 1.0);

  const std::vector<double> running = ModeRows(50, 3)[0];
  EXPECT_FALSE(detector->IsAnomaly(*detector->ScoreInMode(1, running)));
  EXPECT_GT(*detector->ScoreInMode(0, running), 100.0);

  // Same result as a stand-alone detector fitted on that mode's rows.
  auto alone = testing::MustCreate("mahalanobis");
  ASSERT_TRUE(alone->Fit(ModeRows(50, 2)).ok());
  EXPECT_EQ(*detector->ScoreInMode(1, running), *alone->Score(running));
  EXPECT_EQ(detector->unknown_mode_count(), 0);
}

TEST(ModeConditionedDetectorTest, UnknownModeScoreZeroCounts) {
  auto detector = Make(UnknownModePolicy::kScoreZero);
  ASSERT_TRUE(detector->FitForMode(0, ModeRows(0, 1)).ok());
  const std::vector<double> x = {1e6, 1e6, 1e6, 1e6};
  EXPECT_EQ(*detector->ScoreInMode(7, x), 0.0);
  EXPECT_EQ(*detector->ScoreInMode(8, x), 0.0);
  EXPECT_EQ(detector->unknown_mode_count(), 2);
}

TEST(ModeConditionedDetectorTest, UnknownModeRejectNamesMode) {
  auto detector = Make(UnknownModePolicy::kReject);
  const std::vector<double> x = {0, 0, 0, 0};
  auto score = detector->ScoreInMode(42, x);
  EXPECT_EQ(score.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(score.status().message(), HasSubstr("mode 42"));
}

TEST(ModeConditionedDetectorTest, UnknownModeUsesGlobalAfterFit) {
  auto detector = Make(UnknownModePolicy::kUseGlobal);
  const std::vector<double> x = ModeRows(0, 4)[0];
  EXPECT_EQ(detector->ScoreInMode(3, x).status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(detector->Score(x).status().code(), StatusCode::kFailedPrecondition);
  ASSERT_TRUE(detector->Fit(ModeRows(0, 1)).ok());
  EXPECT_EQ(*detector->ScoreInMode(3, x), *detector->Score(x));
  EXPECT_EQ(detector->unknown_mode_count(), 1);
}

TEST(ModeConditionedDetectorTest, FailedFitForModeKeepsPreviousModel) {
  auto detector = Make(UnknownModePolicy::kReject);
  ASSERT_TRUE(detector->FitForMode(0, ModeRows(0, 1)).ok());
  const std::vector<double> x = ModeRows(0, 5)[0];
  const double before = *detector->ScoreInMode(0, x);
  Status status = detector->FitForMode(0, {{1, 2, 3, 4}});
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("mode 0"));
  EXPECT_EQ(*detector->ScoreInMode(0, x), before);
  EXPECT_FALSE(detector->FitForMode(1, {{1, std::nan("")}}).ok());
  EXPECT_THAT(detector->modes(), ElementsAre(0));
}

TEST(ModeConditionedDetectorTest, ScoreErrorsNameTheMode) {
  auto detector = Make(UnknownModePolicy::kReject);
  ASSERT_TRUE(detector->FitForMode(2, ModeRows(0, 1)).ok());
  const std::vector<double> wrong = {1.0};
  auto score = detector->ScoreInMode(2, wrong);
  EXPECT_EQ(score.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(score.status().message(), HasSubstr("mode 2"));
}

TEST(ModeConditionedDetectorTest, BadConfigFailsCreate) {
  auto unknown = ModeConditionedDetector::Create({"nope", {}}, UnknownModePolicy::kScoreZero);
  EXPECT_EQ(unknown.status().code(), StatusCode::kInvalidArgument);
  auto bad_param =
      ModeConditionedDetector::Create({"pca", {{"variance", 2}}}, UnknownModePolicy::kScoreZero);
  EXPECT_EQ(bad_param.status().code(), StatusCode::kInvalidArgument);
}

TEST(ModeConditionedDetectorTest, OnlineKindsKeepPerModeState) {
  auto detector = Make(UnknownModePolicy::kReject, {"ewma", {{"warmup", 2}}});
  ASSERT_TRUE(detector->FitForMode(0, {{0.0}, {1.0}, {0.0}, {1.0}}).ok());
  ASSERT_TRUE(detector->FitForMode(1, {{100.0}, {101.0}, {100.0}, {101.0}}).ok());
  const std::vector<double> low = {0.5};
  const std::vector<double> high = {100.5};
  EXPECT_LT(*detector->ScoreInMode(0, low), 1.0);
  EXPECT_LT(*detector->ScoreInMode(1, high), 1.0);
  EXPECT_GT(*detector->ScoreInMode(0, high), 100.0);
}

}  // namespace
}  // namespace keel::edge::inference

namespace keel::edge::inference {
namespace {

// A factory (e.g. a model bundle) builds each mode's detector; each keeps the
// threshold it was built with, and the mode's own threshold judges its scores.
TEST(ModeConditionedDetectorTest, FactoryDetectorsKeepTheirOwnThresholds) {
  double next_threshold = 1.0;
  auto created = ModeConditionedDetector::CreateWith(
      [&]() -> Result<std::unique_ptr<Detector>> {
        DetectorConfig config{"mahalanobis", {{"threshold", next_threshold}}};
        next_threshold *= 10;
        return CreateDetector(config);
      },
      UnknownModePolicy::kScoreZero);
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  auto& detector = **created;                                 // global: threshold 1
  ASSERT_TRUE(detector.FitForMode(0, ModeRows(0, 1)).ok());   // 10
  ASSERT_TRUE(detector.FitForMode(1, ModeRows(50, 2)).ok());  // 100
  EXPECT_EQ(detector.ThresholdInMode(0), 10.0);
  EXPECT_EQ(detector.ThresholdInMode(1), 100.0);
  EXPECT_EQ(detector.ThresholdInMode(7), 1.0);  // no model of its own: the global one's
  EXPECT_TRUE(detector.IsAnomalyInMode(0, 50.0));
  EXPECT_FALSE(detector.IsAnomalyInMode(1, 50.0));

  auto failing = ModeConditionedDetector::CreateWith(
      []() -> Result<std::unique_ptr<Detector>> { return Status::NotFound("no bundle"); },
      UnknownModePolicy::kScoreZero);
  EXPECT_EQ(failing.status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace keel::edge::inference
