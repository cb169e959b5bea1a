#include "eval/nab_scoring.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

namespace keel::eval {
namespace {

using ::testing::HasSubstr;

constexpr int64_t kStep = 300'000;  // 5 minutes, as in NAB

// 100 rows (15 probationary), one window over rows [first, last].
NabSeries Series(std::vector<std::pair<size_t, size_t>> windows) {
  NabSeries s;
  s.name = "synthetic.csv";
  for (int64_t i = 0; i < 100; ++i) s.t_ms.push_back(i * kStep);
  s.scores.assign(100, 0.0);
  for (auto [first, last] : windows) {
    s.windows.push_back({static_cast<int64_t>(first) * kStep, static_cast<int64_t>(last) * kStep});
  }
  return s;
}

Result<NabResult> Score(const NabSeries& s, NabCostMatrix costs = {}) {
  return ScoreNabCorpus({s}, costs);
}

TEST(NabScoringTest, ProbationaryLength) {
  EXPECT_EQ(NabProbationaryRows(100), 15u);
  EXPECT_EQ(NabProbationaryRows(4032), 604u);  // floor(604.8)
  EXPECT_EQ(NabProbationaryRows(22695), 750u);
  EXPECT_EQ(NabProbationaryRows(0), 0u);
}

TEST(NabScoringTest, ScaledSigmoidMatchesNabDocumentation) {
  EXPECT_NEAR(NabScaledSigmoid(-1.0), 0.98661, 1e-5);
  EXPECT_NEAR(NabScaledSigmoid(-0.5), 0.84828, 1e-5);
  EXPECT_DOUBLE_EQ(NabScaledSigmoid(0.0), 0.0);
  EXPECT_NEAR(NabScaledSigmoid(1.0), -0.98661, 1e-5);
  EXPECT_EQ(NabScaledSigmoid(3.0), -1.0);
}

TEST(NabScoringTest, PerfectDetectorScores100) {
  NabSeries s = Series({{50, 59}});
  s.scores[50] = 1.0;
  auto r = Score(s);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_DOUBLE_EQ(r->normalized, 100.0);
  EXPECT_DOUBLE_EQ(r->threshold, 1.0);
  EXPECT_EQ(r->detected_windows, 1);
  EXPECT_EQ(r->false_positives, 0);
}

TEST(NabScoringTest, NullDetectorScores0) {
  NabSeries s = Series({{50, 59}});
  auto r = Score(s);
  ASSERT_TRUE(r.ok());
  EXPECT_DOUBLE_EQ(r->normalized, 0.0);
  EXPECT_DOUBLE_EQ(r->raw, -1.0);
  EXPECT_EQ(r->threshold, std::numeric_limits<double>::infinity());
}

TEST(NabScoringTest, LateDetectionScoresTheScaledSigmoid) {
  NabSeries s = Series({{50, 59}});
  s.scores[57] = 1.0;  // position -(59 - 57 + 1) / 10 = -0.3
  auto r = Score(s);
  ASSERT_TRUE(r.ok());
  const double tp = std::tanh(0.75) / std::tanh(2.5);  // S(-0.3) / S(-1)
  EXPECT_NEAR(tp, 0.643767, 1e-6);
  EXPECT_NEAR(r->raw, tp, 1e-12);
  EXPECT_NEAR(r->normalized, 100.0 * (tp + 1.0) / 2.0, 1e-9);

  auto low_fn = Score(s, {.tp_weight = 1.0, .fp_weight = 0.11, .fn_weight = 2.0});
  ASSERT_TRUE(low_fn.ok());
  EXPECT_NEAR(low_fn->normalized, 100.0 * (tp + 2.0) / 3.0, 1e-9);
}

TEST(NabScoringTest, OnlyTheEarliestDetectionInAWindowCounts) {
  NabSeries s = Series({{50, 59}});
  s.scores[57] = 1.0;
  s.scores[58] = 1.0;
  s.scores[59] = 1.0;
  auto r = Score(s);
  ASSERT_TRUE(r.ok());
  EXPECT_NEAR(r->raw, std::tanh(0.75) / std::tanh(2.5), 1e-12);
}

TEST(NabScoringTest, FalsePositivesBeforeAndAfterTheWindow) {
  NabSeries s = Series({{50, 59}});
  s.scores[50] = 1.0;
  s.scores[20] = 1.0;  // before any window: -fpWeight
  s.scores[64] = 1.0;  // after: S((64 - 59) / 9) * fpWeight
  auto r = Score(s);
  ASSERT_TRUE(r.ok());
  const double after = -std::tanh(2.5 * 5.0 / 9.0);
  EXPECT_NEAR(r->raw, 1.0 - 0.11 + 0.11 * after, 1e-12);
  EXPECT_EQ(r->false_positives, 2);
}

TEST(NabScoringTest, ProbationaryRowsAndWindowsAreIgnored) {
  NabSeries s = Series({{5, 8}, {50, 59}});
  s.scores[10] = 1.0;  // probationary false positive
  s.scores[50] = 1.0;
  auto r = Score(s);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->windows, 1);
  EXPECT_DOUBLE_EQ(r->normalized, 100.0);
}

TEST(NabScoringTest, OneThresholdChosenForTheWholeCorpus) {
  NabSeries a = Series({{50, 59}});
  a.scores[30] = 0.8;  // a false positive above the true detection
  a.scores[50] = 0.6;
  NabSeries b = Series({{70, 79}});
  b.name = "b.csv";
  b.scores[70] = 0.7;
  auto r = ScoreNabCorpus({a, b}, {});
  ASSERT_TRUE(r.ok());
  // Candidates: none -2; 0.8 -2.11; 0.7 -0.11; 0.6 +1.89; 0.0 far below.
  EXPECT_DOUBLE_EQ(r->threshold, 0.6);
  EXPECT_NEAR(r->raw, 1.89, 1e-12);
  EXPECT_NEAR(r->normalized, 100.0 * 3.89 / 4.0, 1e-9);
  EXPECT_EQ(r->detected_windows, 2);
}

TEST(NabScoringTest, RejectsInvalidCorpora) {
  NabSeries s = Series({{50, 59}});
  s.scores.pop_back();
  auto ragged = Score(s);
  ASSERT_FALSE(ragged.ok());
  EXPECT_THAT(ragged.status().message(), HasSubstr("\"synthetic.csv\""));

  NabSeries nan = Series({{50, 59}});
  nan.scores[3] = std::nan("");
  EXPECT_THAT(Score(nan).status().message(), HasSubstr("row 3"));

  EXPECT_THAT(Score(Series({{50, 59}, {55, 60}})).status().message(), HasSubstr("overlaps"));
  EXPECT_THAT(Score(Series({{59, 50}})).status().message(), HasSubstr("ends before"));
  EXPECT_THAT(Score(Series({})).status().message(), HasSubstr("no scored anomaly window"));
}

}  // namespace
}  // namespace keel::eval
