#include "edge/context/operating_mode.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

namespace keel::edge::context {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr int64_t kT0 = 1700000000000;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

ModeDetectorConfig Config(int dwell) {
  ModeDetectorConfig config;
  config.load_signal = "motor_current_rms";
  config.off_below = 1.0;
  config.running_above = 8.0;
  config.ramp_rate_per_s = 1.5;
  config.min_dwell_windows = dwell;
  return config;
}

// Feeds one load per 1 s window; returns the sequence of distinct modes seen.
// `t` is the end of the previous window and is advanced.
std::vector<OperatingMode> Feed(ModeDetector& detector, const std::vector<double>& loads,
                                int64_t& t) {
  std::vector<OperatingMode> modes;
  for (double load : loads) {
    t += 1000;
    const OperatingMode mode = detector.Update(t, load);
    if (modes.empty() || modes.back() != mode) modes.push_back(mode);
  }
  return modes;
}

TEST(ModeDetectorTest, StartStopSequence) {
  auto detector = ModeDetector::Create(Config(2));
  ASSERT_TRUE(detector.ok()) << detector.status().ToString();
  int64_t t = kT0;
  const std::vector<double> loads = {0, 0, 0, 2, 4, 6, 8, 10, 10, 10, 10,
                                     8, 6, 4, 4, 4, 4, 0, 0,  0,  0};
  EXPECT_THAT(Feed(*detector, loads, t),
              ElementsAre(OperatingMode::kOff, OperatingMode::kRamping, OperatingMode::kRunning,
                          OperatingMode::kRamping, OperatingMode::kIdle, OperatingMode::kOff));
  // Window 18 (4 -> 0) is a ramp candidate; off is dated from window 19, the last is 21.
  EXPECT_EQ(detector->TimeInModeMs(), 2000);
}

TEST(ModeDetectorTest, ChangeIsDatedFromFirstWindowOfTheDwell) {
  auto detector = ModeDetector::Create(Config(3));
  ASSERT_TRUE(detector.ok());
  EXPECT_EQ(detector->Update(kT0 + 1000, 5.0), OperatingMode::kIdle);
  EXPECT_EQ(detector->Update(kT0 + 2000, 9.0), OperatingMode::kIdle);  // ramping candidate
  EXPECT_EQ(detector->Update(kT0 + 3000, 9.0), OperatingMode::kIdle);  // running candidate 1
  EXPECT_EQ(detector->Update(kT0 + 4000, 9.0), OperatingMode::kIdle);  // 2
  EXPECT_EQ(detector->Update(kT0 + 5000, 9.0), OperatingMode::kRunning);
  EXPECT_EQ(detector->TimeInModeMs(), 2000);
}

TEST(ModeDetectorTest, NoiseAtThresholdDoesNotFlap) {
  std::vector<double> loads(5, 5.0);
  for (int i = 0; i < 20; ++i) loads.push_back(i % 2 == 0 ? 7.9 : 8.1);
  int64_t t = kT0;
  int64_t t2 = kT0;
  auto debounced = ModeDetector::Create(Config(3));
  ASSERT_TRUE(debounced.ok());
  EXPECT_THAT(Feed(*debounced, loads, t), ElementsAre(OperatingMode::kIdle));

  auto undebounced = ModeDetector::Create(Config(1));
  ASSERT_TRUE(undebounced.ok());
  EXPECT_GT(Feed(*undebounced, loads, t2).size(), 10u);

  loads.assign(3, 8.1);
  EXPECT_THAT(Feed(*debounced, loads, t),
              ElementsAre(OperatingMode::kIdle, OperatingMode::kRunning));
}

TEST(ModeDetectorTest, MissingLoadKeepsModeAndIsReported) {
  auto detector = ModeDetector::Create(Config(2));
  ASSERT_TRUE(detector.ok());
  EXPECT_EQ(detector->Update(kT0 + 1000, 10.0), OperatingMode::kRunning);
  EXPECT_EQ(detector->last_issue(), LoadIssue::kNone);
  EXPECT_EQ(detector->Update(kT0 + 2000, kNaN), OperatingMode::kRunning);
  EXPECT_EQ(detector->last_issue(), LoadIssue::kMissing);
  EXPECT_EQ(detector->Update(kT0 + 3000, std::numeric_limits<double>::infinity()),
            OperatingMode::kRunning);
  EXPECT_EQ(detector->missing_windows(), 2);
  EXPECT_EQ(detector->Update(kT0 + 4000, 10.0), OperatingMode::kRunning);
  EXPECT_EQ(detector->last_issue(), LoadIssue::kNone);
}

TEST(ModeDetectorTest, MissingLoadBeforeFirstSampleStaysOff) {
  auto detector = ModeDetector::Create(Config(2));
  ASSERT_TRUE(detector.ok());
  EXPECT_EQ(detector->Update(kT0, kNaN), OperatingMode::kOff);
  EXPECT_EQ(detector->TimeInModeMs(), 0);
  EXPECT_EQ(detector->last_issue(), LoadIssue::kMissing);
}

TEST(ModeDetectorTest, OutOfOrderWindowIsIgnoredAndReported) {
  auto detector = ModeDetector::Create(Config(1));
  ASSERT_TRUE(detector.ok());
  EXPECT_EQ(detector->Update(kT0 + 2000, 10.0), OperatingMode::kRunning);
  EXPECT_EQ(detector->Update(kT0 + 2000, 0.0), OperatingMode::kRunning);
  EXPECT_EQ(detector->last_issue(), LoadIssue::kOutOfOrder);
  EXPECT_EQ(detector->Update(kT0 + 1000, 0.0), OperatingMode::kRunning);
  EXPECT_EQ(detector->out_of_order_windows(), 2);
}

TEST(ModeDetectorTest, RejectsInvalidConfig) {
  ModeDetectorConfig config = Config(2);
  config.running_above = 0.5;
  auto r = ModeDetector::Create(config);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(r.status().message(),
              HasSubstr("mode detector \"motor_current_rms\": running_above = 0.5"));

  config = Config(2);
  config.load_signal = "";
  EXPECT_THAT(ModeDetector::Create(config).status().message(), HasSubstr("load_signal"));
  config = Config(0);
  EXPECT_THAT(ModeDetector::Create(config).status().message(), HasSubstr("min_dwell_windows"));
  config = Config(2);
  config.ramp_rate_per_s = 0;
  EXPECT_THAT(ModeDetector::Create(config).status().message(), HasSubstr("ramp_rate_per_s"));
  config = Config(2);
  config.off_below = kNaN;
  EXPECT_THAT(ModeDetector::Create(config).status().message(), HasSubstr("off_below"));
}

TEST(ModeDetectorTest, Names) {
  EXPECT_EQ(OperatingModeName(OperatingMode::kOff), "off");
  EXPECT_EQ(OperatingModeName(OperatingMode::kIdle), "idle");
  EXPECT_EQ(OperatingModeName(OperatingMode::kRamping), "ramping");
  EXPECT_EQ(OperatingModeName(OperatingMode::kRunning), "running");
  for (auto mode : {OperatingMode::kOff, OperatingMode::kIdle, OperatingMode::kRamping,
                    OperatingMode::kRunning}) {
    EXPECT_EQ(OperatingModeFromName(OperatingModeName(mode)), mode);
  }
  EXPECT_EQ(OperatingModeFromName("Running"), std::nullopt);
  EXPECT_EQ(OperatingModeFromName(""), std::nullopt);
}

}  // namespace
}  // namespace keel::edge::context
