#include "edge/inference/discord_detector.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <numbers>
#include <string>
#include <vector>

#include "common/random.h"
#include "unit/edge/inference/detector_test_util.h"

namespace keel::edge::inference {
namespace {

using ::testing::HasSubstr;

// 520 fitting rows make the automatic step 520 / (13 * 4) = 10 rows, so one
// subsequence (4 blocks) spans 40 rows: one period of Rhythm().
constexpr size_t kFitRows = 520;
constexpr size_t kPeriod = 40;

// amplitude * sin(2 pi i / 40) plus noise * N(0, 1).
std::vector<double> Rhythm(size_t n, uint64_t seed, double amplitude = 1.0, double noise = 0.02) {
  return testing::SineRhythm(n, kPeriod, seed, amplitude, noise);
}

std::vector<double> FitAndScore(Detector& detector, const std::vector<double>& values) {
  EXPECT_TRUE(detector.Fit(testing::FirstRows(values, kFitRows)).ok());
  return testing::ScoreAll(detector, values, kFitRows, values.size());
}

// Index (into values) of the first score at or above 0.5 from values[from],
// or values.size().
size_t FirstAlarm(const std::vector<double>& scores, size_t from = kFitRows) {
  for (size_t i = from - kFitRows; i < scores.size(); ++i) {
    if (scores[i] >= 0.5) return i + kFitRows;
  }
  return scores.size() + kFitRows;
}

TEST(DiscordDetectorTest, ChoosesStepAndLimitFromTheFitRows) {
  const std::vector<double> values = Rhythm(kFitRows, 1);
  auto created = DiscordDetector::Create({});
  ASSERT_TRUE(created.ok());
  auto& detector = dynamic_cast<DiscordDetector&>(**created);
  EXPECT_EQ(detector.limit(), 0.0);
  ASSERT_TRUE(detector.Fit(testing::FirstRows(values, kFitRows)).ok());
  EXPECT_EQ(detector.step(), 10);
  EXPECT_GE(detector.limit(), 0.05) << "min_limit";
  EXPECT_LT(detector.limit(), 0.2) << "a repeating rhythm has close neighbours";

  auto fixed = DiscordDetector::Create({{"step", 3}, {"min_limit", 1.5}});
  ASSERT_TRUE(fixed.ok());
  ASSERT_TRUE((*fixed)->Fit(testing::FirstRows(values, kFitRows)).ok());
  EXPECT_EQ(dynamic_cast<DiscordDetector&>(**fixed).step(), 3);
  EXPECT_EQ(dynamic_cast<DiscordDetector&>(**fixed).limit(), 1.5);
}

TEST(DiscordDetectorTest, RepeatingRhythmIsQuietAndAChangedShapeAlarms) {
  for (double normalise : {0.0, 1.0}) {
    std::vector<double> values = Rhythm(3000, 2);
    // A triangle wave of the same period and range from row 2400 on.
    for (size_t i = 2400; i < values.size(); ++i) {
      const double phase = static_cast<double>(i % kPeriod) / static_cast<double>(kPeriod);
      values[i] = phase < 0.5 ? 4 * phase - 1 : 3 - 4 * phase;
    }
    auto detector = testing::MustCreate("discord", {{"normalise", normalise}});
    const std::vector<double> scores = FitAndScore(*detector, values);
    const size_t alarm = FirstAlarm(scores);
    EXPECT_GE(alarm, 2400U) << "normalise=" << normalise;
    EXPECT_LT(alarm, 2440U) << "normalise=" << normalise << ": within one subsequence";
    for (double s : scores) {
      EXPECT_GE(s, 0.0);
      EXPECT_LE(s, 1.0);
    }
  }
}

TEST(DiscordDetectorTest, ScaledDistancesSeeAnAmplitudeChangeZNormalisedOnesDoNot) {
  std::vector<double> values = Rhythm(2400, 3);
  const std::vector<double> small = Rhythm(values.size(), 4, 0.4);
  std::copy(small.begin() + 1600, small.end(), values.begin() + 1600);
  auto scaled = testing::MustCreate("discord", {{"rest_windows", 0}});
  auto normalised = testing::MustCreate("discord", {{"normalise", 1}, {"rest_windows", 0}});
  const std::vector<double> scaled_scores = FitAndScore(*scaled, values);
  const std::vector<double> normalised_scores = FitAndScore(*normalised, values);
  // Both see the transition (subsequences mixing the two amplitudes); only the
  // scaled one also alarms on the first subsequence wholly at the new
  // amplitude, which ends at row 1639.
  EXPECT_LT(FirstAlarm(scaled_scores), 1640U);
  EXPECT_LT(FirstAlarm(normalised_scores), 1640U);
  EXPECT_EQ(FirstAlarm(scaled_scores, 1639), 1639U);
  EXPECT_EQ(FirstAlarm(normalised_scores, 1639), values.size());
}

TEST(DiscordDetectorTest, ANovelShapeAlarmsOnceAndARecurrenceIsKnown) {
  std::vector<double> values = Rhythm(2400, 5);
  for (size_t i : {size_t{1200}, size_t{1800}}) {
    for (size_t k = i; k < i + kPeriod; ++k) values[k] = 0.0;  // a flat period, inside the range
  }
  auto detector = testing::MustCreate("discord");  // rest = 1.5 * 4 * 10 = 60 rows
  const std::vector<double> scores = FitAndScore(*detector, values);
  const size_t alarm = FirstAlarm(scores);
  EXPECT_GE(alarm, 1200U);
  EXPECT_LT(alarm, 1240U);
  for (size_t i = alarm + 1; i <= alarm + 60; ++i) EXPECT_EQ(scores[i - kFitRows], 0.0) << i;
  EXPECT_EQ(FirstAlarm(scores, 1800), values.size()) << "the second flat period was seen before";
}

TEST(DiscordDetectorTest, RestSilencesTheRowsAfterAnAlarm) {
  std::vector<double> values = Rhythm(1600, 6);
  for (size_t i = 1200; i < 1240; ++i) values[i] = 0.0;
  auto rested = testing::MustCreate("discord");
  auto unrested = testing::MustCreate("discord", {{"rest_windows", 0}});
  const std::vector<double> kept = FitAndScore(*rested, values);
  const std::vector<double> raw = FitAndScore(*unrested, values);
  const size_t alarm = FirstAlarm(raw);
  ASSERT_EQ(FirstAlarm(kept), alarm);
  size_t raw_alarms = 0;
  size_t kept_alarms = 0;
  for (size_t i = alarm - kFitRows; i < alarm - kFitRows + 60; ++i) {
    raw_alarms += raw[i] >= 0.5 ? 1 : 0;
    kept_alarms += kept[i] >= 0.5 ? 1 : 0;
  }
  EXPECT_GT(raw_alarms, 1U);
  EXPECT_EQ(kept_alarms, 1U);
  for (size_t i = 0; i <= alarm - kFitRows; ++i) EXPECT_EQ(kept[i], raw[i]) << i;
}

TEST(DiscordDetectorTest, ScoresOnlyOnTheLastRowOfEachBlock) {
  std::vector<double> values = Rhythm(1000, 7, 1.0, 0.3);
  auto detector = testing::MustCreate("discord", {{"rest_windows", 0}});
  const std::vector<double> scores = FitAndScore(*detector, values);
  size_t nonzero = 0;
  for (size_t i = 0; i < scores.size(); ++i) {
    if (scores[i] == 0.0) continue;
    ++nonzero;
    EXPECT_EQ((i + kFitRows + 1) % 10, 0U) << "row " << i + kFitRows;
  }
  EXPECT_GT(nonzero, 0U);
}

TEST(DiscordDetectorTest, ScoresAreCausalAndDeterministic) {
  std::vector<double> values = Rhythm(2500, 8, 1.0, 0.2);
  for (size_t i = 1500; i < 1700; ++i) values[i] += 0.8;
  testing::ExpectCausalAndDeterministic("discord", {{"memory", 50}}, values, kFitRows,
                                        {kFitRows + 1, 1234, 1600});
}

TEST(DiscordDetectorTest, MemoryBoundsTheStoredSubsequences) {
  SeededRandom random(9);
  std::vector<double> values;
  for (size_t i = 0; i < 20000; ++i) values.push_back(random.Gaussian());
  auto created = DiscordDetector::Create({{"memory", 30}, {"step", 2}});
  ASSERT_TRUE(created.ok());
  FitAndScore(**created, values);
  // 30 neighbours plus the 3 subsequences of the exclusion zone.
  EXPECT_EQ(dynamic_cast<DiscordDetector&>(**created).stored(), 33U);
}

TEST(DiscordDetectorTest, ConstantStreamsScoreZero) {
  const std::vector<double> values(1000, 3.5);
  for (double normalise : {0.0, 1.0}) {
    auto detector = testing::MustCreate("discord", {{"normalise", normalise}, {"flat", 0}});
    for (double s : FitAndScore(*detector, values)) EXPECT_EQ(s, 0.0);
  }
}

TEST(DiscordDetectorTest, MultivariateShapeNoticesOneDimensionChanging) {
  const std::vector<double> a = Rhythm(1600, 10);
  const std::vector<double> b = Rhythm(1600, 11);
  std::vector<std::vector<double>> rows;
  for (size_t i = 0; i < a.size(); ++i) {
    rows.push_back({a[i], i >= 1200 && i < 1240 ? 0.5 : -b[i]});
  }
  auto detector = testing::MustCreate("discord");
  const size_t alarm = testing::FirstAlarmRow(*detector, rows, kFitRows, 0.5);
  EXPECT_GE(alarm, 1200U);
  EXPECT_LT(alarm, 1240U);
}

TEST(DiscordDetectorTest, RejectsMisuse) {
  auto detector = testing::MustCreate("discord");
  auto early = detector->Score(std::vector<double>{1.0});
  EXPECT_EQ(early.status().code(), StatusCode::kFailedPrecondition);
  Status status = detector->Fit({{1.0}});
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("discord"));
  ASSERT_TRUE(detector->Fit({{1.0}, {2.0}}).ok());
  EXPECT_EQ(detector->Score(std::vector<double>{1.0, 2.0}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(detector->Score(std::vector<double>{std::nan("")}).status().code(),
            StatusCode::kInvalidArgument);
  for (const auto& [name, value] : std::map<std::string, double>{
           {"window", 1}, {"normalise", 2}, {"threshold", 0}, {"memory", 0}, {"lag", 1}}) {
    auto created = DiscordDetector::Create({{name, value}});
    EXPECT_EQ(created.status().code(), StatusCode::kInvalidArgument) << name;
  }
}

}  // namespace
}  // namespace keel::edge::inference
