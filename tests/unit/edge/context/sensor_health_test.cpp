#include "edge/context/sensor_health.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <limits>
#include <set>
#include <string>
#include <vector>

#include "unit/edge/context/health_test_data.h"

namespace keel::edge::context {
namespace {

using namespace testdata;  // NOLINT(google-build-using-namespace)
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr auto kRunning = OperatingMode::kRunning;
constexpr auto kOff = OperatingMode::kOff;

std::set<std::pair<std::string, FaultKind>> Keys(const std::vector<SensorFault>& faults) {
  std::set<std::pair<std::string, FaultKind>> keys;
  for (const auto& f : faults) keys.insert({f.signal, f.kind});
  return keys;
}

SensorHealthChecker MakeChecker(const SensorHealthConfig& config) {
  auto checker = SensorHealthChecker::Create(config);
  EXPECT_TRUE(checker.ok()) << checker.status().ToString();
  return std::move(checker).value();
}

SensorHealthChecker Learned(const SensorHealthConfig& config = ThreeTemps()) {
  SensorHealthChecker checker = MakeChecker(config);
  const auto normal = NormalTemps(60);
  EXPECT_TRUE(checker.Learn(normal, kRunning).ok());
  return checker;
}

TEST(SensorHealthTest, NormalOperationHasNoFaults) {
  SensorHealthChecker checker = Learned();
  for (int i = 0; i < 50; ++i) EXPECT_THAT(checker.Evaluate(kRunning, Temps(i, 60)), IsEmpty());
}

TEST(SensorHealthTest, OutOfPhysicalRange) {
  SensorHealthChecker checker = Learned();
  WindowSet set = Temps(0, 60);
  set["temp_b"].max = 151;
  auto faults = checker.Evaluate(kRunning, set);
  ASSERT_EQ(faults.size(), 1u);
  EXPECT_EQ(faults[0].signal, "temp_b");
  EXPECT_EQ(faults[0].kind, FaultKind::kOutOfRange);
  EXPECT_EQ(faults[0].since_ms, kT0);
  EXPECT_THAT(faults[0].detail, HasSubstr("physical range"));

  set = Temps(1, 60);
  set["temp_a"].mean = std::numeric_limits<double>::quiet_NaN();
  EXPECT_EQ(Keys(checker.Evaluate(kRunning, set)),
            (std::set<std::pair<std::string, FaultKind>>{{"temp_a", FaultKind::kOutOfRange}}));
  EXPECT_THAT(checker.Evaluate(kRunning, Temps(2, 60)), IsEmpty());
}

TEST(SensorHealthTest, StuckNeedsNConsecutiveFlatWindowsWhileRunning) {
  SensorHealthChecker checker = Learned();
  for (int i = 0; i < 3; ++i) {
    WindowSet set = Temps(i, 60);
    set["temp_a"] = Win(i, 61.25, 0.0);
    auto faults = checker.Evaluate(kRunning, set);
    if (i < 2) {
      EXPECT_THAT(faults, IsEmpty()) << i;
    } else {
      ASSERT_EQ(faults.size(), 1u);
      EXPECT_EQ(faults[0].kind, FaultKind::kStuck);
      EXPECT_EQ(faults[0].signal, "temp_a");
      EXPECT_EQ(faults[0].since_ms, kT0);
    }
  }
  WindowSet live = Temps(3, 60);
  EXPECT_THAT(checker.Evaluate(kRunning, live), IsEmpty());
}

TEST(SensorHealthTest, FlatSignalWhileOffIsNotStuckUnlessConfigured) {
  SensorHealthChecker checker = Learned();
  for (int i = 0; i < 10; ++i) {
    WindowSet set = Temps(i, 20, 0, 0, 0, 0.0);
    EXPECT_THAT(checker.Evaluate(kOff, set), IsEmpty()) << i;
  }
  SensorHealthConfig config = ThreeTemps();
  config.signals[0].stuck_check_modes.push_back(kOff);
  SensorHealthChecker strict = MakeChecker(config);
  std::vector<SensorFault> faults;
  for (int i = 0; i < 3; ++i) faults = strict.Evaluate(kOff, Temps(i, 20, 0, 0, 0, 0.0));
  EXPECT_EQ(Keys(faults),
            (std::set<std::pair<std::string, FaultKind>>{{"temp_a", FaultKind::kStuck}}));
}

TEST(SensorHealthTest, StuckIgnoresSingleSampleWindowsAndMissingData) {
  SensorHealthChecker checker = Learned();
  WindowSet flat = Temps(0, 60);
  flat["temp_a"] = Win(0, 60, 0.0);
  EXPECT_THAT(checker.Evaluate(kRunning, flat), IsEmpty());
  WindowSet one_sample = Temps(1, 60);
  one_sample["temp_a"] = Win(1, 60, 0.0, 1);
  EXPECT_THAT(checker.Evaluate(kRunning, one_sample), IsEmpty());
  WindowSet missing = Temps(2, 60);
  missing.erase("temp_a");
  EXPECT_THAT(checker.Evaluate(kRunning, missing), IsEmpty());
  flat = Temps(3, 60);
  flat["temp_a"] = Win(3, 60, 0.0);
  EXPECT_THAT(checker.Evaluate(kRunning, flat), IsEmpty());  // 2 flat windows so far
  flat = Temps(4, 60);
  flat["temp_a"] = Win(4, 60, 0.0);
  EXPECT_EQ(checker.Evaluate(kRunning, flat).size(), 1u);
}

TEST(SensorHealthTest, NoisyIsRelativeToTheLearnedStddevOfTheMode) {
  SensorHealthChecker checker = MakeChecker(ThreeTemps());
  ASSERT_TRUE(checker.Learn(NormalTemps(60, 0.5), kRunning).ok());
  ASSERT_TRUE(checker.Learn(NormalTemps(20, 0.05), kOff).ok());

  WindowSet set = Temps(0, 60);
  set["temp_c"].stddev = 1.5;  // 3x the running baseline: fine
  EXPECT_THAT(checker.Evaluate(kRunning, set), IsEmpty());
  set = Temps(1, 60);
  set["temp_c"].stddev = 2.5;
  EXPECT_EQ(Keys(checker.Evaluate(kRunning, set)),
            (std::set<std::pair<std::string, FaultKind>>{{"temp_c", FaultKind::kNoisy}}));

  set = Temps(2, 20, 0, 0, 0, 0.05);
  set["temp_c"].stddev = 0.5;  // normal while running, 10x the off baseline
  EXPECT_EQ(Keys(checker.Evaluate(kOff, set)),
            (std::set<std::pair<std::string, FaultKind>>{{"temp_c", FaultKind::kNoisy}}));
}

TEST(SensorHealthTest, NoisyNeedsABaseline) {
  SensorHealthChecker checker = MakeChecker(ThreeTemps());
  WindowSet set = Temps(0, 60);
  set["temp_c"].stddev = 50;
  EXPECT_THAT(checker.Evaluate(kRunning, set), IsEmpty());
}

TEST(SensorHealthTest, DisagreementMajorityPicksTheOddSensor) {
  SensorHealthChecker checker = Learned();
  std::vector<SensorFault> faults;
  for (int i = 0; i < 3; ++i) {
    faults = checker.Evaluate(kRunning, Temps(i, 60, 0, 0, 8));
    if (i < 2) {
      EXPECT_EQ(Keys(faults).count({"temp_c", FaultKind::kDisagreement}), 0u);
    }
  }
  EXPECT_EQ(Keys(faults).count({"temp_c", FaultKind::kDisagreement}), 1u);
  EXPECT_EQ(Keys(faults).count({"temp_a", FaultKind::kDisagreement}), 0u);
  EXPECT_EQ(Keys(faults).count({"temp_b", FaultKind::kDisagreement}), 0u);
}

TEST(SensorHealthTest, DisagreementOfAPairFlagsBoth) {
  SensorHealthConfig config = ThreeTemps();
  config.groups[0].signals = {"temp_a", "temp_b"};
  config.groups[0].drift_bound = 0;
  SensorHealthChecker checker = MakeChecker(config);
  std::vector<SensorFault> faults;
  for (int i = 0; i < 3; ++i) faults = checker.Evaluate(kRunning, Temps(i, 60, 0, 5));
  ASSERT_EQ(faults.size(), 2u);
  EXPECT_EQ(faults[0].signal, "temp_a");
  EXPECT_EQ(faults[1].signal, "temp_b");
  EXPECT_THAT(faults[0].detail, HasSubstr("cannot tell"));
}

TEST(SensorHealthTest, LearnedOffsetBetweenRelatedSensorsIsNotDisagreement) {
  SensorHealthConfig config = ThreeTemps();
  config.groups[0].drift_bound = 0;
  std::vector<WindowSet> normal;
  for (int i = 0; i < 20; ++i) normal.push_back(Temps(i - 100, 60, 0, 5, 0));

  SensorHealthChecker naive = MakeChecker(config);
  std::vector<SensorFault> faults;
  for (int i = 0; i < 3; ++i) faults = naive.Evaluate(kRunning, Temps(i, 60, 0, 5, 0));
  EXPECT_EQ(Keys(faults).count({"temp_b", FaultKind::kDisagreement}), 1u);

  SensorHealthChecker learned = MakeChecker(config);
  ASSERT_TRUE(learned.Learn(normal).ok());
  for (int i = 0; i < 5; ++i) {
    EXPECT_THAT(learned.Evaluate(kRunning, Temps(i, 60, 0, 5, 0)), IsEmpty());
  }
}

TEST(SensorHealthTest, SlowDriftOfOneRedundantSensorIsFlaggedOnIt) {
  SensorHealthChecker checker = Learned();
  std::vector<SensorFault> faults;
  int first = -1;
  for (int i = 0; i < 40 && first < 0; ++i) {
    faults = checker.Evaluate(kRunning, Temps(i, 60, 0, 0, 0.1 * i));
    if (!faults.empty()) first = i;
  }
  ASSERT_GT(first, 5);  // slow: not immediate
  EXPECT_EQ(Keys(faults),
            (std::set<std::pair<std::string, FaultKind>>{{"temp_c", FaultKind::kDrift}}));
  EXPECT_THAT(faults[0].detail, HasSubstr("winding"));
}

TEST(SensorHealthTest, ProcessChangeMovingAllRelatedSensorsIsNotASensorFault) {
  SensorHealthConfig config = ThreeTemps();
  for (auto& s : config.signals) s.cusum_h = 5;
  SensorHealthChecker checker = Learned(config);
  for (int i = 0; i < 60; ++i) {
    EXPECT_THAT(checker.Evaluate(kRunning, Temps(i, 60 + 0.5 * i)), IsEmpty()) << i;
  }
}

TEST(SensorHealthTest, CusumStillFlagsOneGroupMemberDriftingAlone) {
  SensorHealthConfig config = ThreeTemps();
  config.groups[0].drift_bound = 0;
  config.groups[0].tolerance = 100;
  for (auto& s : config.signals) s.cusum_h = 5;
  SensorHealthChecker checker = Learned(config);
  std::vector<SensorFault> faults;
  for (int i = 0; i < 30 && faults.empty(); ++i) {
    faults = checker.Evaluate(kRunning, Temps(i, 60, 0, -0.05 * i, 0));
  }
  EXPECT_EQ(Keys(faults),
            (std::set<std::pair<std::string, FaultKind>>{{"temp_b", FaultKind::kDrift}}));
  ASSERT_FALSE(faults.empty());
  EXPECT_THAT(faults[0].detail, HasSubstr("below"));
}

TEST(SensorHealthTest, CusumFlagsSingleSignalDriftWithinAMode) {
  SensorHealthConfig config;
  SignalHealthConfig pressure;
  pressure.name = "pressure";
  pressure.range_lo = 0;
  pressure.range_hi = 20;
  pressure.cusum_k = 0.5;
  pressure.cusum_h = 8;
  config.signals = {pressure};
  SensorHealthChecker checker = MakeChecker(config);
  std::vector<WindowSet> normal;
  for (int i = 0; i < 30; ++i) normal.push_back({{"pressure", Win(i, 5 + Jitter(i, 0), 0.2)}});
  ASSERT_TRUE(checker.Learn(normal, kRunning).ok());

  int first = -1;
  std::vector<SensorFault> faults;
  for (int i = 0; i < 100 && first < 0; ++i) {
    faults = checker.Evaluate(kRunning, {{"pressure", Win(i, 5 + 0.01 * i, 0.2)}});
    if (!faults.empty()) first = i;
  }
  ASSERT_GT(first, 0);
  EXPECT_EQ(faults[0].kind, FaultKind::kDrift);
  EXPECT_THAT(faults[0].detail, HasSubstr("above"));

  // A mode change restarts the sums; no baseline for idle means no check.
  EXPECT_THAT(checker.Evaluate(OperatingMode::kIdle, {{"pressure", Win(200, 9, 0.2)}}), IsEmpty());
}

TEST(SensorHealthTest, LearnRejectsBadInput) {
  SensorHealthChecker checker = MakeChecker(ThreeTemps());
  EXPECT_EQ(checker.Learn({}).code(), StatusCode::kInvalidArgument);
  std::vector<WindowSet> normal = NormalTemps(60);
  normal[3]["temp_b"].stddev = std::numeric_limits<double>::infinity();
  const Status s = checker.Learn(normal);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("window set 3"));
  EXPECT_THAT(s.message(), HasSubstr("temp_b"));
}

}  // namespace
}  // namespace keel::edge::context
