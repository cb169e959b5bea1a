#include "edge/inference/mahalanobis_detector.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <Eigen/LU>
#include <cmath>

#include "unit/edge/inference/detector_test_util.h"

namespace keel::edge::inference {
namespace {

using ::testing::HasSubstr;
using testing::MustCreate;
using testing::Rows;

TEST(MahalanobisDetectorTest, MatchesExplicitInverse) {
  const Rows train = testing::PlaneRows(150, 5, 21);
  auto detector = MustCreate("mahalanobis");
  ASSERT_TRUE(detector->Fit(train).ok());

  const size_t n = train.size();
  const size_t d = train[0].size();
  Eigen::VectorXd mean = Eigen::VectorXd::Zero(5);
  for (const auto& row : train) {
    for (size_t i = 0; i < d; ++i) mean(static_cast<Eigen::Index>(i)) += row[i] / n;
  }
  Eigen::MatrixXd cov = Eigen::MatrixXd::Zero(5, 5);
  for (const auto& row : train) {
    Eigen::VectorXd diff = Eigen::Map<const Eigen::VectorXd>(row.data(), 5) - mean;
    cov += diff * diff.transpose() / static_cast<double>(n - 1);
  }
  const double ridge = 1e-6 * cov.trace() / 5.0;
  const Eigen::MatrixXd inverse = (cov + ridge * Eigen::MatrixXd::Identity(5, 5)).inverse();
  auto distance = [&](const std::vector<double>& x) {
    Eigen::VectorXd diff = Eigen::Map<const Eigen::VectorXd>(x.data(), 5) - mean;
    return diff.dot(inverse * diff);
  };
  std::vector<double> in_sample;
  for (const auto& row : train) in_sample.push_back(distance(row));
  const double limit = testing::ReferenceQuantile(in_sample, 0.99);

  const auto& m = dynamic_cast<MahalanobisDetector&>(*detector);
  EXPECT_NEAR(m.ridge_added(), ridge, 1e-15);
  EXPECT_NEAR(m.distance_limit(), limit, 1e-6 * limit);
  for (const auto& x : testing::PlaneRows(10, 5, 22)) {
    EXPECT_NEAR(*m.SquaredDistance(x), distance(x), 1e-6 * distance(x));
    EXPECT_NEAR(*detector->Score(x), distance(x) / limit, 1e-6 * distance(x) / limit);
  }
}

TEST(MahalanobisDetectorTest, SeparatesOutliers) {
  const Rows train = testing::PlaneRows(400, 8, 31);
  auto detector = MustCreate("mahalanobis", {{"quantile", 0.995}});
  ASSERT_TRUE(detector->Fit(train).ok());
  int flagged = 0;
  for (const auto& row : testing::PlaneRows(200, 8, 32)) {
    flagged += detector->IsAnomaly(*detector->Score(row)) ? 1 : 0;
  }
  EXPECT_LT(flagged, 10);
  std::vector<double> off = train[0];
  off[5] -= 2.0;  // 40 noise standard deviations off the plane
  EXPECT_GT(*detector->Score(off), 20.0);
}

TEST(MahalanobisDetectorTest, SingularCovarianceNeedsRidge) {
  Rows rows;
  for (int i = 0; i < 10; ++i) rows.push_back({static_cast<double>(i % 4), 1.0 * i, 5.0});
  auto no_ridge = MustCreate("mahalanobis", {{"ridge", 0.0}});
  Status status = no_ridge->Fit(rows);
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("ridge"));
  EXPECT_EQ(no_ridge->Score(rows[0]).status().code(), StatusCode::kFailedPrecondition);

  auto with_ridge = MustCreate("mahalanobis");
  ASSERT_TRUE(with_ridge->Fit(rows).ok());
  const std::vector<double> moved = {1.0, 4.0, 5.5};
  const double score = *with_ridge->Score(moved);
  EXPECT_TRUE(std::isfinite(score));
  EXPECT_GT(score, 100.0);
}

TEST(MahalanobisDetectorTest, DeterministicAndStateless) {
  const Rows train = testing::PlaneRows(80, 4, 41);
  const Rows stream = testing::PlaneRows(30, 4, 42);
  auto a = MustCreate("mahalanobis");
  auto b = MustCreate("mahalanobis");
  ASSERT_TRUE(a->Fit(train).ok());
  ASSERT_TRUE(b->Fit(train).ok());
  std::vector<double> full;
  for (const auto& row : stream) full.push_back(*a->Score(row));
  for (size_t i = 0; i < 15; ++i) EXPECT_EQ(*b->Score(stream[i]), full[i]);
}

TEST(MahalanobisDetectorTest, RefitReplacesModel) {
  auto detector = MustCreate("mahalanobis");
  ASSERT_TRUE(detector->Fit(testing::PlaneRows(50, 3, 1)).ok());
  EXPECT_EQ(detector->Fit({{1, 2}, {2, 1}, {0, 5}, {3, 3}}).code(), StatusCode::kOk);
  const std::vector<double> two = {1, 2};
  EXPECT_TRUE(detector->Score(two).ok());
}

}  // namespace
}  // namespace keel::edge::inference
