// The edge decision path on a synthetic machine: a developing vibration fault
// raises a process anomaly; a stuck temperature sensor raises a sensor fault
// and no machine alarm; a machine that stops does not alarm.
#include "edge/pipeline/analytics_pipeline.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>

#include "common/random.h"

namespace keel::edge::pipeline {
namespace {

using context::OperatingMode;
using fusion::Feature;
using Kind = PipelineEvent::Kind;

constexpr int64_t kT0 = 1'732'470'000'000;

// What the simulated machine does at second s.
struct Machine {
  std::function<double(double)> load = [](double) { return 12.0; };  // motor current, A
  std::function<double(double)> vibration_amplitude = [](double) { return 1.0; };
  std::function<bool(double)> temp_a_stuck = [](double) { return false; };
};

PipelineConfig TestConfig() {
  PipelineConfig c;
  c.aligner.window_ms = 1000;
  c.aligner.channels = {
      {"m.vib", 200}, {"m.current", 10}, {"m.temp_a", 10}, {"m.temp_b", 10}, {"m.temp_c", 10}};
  c.features.channels = {{"m.vib", {Feature::kRms, Feature::kKurtosis}, 200, {}},
                         {"m.current", {Feature::kMean}, 10, {}},
                         {"m.temp_a", {Feature::kMean, Feature::kStdDev}, 10, {}},
                         {"m.temp_b", {Feature::kMean, Feature::kStdDev}, 10, {}},
                         {"m.temp_c", {Feature::kMean, Feature::kStdDev}, 10, {}}};
  c.mode = {"m.current.mean", 1.0, 8.0, 3.0, 2};
  for (const char* t : {"m.temp_a", "m.temp_b", "m.temp_c"}) {
    context::SignalHealthConfig s;
    s.name = t;
    s.range_lo = -20;
    s.range_hi = 150;
    s.stuck_windows = 2;
    c.health.signals.push_back(s);
  }
  context::RedundantGroupConfig group;
  group.name = "m.temps";
  group.signals = {"m.temp_a", "m.temp_b", "m.temp_c"};
  group.tolerance = 5.0;
  c.health.groups.push_back(group);
  c.detector = {"mahalanobis", {{"threshold", 3.0}}};
  c.learn_windows = 40;
  c.raise_windows = 3;
  c.clear_windows = 3;
  return c;
}

class PipelineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto created = AnalyticsPipeline::Create(TestConfig());
    ASSERT_TRUE(created.ok()) << created.status().ToString();
    pipeline_ = std::move(created).value();
  }

  // Feeds seconds [from, to) of the machine and collects the events.
  void Run(int from, int to, const Machine& m) {
    for (int s = from; s < to; ++s) {
      const int64_t t = kT0 + s * 1000LL;
      const double load = m.load(s);
      wire::Series vib{"m.vib", {}}, current{"m.current", {}};
      for (int k = 0; k < 200; ++k) {
        const double phase = 2 * M_PI * 25.0 * (s + k / 200.0);
        vib.points.push_back(
            {t + k * 5, (load > 1 ? m.vibration_amplitude(s) : 0.02) * std::sin(phase) +
                            0.05 * random_.Gaussian()});
      }
      for (int k = 0; k < 10; ++k) {
        current.points.push_back({t + k * 100, load + 0.1 * random_.Gaussian()});
      }
      ASSERT_TRUE(pipeline_->Add(vib).ok());
      ASSERT_TRUE(pipeline_->Add(current).ok());
      for (const char* name : {"m.temp_a", "m.temp_b", "m.temp_c"}) {
        wire::Series temp{name, {}};
        const bool stuck = std::string(name) == "m.temp_a" && m.temp_a_stuck(s);
        for (int k = 0; k < 10; ++k) {
          const double value = 40 + 0.5 * load + 0.2 * random_.Gaussian();
          if (stuck && stuck_value_ == 0) stuck_value_ = value;
          temp.points.push_back({t + k * 100, stuck ? stuck_value_ : value});
        }
        ASSERT_TRUE(pipeline_->Add(temp).ok());
      }
      auto events = pipeline_->Poll(t + 1000, &reports_);
      ASSERT_TRUE(events.ok()) << events.status().ToString();
      for (auto& e : *events) events_.push_back(std::move(e));
    }
  }

  std::vector<PipelineEvent> Of(Kind kind) const {
    std::vector<PipelineEvent> out;
    for (const auto& e : events_) {
      if (e.kind == kind) out.push_back(e);
    }
    return out;
  }

  SeededRandom random_{17};
  double stuck_value_ = 0;
  std::unique_ptr<AnalyticsPipeline> pipeline_;
  std::vector<PipelineEvent> events_;
  std::vector<WindowReport> reports_;
};

TEST_F(PipelineTest, LearnsTheRunningModeAndStaysQuietOnNormalData) {
  Run(0, 150, Machine{});
  EXPECT_EQ(pipeline_->mode(), OperatingMode::kRunning);
  EXPECT_EQ(Of(Kind::kLearned).size(), 1u);
  EXPECT_TRUE(Of(Kind::kAnomalyRaised).empty());
  EXPECT_TRUE(Of(Kind::kSensorFaultRaised).empty());
  EXPECT_GT(pipeline_->stats().scored_windows, 100u);
  // One report per window, scored once the running mode is learned.
  ASSERT_EQ(reports_.size(), pipeline_->stats().windows);
  const WindowReport& last = reports_.back();
  EXPECT_EQ(last.end_ms - last.start_ms, 1000);
  EXPECT_EQ(last.mode, OperatingMode::kRunning);
  EXPECT_TRUE(last.complete);
  EXPECT_TRUE(last.scored);
  EXPECT_DOUBLE_EQ(last.threshold, 3.0);
  EXPECT_EQ(last.features.size(), 9u);
  EXPECT_EQ(last.features.front().first, "m.vib.rms");
  EXPECT_FALSE(last.anomaly_active);
  EXPECT_TRUE(last.faulty_signals.empty());
  EXPECT_FALSE(reports_.front().scored);
}

TEST_F(PipelineTest, DevelopingVibrationFaultRaisesAnAnomalyDrivenByVibration) {
  Machine m;
  m.vibration_amplitude = [](double s) { return s < 100 ? 1.0 : 1.0 + 0.05 * (s - 100); };
  Run(0, 160, m);
  const auto raised = Of(Kind::kAnomalyRaised);
  ASSERT_EQ(raised.size(), 1u);
  // The amplitude grows 5 % per second from t=100 s: detected within 30 s.
  EXPECT_LE(raised[0].at_ms, kT0 + 130'000);
  EXPECT_GE(raised[0].at_ms, kT0 + 100'000);
  EXPECT_EQ(raised[0].signals, std::vector<std::string>{"m.vib"});
  EXPECT_EQ(raised[0].mode, "running");
  EXPECT_TRUE(Of(Kind::kSensorFaultRaised).empty());
}

TEST_F(PipelineTest, StuckTemperatureSensorIsASensorFaultNotAMachineAlarm) {
  Machine m;
  m.temp_a_stuck = [](double s) { return s >= 100; };
  Run(0, 140, m);
  const auto faults = Of(Kind::kSensorFaultRaised);
  ASSERT_FALSE(faults.empty());
  EXPECT_EQ(faults[0].signals, std::vector<std::string>{"m.temp_a"});
  EXPECT_NE(faults[0].detail.find("stuck"), std::string::npos) << faults[0].detail;
  EXPECT_TRUE(Of(Kind::kAnomalyRaised).empty());
  EXPECT_GT(pipeline_->stats().suppressed_as_sensor_fault, 0u);
  EXPECT_EQ(reports_.back().faulty_signals, std::vector<std::string>{"m.temp_a"});
  EXPECT_FALSE(reports_.back().anomaly_active);
}

TEST_F(PipelineTest, MachineStoppingDoesNotAlarm) {
  Machine m;
  m.load = [](double s) {
    if (s < 100) return 12.0;
    if (s < 104) return 12.0 - 3.0 * (s - 100);  // ramp down
    return 0.0;
  };
  Run(0, 160, m);
  EXPECT_EQ(pipeline_->mode(), OperatingMode::kOff);
  EXPECT_TRUE(Of(Kind::kAnomalyRaised).empty());
  EXPECT_FALSE(Of(Kind::kModeChanged).empty());
}

// A stop seen late by the mode detector: the vibration changes at once, the
// load stays in the running band for two windows, then drops. The window
// whose load already says "another mode" is still "running" by the
// debounced mode (dwell 2); judging it would make the third anomalous window
// in a row and raise an alarm for a stop.
TEST_F(PipelineTest, WindowsOfAnUnconfirmedModeChangeAreNotJudged) {
  Machine m;
  m.load = [](double s) {
    if (s < 100) return 12.0;
    if (s < 102) return 10.0 - (s - 100);
    return 0.0;
  };
  m.vibration_amplitude = [](double s) { return s < 100 ? 1.0 : 0.3; };
  Run(0, 110, m);
  EXPECT_TRUE(Of(Kind::kAnomalyRaised).empty());
  EXPECT_EQ(pipeline_->mode(), OperatingMode::kOff);
  // The two stop windows in the running band were judged (and anomalous).
  EXPECT_EQ(pipeline_->stats().anomalous_windows, 2u);
}

TEST(PipelineConfigTest, LoadSignalMustBeAFeature) {
  PipelineConfig c = TestConfig();
  c.mode.load_signal = "m.current.rms";
  auto created = AnalyticsPipeline::Create(c);
  ASSERT_FALSE(created.ok());
  EXPECT_NE(created.status().message().find("m.current.rms"), std::string::npos);
  c = TestConfig();
  c.learn_windows = 1;
  EXPECT_EQ(AnalyticsPipeline::Create(c).status().code(), StatusCode::kInvalidArgument);
  c = TestConfig();
  c.detector.kind = "oracle";
  EXPECT_EQ(AnalyticsPipeline::Create(c).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace keel::edge::pipeline
