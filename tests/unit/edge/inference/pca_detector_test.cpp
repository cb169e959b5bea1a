#include "edge/inference/pca_detector.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

#include "unit/edge/inference/detector_test_util.h"

namespace keel::edge::inference {
namespace {

using testing::MustCreate;
using testing::Rows;

// A 3-D design with known principal structure: x1 = 5 + u + w,
// x2 = -3 + u - w, x3 = 7 + 2v over the full factorial u in {-2,-1,1,2},
// w in {-0.2,-0.1,0.1,0.2}, v in {-1,1} (32 rows; u, w, v zero-mean and
// mutually orthogonal). Standardized, the correlation matrix is
// [[1 r 0] [r 1 0] [0 0 1]] with r = (80 - 0.8) / 80.8, so the components are
// (1,1,0)/sqrt2 (eigenvalue 1 + r), (0,0,1) (1) and (1,-1,0)/sqrt2 (1 - r);
// variance 0.95 keeps the first two.
struct Design {
  Rows rows;
  double s12 = std::sqrt(80.8 / 31.0);
  double s3 = std::sqrt(128.0 / 31.0);
  double r = 79.2 / 80.8;

  Design() {
    for (double u : {-2.0, -1.0, 1.0, 2.0}) {
      for (double w : {-0.2, -0.1, 0.1, 0.2}) {
        for (double v : {-1.0, 1.0}) rows.push_back({5 + u + w, -3 + u - w, 7 + 2 * v});
      }
    }
  }
  double T2(const std::vector<double>& x) const {
    const double z1 = (x[0] - 5) / s12;
    const double z2 = (x[1] + 3) / s12;
    const double z3 = (x[2] - 7) / s3;
    const double ta = (z1 + z2) / std::sqrt(2.0);
    return ta * ta / (1 + r) + z3 * z3;
  }
  double Q(const std::vector<double>& x) const {
    const double tb = ((x[0] - 5) - (x[1] + 3)) / s12 / std::sqrt(2.0);
    return tb * tb;
  }
};

TEST(PcaDetectorTest, MatchesHandComputedT2AndQ) {
  const Design design;
  auto detector = MustCreate("pca");
  ASSERT_TRUE(detector->Fit(design.rows).ok());
  auto* pca = dynamic_cast<PcaDetector*>(detector.get());
  ASSERT_NE(pca, nullptr);

  ASSERT_EQ(pca->components().cols(), 2);
  EXPECT_NEAR(pca->eigenvalues()(0), 1 + design.r, 1e-12);
  EXPECT_NEAR(pca->eigenvalues()(1), 1.0, 1e-12);
  EXPECT_NEAR(std::abs(pca->components()(0, 0)), 1 / std::sqrt(2.0), 1e-9);
  EXPECT_NEAR(std::abs(pca->components()(2, 1)), 1.0, 1e-9);

  std::vector<double> t2;
  std::vector<double> q;
  for (const auto& row : design.rows) {
    t2.push_back(design.T2(row));
    q.push_back(design.Q(row));
  }
  const double t2_limit = testing::ReferenceQuantile(t2, 0.99);
  const double q_limit = testing::ReferenceQuantile(q, 0.99);
  EXPECT_NEAR(pca->t2_limit(), t2_limit, 1e-9 * t2_limit);
  EXPECT_NEAR(pca->q_limit(), q_limit, 1e-9 * q_limit);

  const Rows probes = {{5, -3, 7}, {8, 0, 7}, {5.5, -3.5, 7}, {6, -3, 12}, {4, -1, 3}};
  for (const auto& x : probes) {
    auto stats = pca->Decompose(x);
    ASSERT_TRUE(stats.ok());
    EXPECT_NEAR(stats->t2, design.T2(x), 1e-9 * (1 + design.T2(x)));
    EXPECT_NEAR(stats->q, design.Q(x), 1e-9 * (1 + design.Q(x)));
    const double expected = std::max(design.T2(x) / t2_limit, design.Q(x) / q_limit);
    EXPECT_NEAR(*detector->Score(x), expected, 1e-9 * expected);
  }
}

TEST(PcaDetectorTest, VarianceParamControlsKeptComponents) {
  const Design design;
  auto one = MustCreate("pca", {{"variance", 0.6}});
  auto all = MustCreate("pca", {{"variance", 1.0}});
  ASSERT_TRUE(one->Fit(design.rows).ok());
  ASSERT_TRUE(all->Fit(design.rows).ok());
  EXPECT_EQ(dynamic_cast<PcaDetector&>(*one).components().cols(), 1);
  EXPECT_EQ(dynamic_cast<PcaDetector&>(*all).components().cols(), 3);
  // With every component kept there is no residual: the score is T^2 alone.
  const std::vector<double> x = {5.5, -3.5, 7};
  const auto& pca = dynamic_cast<PcaDetector&>(*all);
  EXPECT_NEAR(*all->Score(x), pca.Decompose(x)->t2 / pca.t2_limit(), 1e-12);
}

TEST(PcaDetectorTest, SeparatesOffManifoldPoints) {
  const Rows train = testing::PlaneRows(400, 8, 11);
  const Rows fresh = testing::PlaneRows(200, 8, 12);
  auto detector = MustCreate("pca");
  ASSERT_TRUE(detector->Fit(train).ok());
  int flagged = 0;
  for (const auto& row : fresh) flagged += detector->IsAnomaly(*detector->Score(row)) ? 1 : 0;
  EXPECT_LT(flagged, 12);  // ~2 % expected from two 99 % limits

  std::vector<double> off_plane = fresh[0];
  off_plane[2] += 2.0;  // 40 noise standard deviations off the plane
  EXPECT_GT(*detector->Score(off_plane), 20.0);
  std::vector<double> far_along = fresh[0];
  for (size_t i = 0; i < far_along.size(); ++i) {
    far_along[i] += 30.0 * std::cos(0.7 * static_cast<double>(i));  // 10 sigma along u
  }
  EXPECT_GT(*detector->Score(far_along), 5.0);
}

TEST(PcaDetectorTest, ExactSubspaceDataUsesFlooredLimit) {
  Rows rows;
  for (int i = 0; i < 20; ++i) rows.push_back({static_cast<double>(i), 2.0 * i, 4.0});
  auto detector = MustCreate("pca");
  ASSERT_TRUE(detector->Fit(rows).ok());
  const std::vector<double> on = {3.5, 7.0, 4.0};
  const std::vector<double> off = {3.5, 7.5, 4.0};
  const std::vector<double> constant_moved = {3.5, 7.0, 4.1};
  EXPECT_LT(*detector->Score(on), 1.0);
  EXPECT_GT(*detector->Score(off), 1e5);
  const double moved = *detector->Score(constant_moved);
  EXPECT_TRUE(std::isfinite(moved));
  EXPECT_GT(moved, 1e6);
}

TEST(PcaDetectorTest, DeterministicAndStateless) {
  const Rows train = testing::PlaneRows(100, 6, 3);
  const Rows stream = testing::PlaneRows(40, 6, 4);
  auto a = MustCreate("pca");
  auto b = MustCreate("pca");
  ASSERT_TRUE(a->Fit(train).ok());
  ASSERT_TRUE(b->Fit(train).ok());
  std::vector<double> full;
  for (const auto& row : stream) full.push_back(*a->Score(row));
  for (size_t i = 0; i < 20; ++i) EXPECT_EQ(*b->Score(stream[i]), full[i]);
  EXPECT_EQ(*a->Score(stream[5]), full[5]);
}

}  // namespace
}  // namespace keel::edge::inference
