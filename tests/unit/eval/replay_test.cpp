#include "eval/replay.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "common/random.h"

namespace keel::eval {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// Test-only detector: |x0 - mean of everything seen so far|, stateful so a
// look-ahead or reordering would change its outputs.
class RunningMeanDetector : public edge::inference::Detector {
 public:
  std::string_view kind() const override { return "running_mean"; }
  Status Fit(const std::vector<std::vector<double>>& normal) override {
    if (normal.empty()) return Status::InvalidArgument("empty");
    for (const auto& x : normal) Add(x[0]);
    ++fits;
    return Status::Ok();
  }
  Result<double> Score(std::span<const double> x) override {
    if (count_ == 0) return Status::FailedPrecondition("not fitted");
    if (!std::isfinite(x[0])) return Status::InvalidArgument("not finite");
    const double s = std::abs(x[0] - sum_ / count_);
    Add(x[0]);
    return s;
  }
  double threshold() const override { return 2.0; }
  int fits = 0;

 private:
  void Add(double v) {
    sum_ += v;
    ++count_;
  }
  double sum_ = 0;
  double count_ = 0;
};

TEST(ReplayTest, MultivariateFitsOnTrainingRowsAndPredictsTheRest) {
  std::vector<std::vector<double>> columns{{0, 0, 0, 0, 5, 0}, {1, 1, 1, 1, 1, 1}};
  RunningMeanDetector detector;
  auto predictions = ReplayMultivariate(columns, detector, 4);
  ASSERT_TRUE(predictions.ok()) << predictions.status().ToString();
  // Row 4: |5 - 0| = 5 > 2; row 5: |0 - 1| = 1.
  EXPECT_THAT(*predictions, ElementsAre(0, 0, 0, 0, 1, 0));
  EXPECT_EQ(detector.fits, 1);
}

TEST(ReplayTest, ShortFileIsAllNormalWithoutFitting) {
  RunningMeanDetector detector;
  auto predictions = ReplayMultivariate({{9, 9, 9}}, detector, 3);
  ASSERT_TRUE(predictions.ok());
  EXPECT_THAT(*predictions, ElementsAre(0, 0, 0));
  EXPECT_EQ(detector.fits, 0);
}

TEST(ReplayTest, DetectorErrorsNameTheRow) {
  RunningMeanDetector detector;
  auto predictions = ReplayMultivariate({{0, 0, NAN}}, detector, 2);
  ASSERT_FALSE(predictions.ok());
  EXPECT_THAT(predictions.status().message(), HasSubstr("row 2"));
  EXPECT_FALSE(ReplayMultivariate({{0, 0}, {0}}, detector, 1).ok());
  EXPECT_FALSE(ReplayMultivariate({}, detector, 1).ok());
}

TEST(ReplayTest, ChangepointsMarkTheFirstRowOfEachRun) {
  std::vector<uint8_t> anomaly{1, 1, 0, 0, 1, 0, 1, 1, 1};
  EXPECT_THAT(ChangepointsOf(anomaly), ElementsAre(1, 0, 0, 0, 1, 0, 1, 0, 0));
}

TEST(ReplayTest, UnivariateScoresAreInUnitIntervalAndMonotone) {
  EXPECT_EQ(UnitAnomalyScore(-3.0, 2.0), 0.0);
  EXPECT_EQ(UnitAnomalyScore(2.0, 2.0), 0.5);
  EXPECT_LT(UnitAnomalyScore(3.0, 2.0), UnitAnomalyScore(4.0, 2.0));
  EXPECT_EQ(UnitAnomalyScore(INFINITY, 2.0), 1.0);
  EXPECT_EQ(UnitAnomalyScore(1.0, 0.0), 0.5);

  std::vector<double> values{0, 0, 0, 6, 0};
  RunningMeanDetector detector;
  auto scores = ReplayUnivariate(values, detector, 3);
  ASSERT_TRUE(scores.ok()) << scores.status().ToString();
  EXPECT_THAT(*scores, ElementsAre(0.0, 0.0, 0.0, 0.75, 1.5 / 3.5));
  EXPECT_FALSE(ReplayUnivariate(values, detector, 0).ok());
  EXPECT_FALSE(ReplayUnivariate(values, detector, 5).ok());
}

std::vector<std::vector<double>> Signals(size_t rows, uint64_t seed) {
  SeededRandom random(seed);
  std::vector<std::vector<double>> columns(3, std::vector<double>(rows));
  for (size_t i = 0; i < rows; ++i) {
    const double shift = (i >= 450 && i < 500) ? 4.0 : 0.0;
    columns[0][i] = random.Gaussian() + shift;
    columns[1][i] = 0.5 * columns[0][i] + random.Gaussian();
    columns[2][i] = 10.0 + random.Gaussian() - shift;
  }
  return columns;
}

std::vector<std::vector<double>> Truncate(std::vector<std::vector<double>> columns, size_t k) {
  for (auto& c : columns) c.resize(k);
  return columns;
}

// [causality] Running on a file truncated at row k gives the same
// predictions for rows < k, with the real detectors and the stateful test one.
TEST(ReplayTest, MultivariatePredictionsAreCausal) {
  const auto full = Signals(600, 7);
  for (const char* kind : {"pca", "mahalanobis", "zscore", "ewma", "running_mean"}) {
    auto make = [&]() -> std::unique_ptr<edge::inference::Detector> {
      if (std::string_view(kind) == "running_mean") return std::make_unique<RunningMeanDetector>();
      auto d = edge::inference::CreateDetector({kind, {}});
      EXPECT_TRUE(d.ok()) << kind << ": " << d.status().ToString();
      return d.ok() ? std::move(d).value() : nullptr;
    };
    auto detector = make();
    ASSERT_NE(detector, nullptr);
    auto reference = ReplayMultivariate(full, *detector, 400);
    ASSERT_TRUE(reference.ok()) << kind << ": " << reference.status().ToString();
    EXPECT_GT(std::count(reference->begin(), reference->end(), 1), 0) << kind;
    for (size_t k : {1u, 399u, 400u, 401u, 455u, 520u, 599u}) {
      auto truncated_detector = make();
      auto truncated = ReplayMultivariate(Truncate(full, k), *truncated_detector, 400);
      ASSERT_TRUE(truncated.ok()) << kind << " k=" << k;
      ASSERT_EQ(truncated->size(), k);
      EXPECT_TRUE(std::equal(truncated->begin(), truncated->end(), reference->begin()))
          << kind << " k=" << k;
    }
  }
}

TEST(ReplayTest, UnivariateScoresAreCausal) {
  const std::vector<double> full = Signals(600, 11)[0];
  for (const char* kind : {"ewma", "zscore", "contextual", "resonance", "discord", "ensemble"}) {
    auto detector = edge::inference::CreateDetector({kind, {}});
    ASSERT_TRUE(detector.ok()) << kind;
    auto reference = ReplayUnivariate(full, **detector, 90);
    ASSERT_TRUE(reference.ok()) << kind << ": " << reference.status().ToString();
    for (size_t k : {91u, 300u, 455u, 599u}) {
      auto again = edge::inference::CreateDetector({kind, {}});
      ASSERT_TRUE(again.ok());
      auto truncated = ReplayUnivariate(std::span<const double>(full).first(k), **again, 90);
      ASSERT_TRUE(truncated.ok());
      EXPECT_TRUE(std::equal(truncated->begin(), truncated->end(), reference->begin()))
          << kind << " k=" << k;
    }
  }
}

}  // namespace
}  // namespace keel::eval
