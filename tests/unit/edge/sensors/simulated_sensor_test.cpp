#include "edge/sensors/simulated_sensor.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "edge/sensors/sample_grid.h"

namespace keel::edge {
namespace {

using ::testing::HasSubstr;

constexpr int64_t kT0 = 1'732'470'000'000;

SignalConfig Signal(std::string name, double rate_hz, Waveform waveform = Waveform::kSine) {
  SignalConfig s;
  s.name = std::move(name);
  s.unit = "u";
  s.rate_hz = rate_hz;
  s.waveform = waveform;
  return s;
}

SensorConfig Sensor(std::vector<SignalConfig> signals) {
  return SensorConfig{"simulated", "m1", std::move(signals), {}};
}

std::unique_ptr<SensorDriver> Make(const SensorConfig& config, uint64_t seed = 7) {
  auto r = CreateSimulatedSensor(config, seed);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? std::move(r).value() : nullptr;
}

// Collects all points per series over Read calls at the given times.
std::map<std::string, std::vector<wire::Point>> ReadAt(SensorDriver& driver,
                                                       const std::vector<int64_t>& times) {
  std::map<std::string, std::vector<wire::Point>> out;
  for (int64_t t : times) {
    std::vector<wire::Series> series;
    EXPECT_TRUE(driver.Read(t, &series).ok());
    for (auto& s : series) {
      EXPECT_FALSE(s.points.empty());
      auto& dst = out[s.name];
      dst.insert(dst.end(), s.points.begin(), s.points.end());
    }
  }
  return out;
}

TEST(SampleGridTest, FractionalPeriodsRoundToStrictlyIncreasingMs) {
  SampleGrid grid(3.0);
  std::vector<int64_t> times;
  grid.Due(1000, 100, &times);
  grid.Due(3000, 100, &times);
  EXPECT_EQ(times, (std::vector<int64_t>{1000, 1333, 1667, 2000, 2333, 2667, 3000}));
}

TEST(SampleGridTest, CatchUpIsBoundedPerCallWithoutGaps) {
  SampleGrid grid(1000.0);
  std::vector<int64_t> times;
  grid.Due(0, 10, &times);
  grid.Due(100, 10, &times);
  ASSERT_EQ(times.size(), 11u);
  times.clear();
  grid.Due(100, 1000, &times);
  ASSERT_EQ(times.size(), 90u);
  EXPECT_EQ(times.front(), 11);
  EXPECT_EQ(times.back(), 100);
}

TEST(SampleGridTest, VerySlowRateIsExact) {
  SampleGrid grid(0.1);
  std::vector<int64_t> times;
  grid.Due(kT0, 100, &times);
  grid.Due(kT0 + 100'000, 100, &times);
  ASSERT_EQ(times.size(), 11u);
  for (size_t k = 0; k < times.size(); ++k) EXPECT_EQ(times[k], kT0 + 10'000 * int64_t(k));
}

// Read at irregular times: exactly rate * duration samples on the exact grid.
TEST(SimulatedSensorTest, IrregularReadsFollowTheSampleGrid) {
  auto driver = Make(Sensor({Signal("slow", 1), Signal("fast", 100), Signal("odd", 7)}));
  std::vector<int64_t> times{kT0};
  int64_t t = kT0;
  for (int64_t step : {1, 999, 3, 1500, 2, 0, 497, 2998}) times.push_back(t += step);
  ASSERT_EQ(t, kT0 + 6000);
  auto points = ReadAt(*driver, times);

  const std::map<std::string, double> rates{{"m1.slow", 1}, {"m1.fast", 100}, {"m1.odd", 7}};
  for (const auto& [name, rate] : rates) {
    const auto& p = points[name];
    ASSERT_EQ(p.size(), static_cast<size_t>(rate * 6) + 1) << name;
    for (size_t k = 0; k < p.size(); ++k) {
      EXPECT_EQ(p[k].t_ms, kT0 + std::llround(double(k) * 1000.0 / rate)) << name << " " << k;
    }
  }
}

TEST(SimulatedSensorTest, OutputIndependentOfReadFrequency) {
  SignalConfig noisy = Signal("walk", 50, Waveform::kRandomWalk);
  noisy.noise_stddev = 0.3;
  const SensorConfig config = Sensor({noisy, Signal("sine", 20)});
  auto a = Make(config, 42);
  auto b = Make(config, 42);
  std::vector<int64_t> every_ms;
  for (int64_t t = kT0; t <= kT0 + 2000; ++t) every_ms.push_back(t);
  EXPECT_EQ(ReadAt(*a, every_ms), ReadAt(*b, {kT0, kT0 + 777, kT0 + 2000}));
}

TEST(SimulatedSensorTest, DeterministicPerSeedAndDifferentAcrossSeeds) {
  SignalConfig walk = Signal("walk", 10, Waveform::kRandomWalk);
  walk.noise_stddev = 0.1;
  const SensorConfig config = Sensor({walk});
  auto a = ReadAt(*Make(config, 1), {kT0, kT0 + 5000});
  auto b = ReadAt(*Make(config, 1), {kT0, kT0 + 5000});
  auto c = ReadAt(*Make(config, 2), {kT0, kT0 + 5000});
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
}

TEST(SimulatedSensorTest, WaveformsHaveExpectedShape) {
  SignalConfig sine = Signal("sine", 100, Waveform::kSine);
  sine.offset = 40;
  sine.amplitude = 5;
  sine.period_s = 1;
  SignalConfig constant = Signal("constant", 10, Waveform::kConstant);
  constant.offset = 3.5;
  SignalConfig square = Signal("square", 100, Waveform::kSquare);
  square.offset = 1;
  square.amplitude = 2;
  square.period_s = 0.2;
  SignalConfig walk = Signal("walk", 100, Waveform::kRandomWalk);
  walk.offset = 10;
  walk.amplitude = 1;
  walk.period_s = 0.05;
  // Start on a whole second so the absolute-time phase starts at 0.
  auto points = ReadAt(*Make(Sensor({sine, constant, square, walk})), {kT0, kT0 + 20'000});

  double lo = 1e9, hi = -1e9;
  for (const auto& p : points["m1.sine"]) {
    lo = std::min(lo, p.value);
    hi = std::max(hi, p.value);
  }
  EXPECT_NEAR(lo, 35, 1e-6);
  EXPECT_NEAR(hi, 45, 1e-6);
  EXPECT_NEAR(points["m1.sine"][25].value, 45, 1e-9);  // a quarter period in

  for (const auto& p : points["m1.constant"]) EXPECT_EQ(p.value, 3.5);

  for (const auto& p : points["m1.square"]) {
    const int64_t phase_ms = (p.t_ms - kT0) % 200;
    EXPECT_EQ(p.value, phase_ms < 100 ? 3.0 : -1.0) << p.t_ms;
  }

  double sum = 0, sum_sq = 0;
  const auto& w = points["m1.walk"];
  for (const auto& p : w) {
    sum += p.value;
    sum_sq += p.value * p.value;
  }
  const double mean = sum / double(w.size());
  const double stddev = std::sqrt(sum_sq / double(w.size()) - mean * mean);
  EXPECT_NEAR(mean, 10, 0.2);
  EXPECT_NEAR(stddev, 1, 0.25);
}

TEST(SimulatedSensorTest, NoiseHasConfiguredSpread) {
  SignalConfig c = Signal("c", 1000, Waveform::kConstant);
  c.offset = 5;
  c.noise_stddev = 2;
  auto points = ReadAt(*Make(Sensor({c})), {kT0, kT0 + 9999});
  const auto& p = points["m1.c"];
  ASSERT_EQ(p.size(), 10000u);
  double sum = 0, sum_sq = 0;
  for (const auto& x : p) {
    sum += x.value - 5;
    sum_sq += (x.value - 5) * (x.value - 5);
  }
  EXPECT_NEAR(sum / 10000, 0, 0.1);
  EXPECT_NEAR(std::sqrt(sum_sq / 10000), 2, 0.1);
}

TEST(SimulatedSensorTest, ChannelsNameSeriesAfterSensorAndSignal) {
  auto driver = Make(Sensor({Signal("temp", 2)}));
  EXPECT_EQ(driver->kind(), "simulated");
  ASSERT_EQ(driver->channels().size(), 1u);
  EXPECT_EQ(driver->channels()[0], (ChannelSpec{"m1.temp", "u", 2}));
}

TEST(SimulatedSensorTest, NoSignalsMeansPlausibleDefaults) {
  auto driver = Make(Sensor({}));
  ASSERT_EQ(driver->channels().size(), 3u);
  EXPECT_EQ(driver->channels()[0].name, "m1.temperature");
  auto points = ReadAt(*driver, {kT0, kT0 + 60'000});
  ASSERT_EQ(points["m1.temperature"].size(), 61u);
  ASSERT_EQ(points["m1.current"].size(), 601u);
  for (const auto& p : points["m1.temperature"]) {
    EXPECT_GT(p.value, 30);
    EXPECT_LT(p.value, 50);
  }
}

TEST(SimulatedSensorTest, TimeGoingBackwardsYieldsNothing) {
  auto driver = Make(Sensor({Signal("s", 10)}));
  std::vector<wire::Series> out;
  ASSERT_TRUE(driver->Read(kT0 + 1000, &out).ok());
  out.clear();
  ASSERT_TRUE(driver->Read(kT0, &out).ok());
  EXPECT_TRUE(out.empty());
  ASSERT_TRUE(driver->Read(kT0 + 1100, &out).ok());
  ASSERT_EQ(out.size(), 1u);
  ASSERT_EQ(out[0].points.size(), 1u);
  EXPECT_EQ(out[0].points[0].t_ms, kT0 + 1100);
}

TEST(SimulatedSensorTest, RejectsInvalidConfig) {
  auto expect_error = [](const SensorConfig& config, const std::string& text) {
    auto r = CreateSimulatedSensor(config, 1);
    ASSERT_FALSE(r.ok()) << text;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_THAT(r.status().message(), HasSubstr(text));
  };
  expect_error(Sensor({Signal("t", 0)}),
               "sensor \"m1\": signal \"t\": rate_hz: must be between 0.1 and 1000, got 0");
  expect_error(Sensor({Signal("t", 1001)}), "rate_hz");
  expect_error(Sensor({Signal("t", NAN)}), "rate_hz");
  SignalConfig bad = Signal("t", 1);
  bad.period_s = 0;
  expect_error(Sensor({bad}), "period_s");
  bad = Signal("t", 1);
  bad.noise_stddev = -1;
  expect_error(Sensor({bad}), "noise_stddev");
  bad = Signal("t", 1);
  bad.offset = INFINITY;
  expect_error(Sensor({bad}), "offset");
  expect_error(Sensor({Signal("has space", 1)}), "name");
  expect_error(Sensor({Signal("", 1)}), "name");
  expect_error(Sensor({Signal("a", 1), Signal("a", 2)}), "used twice");
  SensorConfig unnamed = Sensor({});
  unnamed.name = "bad.name";
  expect_error(unnamed, "sensor name");
  SensorConfig with_option = Sensor({});
  with_option.options["port"] = "/dev/ttyS0";
  expect_error(with_option, "option \"port\"");
  SensorConfig other_kind = Sensor({});
  other_kind.kind = "modbus";
  expect_error(other_kind, "not \"simulated\"");
}

TEST(WaveformTest, ParseRoundTripsAndRejectsUnknown) {
  for (Waveform w :
       {Waveform::kSine, Waveform::kConstant, Waveform::kRandomWalk, Waveform::kSquare}) {
    auto parsed = ParseWaveform(WaveformName(w));
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(*parsed, w);
  }
  auto bad = ParseWaveform("triangle");
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(), HasSubstr("triangle"));
}

}  // namespace
}  // namespace keel::edge
