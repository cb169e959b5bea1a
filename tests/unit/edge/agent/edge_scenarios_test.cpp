// The edge decision path end to end on the simulated pump (edge/plant), in
// simulated time: sensors -> EdgeAnalytics (windows, features, mode, sensor
// health, model, rules) -> local actions and upstream events. The agent's
// sampler does exactly this every tick; here time is driven by the test, so
// ten simulated minutes take seconds.
//
// [edge-intel-1] a developing bearing fault raises an anomaly driven by the
// vibration channel within a bounded time of its onset, and nothing before.
// [edge-intel-2] a stuck temperature sensor raises a sensor fault and no
// machine alarm.
// [edge-intel-3] a machine that stops and restarts does not alarm.
// [edge-intel-4] rules drive local actions (GPIO) on the window they fire.
// KEEL_SCENARIO_DUMP=1 prints every event of every scenario.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>

#include "common/files.h"
#include "edge/agent/analytics_setup.h"
#include "edge/config/agent_config.h"
#include "edge/fusion/window_features.h"
#include "edge/plant/motor_sensor.h"
#include "edge/rules/fake_gpio.h"
#include "edge/sensors/sensor_registry.h"
#include "test_util/temp_dir.h"
#include "unit/edge/analytics/pump_config.h"

namespace keel::edge {
namespace {

using ::testing::Contains;

constexpr int64_t kT0 = 1'764'000'000'000;  // 2025-11-24
constexpr int64_t kTickMs = 100;

struct ScenarioRun {
  std::vector<wire::Event> events;
  std::vector<std::string> series_names;
  uint64_t samples_sent = 0;
  analytics::AnalyticsStats stats;

  std::vector<wire::Event> Of(std::string_view type) const {
    std::vector<wire::Event> out;
    for (const auto& e : events) {
      if (e.type == type) out.push_back(e);
    }
    return out;
  }
};

class EdgeScenarioTest : public ::testing::Test {
 protected:
  // Runs `seconds` of a pump with the given schedule and faults.
  ScenarioRun Simulate(const std::string& schedule, const std::string& faults, int seconds,
                       const std::string& rules = "", const std::string& model_dir = "") {
    SensorConfig sensor;
    sensor.kind = "motor";
    sensor.name = "pump";
    sensor.options = {{"schedule", schedule}, {"faults", faults}};
    auto driver = plant::CreateMotorSensor(sensor, 7);
    EXPECT_TRUE(driver.ok()) << driver.status().ToString();
    if (!driver.ok()) return {};

    toml::table root = toml::parse(std::string_view(kPumpAnalytics), std::string_view("pump"));
    auto config = analytics::ParseAnalyticsSection(*root.get("analytics"), "pump");
    EXPECT_TRUE(config.ok()) << config.status().ToString();
    if (!rules.empty()) {
      EXPECT_TRUE(WriteFileAtomic(dir_.path() / "rules.toml", rules).ok());
      config->rules_file = dir_.path() / "rules.toml";
    }
    if (!model_dir.empty()) config->model_dir = model_dir;
    auto built = BuildAnalytics(*config, (*driver)->channels(), &gpio_);
    EXPECT_TRUE(built.ok()) << built.status().ToString();
    if (!built.ok()) return {};
    auto& edge = **built;

    ScenarioRun run;
    for (int64_t t = kT0; t <= kT0 + seconds * 1000LL; t += kTickMs) {
      std::vector<wire::Series> raw;
      EXPECT_TRUE((*driver)->Read(t, &raw).ok());
      analytics::AnalyticsOutput out;
      Status s = edge.Process(std::move(raw), t, &out);
      EXPECT_TRUE(s.ok()) << s.ToString();
      for (auto& e : out.events) run.events.push_back(std::move(e));
      for (const auto& series : out.series) {
        run.samples_sent += series.points.size();
        if (std::find(run.series_names.begin(), run.series_names.end(), series.name) ==
            run.series_names.end()) {
          run.series_names.push_back(series.name);
        }
      }
    }
    run.stats = edge.stats();
    if (getenv("KEEL_SCENARIO_DUMP") != nullptr) {
      for (const auto& e : run.events) {
        fprintf(stderr, "%+.1fs %s %s\n", (e.t_ms - kT0) / 1000.0, e.type.c_str(),
                e.data.dump().substr(0, 3000).c_str());
      }
    }
    return run;
  }

  static std::vector<std::string> Signals(const wire::Event& e) {
    return e.data.value("signals", std::vector<std::string>{});
  }

  TempDir dir_;
  rules::FakeGpioLineFactory gpio_{{{"gpiochip0", 8}}};
};

TEST_F(EdgeScenarioTest, HealthyPumpLearnsAndStaysQuiet) {
  const ScenarioRun run = Simulate("on@0s", "", 300);
  EXPECT_EQ(run.Of("model.learned").size(), 1u);
  EXPECT_TRUE(run.Of("anomaly.raised").empty());
  EXPECT_TRUE(run.Of("sensor_fault.raised").empty());
  EXPECT_GT(run.stats.scored_windows, 50u);
  // Data reduction: features instead of 1 kHz raw vibration.
  EXPECT_THAT(run.series_names, Contains("pump.vibration.rms"));
  EXPECT_THAT(run.series_names, Contains("keel:score"));
  EXPECT_THAT(run.series_names, ::testing::Not(Contains("pump.vibration")));
  EXPECT_THAT(run.series_names, Contains("pump.speed"));  // deadband-compressed
  EXPECT_GT(run.stats.raw_samples, 50 * run.samples_sent);
}

TEST_F(EdgeScenarioTest, DevelopingBearingFaultRaisesAnAnomalyDrivenByVibration) {
  const int64_t onset_s = 200;
  const ScenarioRun run = Simulate("on@0s", "bearing_wear@200s:growth=0.01", 400);
  const auto raised = run.Of("anomaly.raised");
  ASSERT_FALSE(raised.empty());
  const wire::Event& first = raised.front();
  EXPECT_GE(first.t_ms, kT0 + onset_s * 1000);
  EXPECT_LE(first.t_ms, kT0 + (onset_s + 120) * 1000) << "detected too late";
  EXPECT_THAT(Signals(first), Contains("pump.vibration"));
  EXPECT_EQ(first.data["mode"], "running");
  EXPECT_GT(first.data["score"].get<double>(), first.data["threshold"].get<double>());
  EXPECT_EQ(first.data["model"], "builtin:mahalanobis");
  EXPECT_TRUE(first.data["features"].contains("pump.vibration.rms"));
  // Raw vibration around the event follows as telemetry.
  ASSERT_TRUE(first.data.contains("snippet"));
  EXPECT_THAT(run.series_names, Contains("pump.vibration"));
  EXPECT_GE(run.stats.snippets, 1u);
  EXPECT_TRUE(run.Of("sensor_fault.raised").empty());
}

TEST_F(EdgeScenarioTest, StuckTemperatureIsASensorFaultAndNoMachineAlarm) {
  const ScenarioRun run = Simulate("on@0s", "stuck@200s:signal=temperature_bearing", 320);
  const auto faults = run.Of("sensor_fault.raised");
  ASSERT_EQ(faults.size(), 1u);
  EXPECT_EQ(faults[0].data["signal"], "pump.temperature_bearing");
  EXPECT_THAT(faults[0].data["fault"].get<std::string>(), ::testing::StartsWith("stuck"));
  EXPECT_GE(faults[0].t_ms, kT0 + 200'000);
  EXPECT_LE(faults[0].t_ms, kT0 + 260'000);
  EXPECT_TRUE(run.Of("anomaly.raised").empty());
}

TEST_F(EdgeScenarioTest, MachineStoppingAndRestartingDoesNotAlarm) {
  const ScenarioRun run = Simulate("on@0s;off@200s;on@260s", "", 360);
  EXPECT_TRUE(run.Of("anomaly.raised").empty());
  EXPECT_TRUE(run.Of("sensor_fault.raised").empty());
  std::vector<std::string> modes;
  for (const auto& e : run.Of("mode.changed")) modes.push_back(e.data["mode"]);
  EXPECT_THAT(modes, Contains("off"));
  EXPECT_EQ(modes.back(), "running");
}

TEST_F(EdgeScenarioTest, RuleDrivesAGpioLineLocally) {
  const std::string rules = R"(
[[rule]]
name = "vibration-high"
input = "pump.vibration.rms"
kind = "for_duration"
above = 0.12
for_ms = 4000
when_mode = ["running"]
severity = "critical"
actions = ["publish", "gpio:alarm-lamp"]

[[gpio]]
name = "alarm-lamp"
chip = "gpiochip0"
line = 3
)";
  const ScenarioRun run = Simulate("on@0s", "imbalance@150s:factor=6", 220, rules);
  const auto raised = run.Of("rule.raised");
  ASSERT_EQ(raised.size(), 1u);
  EXPECT_EQ(raised[0].data["rule"], "vibration-high");
  EXPECT_EQ(raised[0].data["severity"], "critical");
  EXPECT_GE(raised[0].t_ms, kT0 + 150'000);
  // The GPIO worker sets the line asynchronously; wait for it briefly.
  for (int i = 0; i < 200 && gpio_.line("gpiochip0", 3).values.size() < 2; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_EQ(gpio_.line("gpiochip0", 3).values, (std::vector<int>{0, 1}));
  EXPECT_GT(run.stats.decision_latency.count, 0u);
}

// A model bundle replaces the configured built-in detector; its input schema
// must be the configured features, in order.
TEST_F(EdgeScenarioTest, ModelBundleIsUsedAndItsInputsMustMatchTheFeatures) {
  toml::table root = toml::parse(std::string_view(kPumpAnalytics), std::string_view("pump"));
  auto config = analytics::ParseAnalyticsSection(*root.get("analytics"), "pump");
  ASSERT_TRUE(config.ok());
  SensorConfig sensor{"motor", "pump", {}, {}};
  auto driver = plant::CreateMotorSensor(sensor, 7);
  ASSERT_TRUE(driver.ok());
  ASSERT_TRUE(analytics::ResolveChannelRates((*driver)->channels(), &*config).ok());
  auto names = fusion::FeatureNames(config->pipeline.features);
  ASSERT_TRUE(names.ok()) << names.status().ToString();
  auto write_bundle = [&](const std::string& dir, const std::vector<std::string>& inputs) {
    nlohmann::json manifest = {
        {"name", "pump-maha"},
        {"version", "1.4.0"},
        {"backend", "builtin"},
        {"inputs", inputs},
        {"builtin", {{"kind", "mahalanobis"}, {"params", {{"threshold", 12.0}}}}},
        {"health", {{"golden", nlohmann::json::array()}, {"latency_budget_us", 1000}}}};
    ASSERT_TRUE(EnsureDirectory(dir_.path() / dir).ok());
    ASSERT_TRUE(WriteFileAtomic(dir_.path() / dir / "manifest.json", manifest.dump()).ok());
  };
  write_bundle("good", *names);
  const ScenarioRun run =
      Simulate("on@0s", "bearing_wear@200s:growth=0.01", 300, "", (dir_.path() / "good").string());
  ASSERT_FALSE(run.Of("anomaly.raised").empty());
  EXPECT_EQ(run.Of("anomaly.raised")[0].data["model"], "pump-maha@1.4.0");

  std::vector<std::string> swapped = *names;
  std::swap(swapped[0], swapped[1]);
  write_bundle("swapped", swapped);
  config->model_dir = dir_.path() / "swapped";
  auto built = BuildAnalytics(*config, (*driver)->channels(), &gpio_);
  ASSERT_FALSE(built.ok());
  EXPECT_THAT(built.status().message(), ::testing::HasSubstr("are not the configured features"));
}

// The documented example is a working configuration.
TEST(EdgePumpExampleTest, LoadsAndBuildsWithItsRules) {
  ASSERT_TRUE(plant::RegisterPlantSensors().ok());
  auto config =
      LoadAgentConfig(std::filesystem::path(KEEL_SOURCE_DIR) / "examples" / "edge-pump.toml");
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  ASSERT_TRUE(config->analytics.has_value());
  auto driver = CreateSensor(config->sensors.at(0), 1);
  ASSERT_TRUE(driver.ok()) << driver.status().ToString();
  auto built = BuildAnalytics(*config->analytics, (*driver)->channels());
  ASSERT_TRUE(built.ok()) << built.status().ToString();
}

}  // namespace
}  // namespace keel::edge
