#include "edge/inference/resonance_detector.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numbers>

#include "common/random.h"
#include "unit/edge/inference/detector_test_util.h"

namespace keel::edge::inference {
namespace {

using ::testing::HasSubstr;

// 520 fitting rows make the automatic step 520 / (13 * 8) = 5 rows, so one
// shape window (8 blocks) spans 40 rows: one period of Rhythm().
constexpr size_t kFitRows = 520;
constexpr size_t kPeriod = 40;

// sin(2 pi i / 40) plus noise * N(0, 1).
std::vector<double> Rhythm(size_t n, uint64_t seed, double noise = 0.02) {
  return testing::SineRhythm(n, kPeriod, seed, 1.0, noise);
}

std::vector<double> FitAndScore(Detector& detector, const std::vector<double>& values) {
  EXPECT_TRUE(detector.Fit(testing::FirstRows(values, kFitRows)).ok());
  return testing::ScoreAll(detector, values, kFitRows, values.size());
}

// Index (into values) of the first score above 0.5, or values.size().
size_t FirstAlarm(const std::vector<double>& scores, size_t from = 0) {
  for (size_t i = from; i < scores.size(); ++i) {
    if (scores[i] > 0.5) return i + kFitRows;
  }
  return scores.size() + kFitRows;
}

TEST(ResonanceDetectorTest, ChoosesStepAndVigilanceFromTheFitRows) {
  const std::vector<double> values = Rhythm(kFitRows, 1);
  auto created = ResonanceDetector::Create({});
  ASSERT_TRUE(created.ok());
  auto& detector = dynamic_cast<ResonanceDetector&>(**created);
  ASSERT_TRUE(detector.Fit(testing::FirstRows(values, kFitRows)).ok());
  EXPECT_EQ(detector.step(), 5);
  EXPECT_GE(detector.vigilance(), 0.8);
  EXPECT_LE(detector.vigilance(), 0.99);
  EXPECT_GT(detector.categories(), 0U);

  auto fixed = ResonanceDetector::Create({{"rho", 0.9}, {"step", 3}});
  ASSERT_TRUE(fixed.ok());
  ASSERT_TRUE((*fixed)->Fit(testing::FirstRows(values, kFitRows)).ok());
  EXPECT_EQ(dynamic_cast<ResonanceDetector&>(**fixed).vigilance(), 0.9);
  EXPECT_EQ(dynamic_cast<ResonanceDetector&>(**fixed).step(), 3);
}

TEST(ResonanceDetectorTest, IrregularFitRowsGetALowerVigilanceButNotBelowTheFloor) {
  SeededRandom random(2);
  std::vector<double> noise;
  for (size_t i = 0; i < kFitRows; ++i) noise.push_back(random.Gaussian());
  const std::vector<double> clean = Rhythm(kFitRows, 3, 0.0);
  auto vigilance_on = [](const std::vector<double>& values, double floor) {
    auto created = ResonanceDetector::Create({{"rho_min", floor}});
    EXPECT_TRUE(created.ok());
    EXPECT_TRUE((*created)->Fit(testing::FirstRows(values, kFitRows)).ok());
    return dynamic_cast<ResonanceDetector&>(**created).vigilance();
  };
  EXPECT_LT(vigilance_on(noise, 0.3), vigilance_on(clean, 0.3));
  EXPECT_EQ(vigilance_on(noise, 0.95), 0.95);
}

TEST(ResonanceDetectorTest, LearnedRhythmIsQuietAndAFlatStretchAlarms) {
  std::vector<double> values = Rhythm(1600, 4);
  for (size_t i = 1200; i < 1280; ++i) values[i] = 0.0;  // inside the range, a new shape
  auto detector = testing::MustCreate("resonance");
  const std::vector<double> scores = FitAndScore(*detector, values);
  const size_t alarm = FirstAlarm(scores);
  EXPECT_GE(alarm, 1200U);
  EXPECT_LT(alarm, 1240U) << "the flat stretch is seen within one window";
  EXPECT_GT(scores[alarm - kFitRows], detector->threshold());
  for (double s : scores) {
    EXPECT_GE(s, 0.0);
    EXPECT_LE(s, 1.0);
  }
}

TEST(ResonanceDetectorTest, ScoresOnlyOnTheLastRowOfEachBlock) {
  std::vector<double> values = Rhythm(900, 5);
  for (size_t i = 700; i < 760; ++i) values[i] = 0.9;
  auto detector = testing::MustCreate("resonance", {{"rest_windows", 0}});
  const std::vector<double> scores = FitAndScore(*detector, values);
  size_t nonzero = 0;
  for (size_t i = 0; i < scores.size(); ++i) {
    if (scores[i] == 0.0) continue;
    ++nonzero;
    EXPECT_EQ((i + kFitRows + 1) % 5, 0U) << "row " << i + kFitRows;
  }
  EXPECT_GT(nonzero, 0U);
}

TEST(ResonanceDetectorTest, ValueOutsideTheRangeScoresOneThenTheRhythmIsRelearned) {
  std::vector<double> values = Rhythm(2000, 6);
  values[1000] = 50.0;
  auto detector = testing::MustCreate("resonance");
  const std::vector<double> scores = FitAndScore(*detector, values);
  EXPECT_EQ(scores[1000 - kFitRows], 1.0);
  EXPECT_EQ(FirstAlarm(scores), 1000U);
  // The memory is rebuilt under the new range: the rhythm, now small in it,
  // is familiar again once the spike has left the shape window.
  EXPECT_EQ(FirstAlarm(scores, 1000 - kFitRows + 1), values.size());
}

TEST(ResonanceDetectorTest, RestSilencesTheRowsAfterAnAlarm) {
  std::vector<double> values = Rhythm(1400, 7);
  values[1000] = 50.0;
  values[1010] = -50.0;
  auto rested = testing::MustCreate("resonance");  // rest = 1.5 * 8 * 5 = 60 rows
  auto unrested = testing::MustCreate("resonance", {{"rest_windows", 0}});
  const std::vector<double> kept = FitAndScore(*rested, values);
  const std::vector<double> raw = FitAndScore(*unrested, values);
  EXPECT_EQ(kept[1000 - kFitRows], 1.0);
  EXPECT_EQ(raw[1010 - kFitRows], 1.0);
  for (size_t i = 1001; i <= 1060; ++i) EXPECT_EQ(kept[i - kFitRows], 0.0) << i;
  for (size_t i = 0; i < 1000 - kFitRows; ++i) EXPECT_EQ(kept[i], raw[i]) << i;
}

TEST(ResonanceDetectorTest, ScoresAreCausalAndDeterministic) {
  std::vector<double> values = Rhythm(2500, 8, 0.2);
  for (size_t i = 1500; i < 1700; ++i) values[i] += 0.8;
  testing::ExpectCausalAndDeterministic("resonance", {{"memory", 100}, {"max_categories", 30}},
                                        values, kFitRows, {kFitRows + 1, 1234, 1600});
}

TEST(ResonanceDetectorTest, MaxCategoriesBoundsTheMemory) {
  SeededRandom random(9);
  std::vector<double> values;
  for (size_t i = 0; i < 3000; ++i) values.push_back(random.Gaussian());
  auto created = ResonanceDetector::Create({{"max_categories", 5}, {"rho", 0.99}});
  ASSERT_TRUE(created.ok());
  FitAndScore(**created, values);
  EXPECT_EQ(dynamic_cast<ResonanceDetector&>(**created).categories(), 5U);
}

TEST(ResonanceDetectorTest, MultivariateShapeNoticesOneDimensionChanging) {
  const std::vector<double> a = Rhythm(1600, 10);
  const std::vector<double> b = Rhythm(1600, 11);
  std::vector<std::vector<double>> rows;
  for (size_t i = 0; i < a.size(); ++i) {
    rows.push_back({a[i], i >= 1200 && i < 1280 ? 0.5 : -b[i]});
  }
  auto detector = testing::MustCreate("resonance");
  const size_t alarm = testing::FirstAlarmRow(*detector, rows, kFitRows, 0.5 + 1e-12);
  EXPECT_GE(alarm, 1200U);
  EXPECT_LT(alarm, 1240U);
}

TEST(ResonanceDetectorTest, FitNeedsTwoRows) {
  auto detector = testing::MustCreate("resonance");
  Status status = detector->Fit({{1.0}});
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("resonance"));
}

}  // namespace
}  // namespace keel::edge::inference
