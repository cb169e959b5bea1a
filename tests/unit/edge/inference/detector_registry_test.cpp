#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "edge/inference/detector.h"
#include "unit/edge/inference/detector_test_util.h"

namespace keel::edge::inference {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(DetectorRegistryTest, KindsAreSorted) {
  EXPECT_THAT(
      DetectorKinds(),
      ElementsAre("contextual", "discord", "ensemble", "ewma", "likelihood_contextual",
                  "likelihood_ewma", "likelihood_windowed_gaussian", "likelihood_zscore",
                  "mahalanobis", "pca", "relative_entropy", "resonance", "smoothed_ewma",
                  "smoothed_mahalanobis", "smoothed_pca", "smoothed_relative_entropy",
                  "smoothed_windowed_gaussian", "smoothed_zscore", "windowed_gaussian", "zscore"));
}

TEST(DetectorRegistryTest, CreatesEveryKindWithDefaults) {
  for (const auto& kind : DetectorKinds()) {
    auto detector = CreateDetector({kind, {}});
    ASSERT_TRUE(detector.ok()) << kind << ": " << detector.status().ToString();
    EXPECT_EQ((*detector)->kind(), kind);
  }
}

TEST(DetectorRegistryTest, DefaultThresholds) {
  EXPECT_EQ(testing::MustCreate("pca")->threshold(), 1.0);
  EXPECT_EQ(testing::MustCreate("mahalanobis")->threshold(), 1.0);
  EXPECT_EQ(testing::MustCreate("zscore")->threshold(), 3.5);
  EXPECT_EQ(testing::MustCreate("ewma")->threshold(), 4.0);
  EXPECT_EQ(testing::MustCreate("pca", {{"threshold", 2.5}})->threshold(), 2.5);
}

TEST(DetectorRegistryTest, IsAnomalyIsStrictlyAboveThreshold) {
  auto detector = testing::MustCreate("mahalanobis", {{"threshold", 2.0}});
  EXPECT_FALSE(detector->IsAnomaly(2.0));
  EXPECT_TRUE(detector->IsAnomaly(2.0001));
}

TEST(DetectorRegistryTest, UnknownKindNamesIt) {
  auto detector = CreateDetector({"isolation_forest", {}});
  ASSERT_FALSE(detector.ok());
  EXPECT_EQ(detector.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(detector.status().message(), HasSubstr("\"isolation_forest\""));
  EXPECT_THAT(detector.status().message(), HasSubstr("pca"));
}

TEST(DetectorRegistryTest, UnknownParamNamesIt) {
  for (const auto& kind : DetectorKinds()) {
    auto detector = CreateDetector({kind, {{"varience", 0.9}}});
    ASSERT_FALSE(detector.ok()) << kind;
    EXPECT_EQ(detector.status().code(), StatusCode::kInvalidArgument);
    EXPECT_THAT(detector.status().message(), HasSubstr("\"varience\""));
  }
}

struct BadParam {
  const char* kind;
  const char* name;
  double value;
};

TEST(DetectorRegistryTest, OutOfRangeParamsNameThem) {
  const BadParam cases[] = {
      {"zscore", "alpha", -0.1},
      {"zscore", "alpha", 1.0},
      {"zscore", "threshold", 0.0},
      {"ewma", "alpha", 0.0},
      {"ewma", "alpha", 1.5},
      {"ewma", "warmup", 1},
      {"ewma", "warmup", 2.5},
      {"ewma", "threshold", -1},
      {"pca", "variance", 0.0},
      {"pca", "variance", 1.01},
      {"pca", "quantile", 0.0},
      {"pca", "threshold", std::nan("")},
      {"mahalanobis", "ridge", -1e-3},
      {"mahalanobis", "quantile", 2},
      {"mahalanobis", "threshold", std::numeric_limits<double>::infinity()},
      {"resonance", "rho", 1.0},
      {"resonance", "rho_min", -0.1},
      {"resonance", "window", 0},
      {"resonance", "step", 1.5},
      {"discord", "window", 1},
      {"discord", "normalise", 0.5},
      {"discord", "min_limit", 2.5},
      {"ensemble", "threshold", 0.0},
      {"ensemble", "resonance.window", 65},
      {"ensemble", "contextual.bits", 9},
  };
  for (const auto& c : cases) {
    auto detector = CreateDetector({c.kind, {{c.name, c.value}}});
    ASSERT_FALSE(detector.ok()) << c.kind << " " << c.name << "=" << c.value;
    EXPECT_EQ(detector.status().code(), StatusCode::kInvalidArgument);
    const std::string name = c.name;
    EXPECT_THAT(detector.status().message(),
                HasSubstr("\"" + name.substr(name.find('.') + 1) + "\""));
  }
}

TEST(DetectorRegistryTest, BoundaryParamsAreAccepted) {
  EXPECT_TRUE(CreateDetector({"pca", {{"variance", 1.0}, {"quantile", 1.0}}}).ok());
  EXPECT_TRUE(CreateDetector({"ewma", {{"alpha", 1.0}, {"warmup", 2}}}).ok());
  EXPECT_TRUE(CreateDetector({"zscore", {{"alpha", 0.0}}}).ok());
  EXPECT_TRUE(CreateDetector({"mahalanobis", {{"ridge", 0.0}}}).ok());
}

TEST(DetectorRegistryTest, ScoreBeforeFitIsFailedPreconditionExceptOnlineKinds) {
  const std::vector<double> x = {1.0, 2.0};
  for (const auto& kind : DetectorKinds()) {
    auto detector = testing::MustCreate(kind);
    auto score = detector->Score(x);
    if (kind == "ewma" || kind == "windowed_gaussian") {
      EXPECT_TRUE(score.ok()) << score.status().ToString();
    } else {
      ASSERT_FALSE(score.ok()) << kind;
      EXPECT_EQ(score.status().code(), StatusCode::kFailedPrecondition) << kind;
    }
  }
}

TEST(DetectorRegistryTest, FitRejectsEmptyRaggedAndNonFiniteRows) {
  const std::vector<std::vector<std::vector<double>>> bad = {
      {},
      {{}, {}},
      {{1, 2}, {3, 4}, {5}, {6, 7}},
      {{1, 2}, {3, std::nan("")}, {5, 6}, {6, 7}},
      {{1, 2}, {3, 4}, {5, 6}, {6, std::numeric_limits<double>::infinity()}},
  };
  for (const auto& kind : DetectorKinds()) {
    for (size_t i = 0; i < bad.size(); ++i) {
      auto detector = testing::MustCreate(kind);
      Status status = detector->Fit(bad[i]);
      EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << kind << " case " << i;
      EXPECT_THAT(status.message(), HasSubstr(kind)) << status.message();
    }
  }
}

TEST(DetectorRegistryTest, PcaAndMahalanobisNeedMoreRowsThanDimensions) {
  const std::vector<std::vector<double>> rows = {{1, 2, 3}, {2, 1, 0}, {0, 5, 1}};
  for (const char* kind : {"pca", "mahalanobis"}) {
    auto detector = testing::MustCreate(kind);
    Status status = detector->Fit(rows);
    EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << kind;
    EXPECT_THAT(status.message(), HasSubstr("more rows than dimensions"));
  }
}

TEST(DetectorRegistryTest, ScoreRejectsWrongDimensionAndNonFinite) {
  const std::vector<std::vector<double>> rows = {{1, 2}, {2, 1}, {0, 5}, {3, 3}, {1, 4}};
  for (const auto& kind : DetectorKinds()) {
    auto detector = testing::MustCreate(kind);
    ASSERT_TRUE(detector->Fit(rows).ok()) << kind;
    const std::vector<double> short_x = {1.0};
    const std::vector<double> nan_x = {1.0, std::nan("")};
    auto wrong = detector->Score(short_x);
    EXPECT_EQ(wrong.status().code(), StatusCode::kInvalidArgument) << kind;
    EXPECT_THAT(wrong.status().message(), HasSubstr("expected 2"));
    EXPECT_EQ(detector->Score(nan_x).status().code(), StatusCode::kInvalidArgument) << kind;
  }
}

}  // namespace
}  // namespace keel::edge::inference
