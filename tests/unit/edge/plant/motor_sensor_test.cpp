#include "edge/plant/motor_sensor.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <numbers>

#include "edge/plant/motor_params.h"
#include "edge/sensors/sensor_registry.h"

namespace keel::edge::plant {
namespace {

using ::testing::HasSubstr;

constexpr int64_t kT0 = 1'732'470'000'000;
using Points = std::vector<wire::Point>;
using Collected = std::map<std::string, Points>;

SignalConfig Signal(std::string name, double rate_hz, double noise = 0) {
  SignalConfig s;
  s.name = std::move(name);
  s.rate_hz = rate_hz;
  s.noise_stddev = noise;
  return s;
}

SensorConfig Motor(std::map<std::string, std::string> options,
                   std::vector<SignalConfig> signals = {}) {
  return SensorConfig{"motor", "m1", std::move(signals), std::move(options)};
}

std::unique_ptr<SensorDriver> Make(const SensorConfig& config, uint64_t seed = 7) {
  auto r = CreateMotorSensor(config, seed);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? std::move(r).value() : nullptr;
}

Collected ReadAt(SensorDriver& driver, const std::vector<int64_t>& offsets_ms) {
  Collected out;
  for (int64_t offset : offsets_ms) {
    std::vector<wire::Series> series;
    EXPECT_TRUE(driver.Read(kT0 + offset, &series).ok());
    for (auto& s : series) {
      EXPECT_FALSE(s.points.empty());
      auto& dst = out[s.name];
      dst.insert(dst.end(), s.points.begin(), s.points.end());
    }
  }
  return out;
}

// Reads once per second up to end_s.
Collected RunFor(const SensorConfig& config, int64_t end_s, uint64_t seed = 7) {
  auto driver = Make(config, seed);
  std::vector<int64_t> times;
  for (int64_t s = 0; s <= end_s; ++s) times.push_back(s * 1000);
  return driver ? ReadAt(*driver, times) : Collected{};
}

std::vector<double> Window(const Points& points, double from_s, double to_s) {
  std::vector<double> values;
  for (const auto& p : points) {
    const double t = static_cast<double>(p.t_ms - kT0) / 1000.0;
    if (t >= from_s && t < to_s) values.push_back(p.value);
  }
  return values;
}

double Mean(const std::vector<double>& v) {
  double sum = 0;
  for (double x : v) sum += x;
  return v.empty() ? 0 : sum / static_cast<double>(v.size());
}

double Stddev(const std::vector<double>& v) {
  const double m = Mean(v);
  double sum = 0;
  for (double x : v) sum += (x - m) * (x - m);
  return v.empty() ? 0 : std::sqrt(sum / static_cast<double>(v.size()));
}

// Amplitude of the component at freq_hz, by correlation with a sine and a
// cosine over the window (samples at rate_hz).
double AmplitudeAt(const std::vector<double>& v, double rate_hz, double freq_hz) {
  double re = 0;
  double im = 0;
  for (size_t k = 0; k < v.size(); ++k) {
    const double angle = 2 * std::numbers::pi * freq_hz * static_cast<double>(k) / rate_hz;
    re += v[k] * std::cos(angle);
    im += v[k] * std::sin(angle);
  }
  return 2 * std::hypot(re, im) / static_cast<double>(v.size());
}

TEST(MotorSensorTest, DefaultChannelsAndTheirGridsUnderIrregularReads) {
  auto driver = Make(Motor({}));
  ASSERT_NE(driver, nullptr);
  ASSERT_EQ(driver->channels().size(), 7u);
  EXPECT_EQ(driver->channels()[0], (ChannelSpec{"m1.vibration", "g", 1000}));
  EXPECT_EQ(driver->channels()[3], (ChannelSpec{"m1.temperature_bearing", "degC", 1}));
  auto got = ReadAt(*driver, {0, 1, 333, 1000, 2500, 2501, 2400, 5000});
  ASSERT_EQ(got.size(), 7u);
  for (const ChannelSpec& spec : driver->channels()) {
    const Points& points = got[spec.name];
    ASSERT_EQ(points.size(), static_cast<size_t>(5 * spec.rate_hz) + 1) << spec.name;
    for (size_t k = 0; k < points.size(); ++k) {
      ASSERT_EQ(points[k].t_ms, kT0 + std::llround(1000.0 * static_cast<double>(k) / spec.rate_hz))
          << spec.name;
      ASSERT_TRUE(std::isfinite(points[k].value));
    }
  }
}

TEST(MotorSensorTest, SamplesDoNotDependOnReadTimingAndFollowTheSeed) {
  const SensorConfig config =
      Motor({{"ramp_s", "1"}, {"faults", "cavitation@2s"}},
            {Signal("vibration", 500), Signal("pressure", 10, 0.01), Signal("current", 7, 0.05)});
  auto a = Make(config);
  auto b = Make(config);
  std::vector<int64_t> every_100ms;
  for (int64_t t = 0; t <= 4000; t += 100) every_100ms.push_back(t);
  const Collected regular = ReadAt(*a, every_100ms);
  const Collected irregular = ReadAt(*b, {0, 7, 1234, 1235, 3999, 4000});
  EXPECT_EQ(regular, irregular);
  EXPECT_EQ(regular.at("m1.vibration").size(), 2001u);
  auto c = Make(config, 8);
  EXPECT_NE(ReadAt(*c, {0, 4000}).at("m1.vibration"), regular.at("m1.vibration"));
}

TEST(MotorSensorTest, CatchUpIsBoundedPerReadWithoutGaps) {
  auto driver = Make(Motor({}, {Signal("vibration", 1000), Signal("temperature_winding", 1)}));
  std::vector<wire::Series> first;
  ASSERT_TRUE(driver->Read(kT0, &first).ok());
  std::vector<wire::Series> second;
  ASSERT_TRUE(driver->Read(kT0 + 150'000, &second).ok());
  ASSERT_EQ(second.size(), 2u);
  EXPECT_EQ(second[0].points.size(), 60'000u);
  EXPECT_EQ(second[0].points.back().t_ms, kT0 + kMotorMaxCatchUpMs);
  EXPECT_EQ(second[1].points.size(), 60u);
  std::vector<wire::Series> third;
  ASSERT_TRUE(driver->Read(kT0 + 150'000, &third).ok());
  EXPECT_EQ(third[0].points.front().t_ms, kT0 + kMotorMaxCatchUpMs + 1);
  EXPECT_EQ(third[0].points.back().t_ms, kT0 + 2 * kMotorMaxCatchUpMs);
  std::vector<wire::Series> earlier;
  ASSERT_TRUE(driver->Read(kT0 + 1000, &earlier).ok());
  EXPECT_TRUE(earlier.empty());
}

TEST(MotorSensorTest, ShaftHarmonicDominatesAndImbalanceRaisesIt) {
  const std::vector<SignalConfig> vibration = {Signal("vibration", 1000)};
  const Collected healthy = RunFor(Motor({{"ramp_s", "1"}}, vibration), 6);
  const Collected unbalanced =
      RunFor(Motor({{"ramp_s", "1"}, {"faults", "imbalance@0s:factor=3"}}, vibration), 6);
  const double shaft_hz = 1480.0 / 60.0;
  const auto window = Window(healthy.at("m1.vibration"), 2, 6);
  const double at_1x = AmplitudeAt(window, 1000, shaft_hz);
  EXPECT_NEAR(at_1x, 0.05, 0.005);
  EXPECT_NEAR(AmplitudeAt(window, 1000, 2 * shaft_hz), 0.02, 0.003);
  EXPECT_LT(AmplitudeAt(window, 1000, 37.0), at_1x / 10);
  EXPECT_NEAR(AmplitudeAt(Window(unbalanced.at("m1.vibration"), 2, 6), 1000, shaft_hz), 0.15, 0.01);
}

TEST(MotorSensorTest, BearingWearGrowsTheDefectFrequencyComponent) {
  const Collected got = RunFor(Motor({{"ramp_s", "1"}, {"faults", "bearing_wear@6s:growth=0.02"}},
                                     {Signal("vibration", 1000)}),
                               46);
  const double bpfo_hz = BearingDefectOrders({}).bpfo * 1480.0 / 60.0;
  const double bpfi_hz = BearingDefectOrders({}).bpfi * 1480.0 / 60.0;
  const Points& v = got.at("m1.vibration");
  const double before = AmplitudeAt(Window(v, 2, 6), 1000, bpfo_hz);
  const double mid = AmplitudeAt(Window(v, 22, 26), 1000, bpfo_hz);
  const double late = AmplitudeAt(Window(v, 42, 46), 1000, bpfo_hz);
  EXPECT_LT(before, 0.005);
  EXPECT_GT(mid, 3 * before);
  EXPECT_GT(late, 1.5 * mid);
  EXPECT_NEAR(late, 0.002 + 0.1 * 0.8, 0.01);
  EXPECT_GT(AmplitudeAt(Window(v, 42, 46), 1000, bpfi_hz),
            5 * AmplitudeAt(Window(v, 2, 6), 1000, bpfi_hz));
  EXPECT_LT(AmplitudeAt(Window(v, 42, 46), 1000, 60.0), late / 10);
}

TEST(MotorSensorTest, StartStopShapesSpeedAndCurrent) {
  const Collected got = RunFor(Motor({{"ramp_s", "5"}, {"schedule", "on@2s;off@20s"}},
                                     {Signal("speed", 10), Signal("current", 10, 0.05)}),
                               30);
  const Points& speed = got.at("m1.speed");
  const Points& current = got.at("m1.current");
  for (double v : Window(speed, 0, 2)) EXPECT_NEAR(v, 0, 0.001);
  for (double v : Window(current, 0, 2)) EXPECT_NEAR(v, 0, 0.3);
  const double running_current = Mean(Window(current, 10, 19));
  EXPECT_NEAR(running_current, 15, 1);
  EXPECT_NEAR(Mean(Window(speed, 10, 19)), 1480, 1);
  const auto ramp = Window(current, 2, 7);
  EXPECT_GT(*std::max_element(ramp.begin(), ramp.end()), 4 * running_current);
  const auto ramp_speed = Window(speed, 2.1, 6.9);
  EXPECT_TRUE(std::is_sorted(ramp_speed.begin(), ramp_speed.end()));
  EXPECT_NEAR(Mean(Window(speed, 4.45, 4.55)), 1480 * 0.5, 20);
  const auto down = Window(current, 20.1, 25);
  EXPECT_LT(*std::max_element(down.begin(), down.end()), running_current + 1);
  for (double v : Window(speed, 25.1, 31)) EXPECT_NEAR(v, 0, 0.001);
  for (double v : Window(current, 25.1, 31)) EXPECT_NEAR(v, 0, 0.3);
}

TEST(MotorSensorTest, TemperaturesLagTheLoad) {
  const Collected got =
      RunFor(Motor({}, {Signal("temperature_winding", 1), Signal("temperature_bearing", 1)}), 120);
  const Points& winding = got.at("m1.temperature_winding");
  const Points& bearing = got.at("m1.temperature_bearing");
  EXPECT_NEAR(winding.front().value, 25, 0.01);
  EXPECT_LT(winding[10].value, 30);
  EXPECT_GT(winding[60].value, winding[10].value + 3);
  EXPECT_GT(winding[120].value, winding[60].value + 3);
  EXPECT_LT(winding[120].value, 50);
  EXPECT_GT(bearing[120].value, bearing[10].value + 1);
  EXPECT_LT(bearing[120].value - 25, winding[120].value - 25);
  for (size_t k = 1; k < winding.size(); ++k) EXPECT_GE(winding[k].value, winding[k - 1].value);
}

TEST(MotorSensorTest, OverheatRaisesWindingThenBearingTemperature) {
  const std::vector<SignalConfig> temps = {Signal("temperature_winding", 1),
                                           Signal("temperature_bearing", 1)};
  const Collected normal = RunFor(Motor({{"winding_tau_s", "20"}}, temps), 60);
  const Collected hot =
      RunFor(Motor({{"winding_tau_s", "20"}, {"faults", "overheat@10s:rise=40"}}, temps), 60);
  EXPECT_EQ(hot.at("m1.temperature_winding")[9], normal.at("m1.temperature_winding")[9]);
  EXPECT_GT(hot.at("m1.temperature_winding")[60].value,
            normal.at("m1.temperature_winding")[60].value + 30);
  EXPECT_GT(hot.at("m1.temperature_bearing")[60].value,
            normal.at("m1.temperature_bearing")[60].value + 0.5);
}

const std::vector<SignalConfig> kProcessSignals = {
    Signal("current", 10, 0.05), Signal("temperature_winding", 1, 0.05),
    Signal("temperature_bearing", 1, 0.05), Signal("pressure", 10, 0.01)};

TEST(MotorSensorTest, StuckSensorFreezesOnlyItsSignal) {
  const Collected normal = RunFor(Motor({}, kProcessSignals), 60);
  const Collected stuck = RunFor(
      Motor({{"faults", "stuck@30s:signal=temperature_winding,for=20s"}}, kProcessSignals), 60);
  const Points& w = stuck.at("m1.temperature_winding");
  for (size_t k = 31; k < 50; ++k) EXPECT_EQ(w[k].value, w[29].value) << k;
  EXPECT_EQ(Points(w.begin(), w.begin() + 30),
            Points(normal.at("m1.temperature_winding").begin(),
                   normal.at("m1.temperature_winding").begin() + 30));
  EXPECT_EQ(w[50], normal.at("m1.temperature_winding")[50]);
  EXPECT_GT(w[50].value, w[29].value + 2);
  EXPECT_EQ(stuck.at("m1.temperature_bearing"), normal.at("m1.temperature_bearing"));
  EXPECT_EQ(stuck.at("m1.current"), normal.at("m1.current"));
  EXPECT_EQ(stuck.at("m1.pressure"), normal.at("m1.pressure"));
}

TEST(MotorSensorTest, DriftGrowsLinearlyAndNoisyAddsNoiseOnlyToItsSignal) {
  const Collected normal = RunFor(Motor({}, kProcessSignals), 30);
  const Collected faulty = RunFor(
      Motor({{"faults", "drift@10s:signal=pressure,rate=0.01;noisy@5s:signal=current,stddev=2"}},
            kProcessSignals),
      30);
  const Points& p = faulty.at("m1.pressure");
  const Points& p0 = normal.at("m1.pressure");
  for (size_t k = 0; k < p.size(); ++k) {
    const double t_s = static_cast<double>(p[k].t_ms - kT0) / 1000.0;
    EXPECT_NEAR(p[k].value - p0[k].value, t_s < 10 ? 0 : 0.01 * (t_s - 10), 1e-9) << t_s;
  }
  std::vector<double> diff;
  const Points& c = faulty.at("m1.current");
  const Points& c0 = normal.at("m1.current");
  for (size_t k = 0; k < c.size(); ++k) {
    if (c[k].t_ms < kT0 + 5000) {
      EXPECT_EQ(c[k], c0[k]);
    } else {
      diff.push_back(c[k].value - c0[k].value);
    }
  }
  EXPECT_NEAR(Stddev(diff), 2, 0.3);
  EXPECT_EQ(faulty.at("m1.temperature_winding"), normal.at("m1.temperature_winding"));
}

TEST(MotorSensorTest, CavitationMovesFlowPressureVibrationAndCurrentTogether) {
  const Collected got =
      RunFor(Motor({{"ramp_s", "2"}, {"faults", "cavitation@10s:severity=1,for=10s"}},
                   {Signal("vibration", 200), Signal("pressure", 10, 0.01), Signal("flow", 10, 0.2),
                    Signal("current", 10, 0.05)}),
             30);
  auto mean = [&](const char* name, double from, double to) {
    return Mean(Window(got.at(std::string("m1.") + name), from, to));
  };
  EXPECT_NEAR(mean("flow", 4, 10), 50, 0.5);
  EXPECT_NEAR(mean("pressure", 4, 10), 3, 0.05);
  EXPECT_NEAR(mean("flow", 10.1, 20), 35, 0.5);
  EXPECT_NEAR(mean("pressure", 10.1, 20), 2.4, 0.1);
  EXPECT_LT(mean("current", 10.1, 20), mean("current", 4, 10) - 2);
  EXPECT_GT(Stddev(Window(got.at("m1.pressure"), 10.1, 20)),
            10 * Stddev(Window(got.at("m1.pressure"), 4, 10)));
  EXPECT_GT(Stddev(Window(got.at("m1.vibration"), 10.1, 20)),
            3 * Stddev(Window(got.at("m1.vibration"), 4, 10)));
  EXPECT_NEAR(mean("flow", 20.1, 30), 50, 0.5);
}

TEST(MotorSensorTest, RejectsBadConfigurations) {
  auto error = [](const SensorConfig& config) {
    auto r = CreateMotorSensor(config, 1);
    EXPECT_FALSE(r.ok());
    return r.ok() ? "" : r.status().message();
  };
  SensorConfig wrong_kind = Motor({});
  wrong_kind.kind = "simulated";
  EXPECT_THAT(error(wrong_kind), HasSubstr("is not \"motor\""));
  EXPECT_THAT(error(Motor({{"rpm", "x"}})), HasSubstr("sensor \"m1\": option \"rpm\""));
  EXPECT_THAT(error(Motor({}, {Signal("torque", 10)})), HasSubstr("signal \"torque\": unknown"));
  SignalConfig celsius = Signal("temperature_winding", 1);
  celsius.unit = "K";
  EXPECT_THAT(error(Motor({}, {celsius})), HasSubstr("unit must be \"degC\""));
  EXPECT_THAT(error(Motor({}, {Signal("vibration", 5000)})), HasSubstr("rate_hz"));
  EXPECT_THAT(error(Motor({{"faults", "stuck@1s:signal=flow"}}, {Signal("pressure", 10)})),
              HasSubstr("unknown signal \"flow\""));
}

TEST(MotorSensorTest, RegisteredAsKindMotorIdempotently) {
  ASSERT_TRUE(RegisterPlantSensors().ok());
  ASSERT_TRUE(RegisterPlantSensors().ok());
  EXPECT_TRUE(IsSensorKindRegistered("motor"));
  auto r = CreateSensor(Motor({{"rpm", "2950"}}), 3);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r.value()->kind(), "motor");
  EXPECT_EQ(r.value()->channels().size(), 7u);
  auto bad = CreateSensor(Motor({{"rpm", "1"}}), 3);
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace keel::edge::plant
