#include "edge/inference/contextual_detector.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "common/random.h"
#include "unit/edge/inference/detector_test_util.h"

namespace keel::edge::inference {
namespace {

using ::testing::HasSubstr;

// A repeating saw-tooth 0, 1, ..., period - 1 plus noise * N(0, 1).
std::vector<double> Pattern(size_t n, size_t period, uint64_t seed, double noise = 0.05) {
  SeededRandom random(seed);
  std::vector<double> values;
  for (size_t i = 0; i < n; ++i) {
    values.push_back(static_cast<double>(i % period) + noise * random.Gaussian());
  }
  return values;
}

TEST(ContextualDetectorTest, LearnedPatternScoresZeroAndABreakScoresHigh) {
  std::vector<double> values = Pattern(600, 8, 1);
  values[500] = values[499];  // a repeated step: every bin is known, the sequence is not
  auto detector = testing::MustCreate("contextual");
  ASSERT_TRUE(detector->Fit(testing::FirstRows(values, 200)).ok());
  const std::vector<double> scores = testing::ScoreAll(*detector, values, 200, values.size());
  for (size_t i = 0; i < 300; ++i) EXPECT_EQ(scores[i], 0.0) << i;
  EXPECT_GT(scores[300], 0.5);
  EXPECT_GT(scores[300], detector->threshold());
}

TEST(ContextualDetectorTest, ConstantSeriesScoresZero) {
  const std::vector<double> values(500, 42.0);
  auto detector = testing::MustCreate("contextual");
  ASSERT_TRUE(detector->Fit(testing::FirstRows(values, 100)).ok());
  for (double s : testing::ScoreAll(*detector, values, 100, values.size())) EXPECT_EQ(s, 0.0);
}

TEST(ContextualDetectorTest, OutOfRangeValueScoresOneAndRestarts) {
  std::vector<double> values = Pattern(400, 5, 2, 0.0);
  values[300] = 1000.0;
  auto detector = testing::MustCreate("contextual", {{"bits", 4}});
  ASSERT_TRUE(detector->Fit(testing::FirstRows(values, 100)).ok());
  const std::vector<double> scores = testing::ScoreAll(*detector, values, 100, values.size());
  EXPECT_EQ(scores[200], 1.0);
  // After the restart the old values share one bin of the wider range: the
  // pattern is relearned from memory and scores low again.
  EXPECT_LT(*std::max_element(scores.begin() + 210, scores.end()), 0.5);
}

TEST(ContextualDetectorTest, RestPeriodSilencesTheRowsAfterAHighScore) {
  std::vector<double> values = Pattern(400, 5, 3, 0.0);
  values[300] = 1000.0;
  values[305] = -1000.0;
  auto plain = testing::MustCreate("contextual");
  auto rested = testing::MustCreate("contextual", {{"rest", 10}});
  ASSERT_TRUE(plain->Fit(testing::FirstRows(values, 100)).ok());
  ASSERT_TRUE(rested->Fit(testing::FirstRows(values, 100)).ok());
  const std::vector<double> raw = testing::ScoreAll(*plain, values, 100, values.size());
  const std::vector<double> kept = testing::ScoreAll(*rested, values, 100, values.size());
  EXPECT_EQ(raw[205], 1.0);
  EXPECT_EQ(kept[200], 1.0);
  for (size_t i = 201; i <= 210; ++i) EXPECT_EQ(kept[i], 0.0) << i;
  for (size_t i = 0; i < 200; ++i) EXPECT_EQ(kept[i], raw[i]) << i;
}

TEST(ContextualDetectorTest, ScoresAreCausalDeterministicAndInUnitRange) {
  SeededRandom random(7);
  std::vector<double> values;
  for (size_t i = 0; i < 1500; ++i) {
    values.push_back(std::sin(0.05 * static_cast<double>(i)) + 0.3 * random.Gaussian() +
                     (i > 1000 ? 10.0 : 0.0));
  }
  const std::map<std::string, double> params = {{"rest", 20}, {"memory", 300}, {"max_order", 6}};
  auto full = testing::MustCreate("contextual", params);
  auto again = testing::MustCreate("contextual", params);
  auto prefix = testing::MustCreate("contextual", params);
  for (auto* d : {full.get(), again.get(), prefix.get()})
    ASSERT_TRUE(d->Fit(testing::FirstRows(values, 200)).ok());
  const std::vector<double> scores = testing::ScoreAll(*full, values, 200, values.size());
  EXPECT_EQ(testing::ScoreAll(*again, values, 200, values.size()), scores);
  const std::vector<double> head = testing::ScoreAll(*prefix, values, 200, 900);
  for (size_t i = 0; i < head.size(); ++i) EXPECT_EQ(head[i], scores[i]) << i;
  for (double s : scores) {
    EXPECT_GE(s, 0.0);
    EXPECT_LE(s, 1.0);
  }
  EXPECT_EQ(scores[1001 - 200], 1.0);  // the level shift leaves the learned range
}

TEST(ContextualDetectorTest, MultivariateTakesTheLargestChannelScore) {
  const std::vector<double> a = Pattern(300, 4, 11, 0.0);
  std::vector<double> b = Pattern(300, 6, 12, 0.0);
  b[250] = 100.0;
  auto joint = testing::MustCreate("contextual");
  auto only_a = testing::MustCreate("contextual");
  std::vector<std::vector<double>> rows;
  for (size_t i = 0; i < 100; ++i) rows.push_back({a[i], b[i]});
  ASSERT_TRUE(joint->Fit(rows).ok());
  ASSERT_TRUE(only_a->Fit(testing::FirstRows(a, 100)).ok());
  for (size_t i = 100; i < 300; ++i) {
    const double s = *joint->Score(std::vector<double>{a[i], b[i]});
    const double sa = *only_a->Score(std::vector<double>{a[i]});
    EXPECT_GE(s, sa) << i;
    if (i == 250) {
      EXPECT_EQ(s, 1.0);
    }
  }
  EXPECT_FALSE(joint->Score(std::vector<double>{1.0}).ok());
}

TEST(ContextualDetectorTest, RejectsBadParamsAndInput) {
  for (const auto& [name, value] :
       std::vector<std::pair<std::string, double>>{{"bits", 0},
                                                   {"bits", 6},
                                                   {"bits", 2.5},
                                                   {"max_order", 9},
                                                   {"margin", -0.1},
                                                   {"memory", 0},
                                                   {"rest", -1},
                                                   {"rest_level", 0},
                                                   {"threshold", 1.5}}) {
    auto detector = CreateDetector({"contextual", {{name, value}}});
    ASSERT_FALSE(detector.ok()) << name << "=" << value;
    EXPECT_THAT(detector.status().message(), HasSubstr("\"" + name + "\""));
  }
  auto detector = testing::MustCreate("contextual");
  EXPECT_EQ(detector->Score(std::vector<double>{1.0}).status().code(),
            StatusCode::kFailedPrecondition);
  EXPECT_FALSE(detector->Fit({}).ok());
  ASSERT_TRUE(detector->Fit({{1}, {2}}).ok());
  EXPECT_FALSE(detector->Score(std::vector<double>{std::nan("")}).ok());
  EXPECT_FALSE(detector->Score(std::vector<double>{1.0, 2.0}).ok());
}

}  // namespace
}  // namespace keel::edge::inference
