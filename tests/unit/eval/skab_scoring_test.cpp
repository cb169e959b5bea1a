#include "eval/skab_scoring.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <vector>

namespace keel::eval {
namespace {

using ::testing::HasSubstr;

TEST(SkabScoringTest, CountsOnlyRowsAfterTheTrainingPart) {
  // Rows 0..2 are training (ignored even where they disagree).
  std::vector<uint8_t> labels{1, 0, 1, 1, 1, 0, 0, 1, 0};
  std::vector<uint8_t> preds{0, 1, 0, 1, 0, 1, 0, 1, 0};
  auto counts = SkabFileCounts(labels, preds, 3);
  ASSERT_TRUE(counts.ok()) << counts.status().ToString();
  // Test rows 3..8: (1,1) TP, (1,0) FN, (0,1) FP, (0,0) TN, (1,1) TP, (0,0) TN.
  EXPECT_EQ(*counts, (ConfusionCounts{.tp = 2, .fp = 1, .fn = 1, .tn = 2}));
}

TEST(SkabScoringTest, FileShorterThanTrainingPartContributesNothing) {
  std::vector<uint8_t> labels(5, 1);
  auto counts = SkabFileCounts(labels, labels, kSkabTrainRows);
  ASSERT_TRUE(counts.ok());
  EXPECT_EQ(*counts, ConfusionCounts{});
}

TEST(SkabScoringTest, MetricsFromSummedCounts) {
  ConfusionCounts total{.tp = 2, .fp = 1, .fn = 1, .tn = 2};
  total += ConfusionCounts{.tp = 4, .fp = 3, .fn = 1, .tn = 0};
  EXPECT_EQ(total, (ConfusionCounts{.tp = 6, .fp = 4, .fn = 2, .tn = 2}));
  SkabScore score = ComputeSkabScore(total);
  EXPECT_DOUBLE_EQ(score.f1, 6.0 / (6.0 + 3.0));  // 6 / (6 + (4 + 2) / 2)
  EXPECT_DOUBLE_EQ(score.far, 4.0 / 6.0);
  EXPECT_DOUBLE_EQ(score.mar, 2.0 / 8.0);
}

TEST(SkabScoringTest, AlwaysAlarmMatchesTheReadmeBaselineShape) {
  // 54 anomalous and 46 normal test rows, detector always alarms.
  SkabScore score = ComputeSkabScore({.tp = 54, .fp = 46, .fn = 0, .tn = 0});
  EXPECT_NEAR(score.f1, 0.701, 1e-3);
  EXPECT_DOUBLE_EQ(score.far, 1.0);
  EXPECT_DOUBLE_EQ(score.mar, 0.0);
}

TEST(SkabScoringTest, EmptyCountsGiveZerosNotNaN) {
  SkabScore score = ComputeSkabScore({});
  EXPECT_EQ(score.f1, 0.0);
  EXPECT_EQ(score.far, 0.0);
  EXPECT_EQ(score.mar, 0.0);
}

TEST(SkabScoringTest, RejectsMismatchedLengthsAndNonBinaryValues) {
  std::vector<uint8_t> three{0, 1, 0};
  std::vector<uint8_t> two{0, 1};
  auto mismatch = SkabFileCounts(three, two, 0);
  ASSERT_FALSE(mismatch.ok());
  EXPECT_THAT(mismatch.status().message(), HasSubstr("3 labels but 2 predictions"));
  std::vector<uint8_t> bad{0, 2, 0};
  auto nonbinary = SkabFileCounts(three, bad, 0);
  ASSERT_FALSE(nonbinary.ok());
  EXPECT_EQ(nonbinary.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(nonbinary.status().message(), HasSubstr("row 1"));
}

}  // namespace
}  // namespace keel::eval
