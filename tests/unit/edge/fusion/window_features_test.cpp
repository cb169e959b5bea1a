#include "edge/fusion/window_features.h"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <random>

namespace keel::edge::fusion {
namespace {

constexpr int64_t kT0 = 1'700'000'000'000;

// One 1 s window: "motor.vibration" = 2 sin(2 pi 120 t) + N(0, 0.1) at 1 kHz,
// "motor.current" = 5 + 0.3 t (t in s) at 10 Hz, "temperature" = 40 at 1 Hz.
Window SyntheticWindow() {
  AlignerConfig config;
  config.channels = {{"motor.vibration", 1000}, {"motor.current", 10}, {"temperature", 1}};
  auto aligner = WindowAligner::Create(config);
  EXPECT_TRUE(aligner.ok());
  std::mt19937 gen(42);
  std::normal_distribution<double> noise(0.0, 0.1);
  wire::Series vib{"motor.vibration", {}}, cur{"motor.current", {}},
      temp{"temperature", {{kT0, 40}}};
  for (int i = 0; i < 1000; ++i) {
    const double ts = i / 1000.0;
    vib.points.push_back({kT0 + i, 2 * std::sin(2 * std::numbers::pi * 120 * ts) + noise(gen)});
  }
  for (int i = 0; i < 10; ++i) cur.points.push_back({kT0 + 100 * i, 5 + 0.3 * (i / 10.0)});
  for (const auto& s : {vib, cur, temp}) EXPECT_TRUE(aligner->Add(s).ok());
  auto windows = aligner->Poll(kT0 + 1000);
  EXPECT_EQ(windows.size(), 1u);
  return windows.empty() ? Window{} : windows[0];
}

FeatureSpec Spec() {
  const std::vector<Feature> all_scalar{
      Feature::kMean,       Feature::kStdDev,      Feature::kRms,      Feature::kPeak,
      Feature::kPeakToPeak, Feature::kCrestFactor, Feature::kKurtosis, Feature::kSkewness};
  FeatureSpec spec;
  ChannelFeatureSpec vib{"motor.vibration", all_scalar, 1000, {0, 100, 200, 300, 500}};
  vib.features.push_back(Feature::kBandEnergies);
  spec.channels.push_back(vib);
  spec.channels.push_back({"motor.current", {Feature::kMean, Feature::kSlope}, 10, {}});
  spec.channels.push_back({"temperature", {Feature::kMean}, 1, {}});
  return spec;
}

double Get(const FeatureSet& fs, const std::string& name) {
  for (const auto& [n, v] : fs.values) {
    if (n == name) return v;
  }
  ADD_FAILURE() << "no feature " << name;
  return 0;
}

TEST(WindowFeaturesTest, SineWithNoiseWindow) {
  const Window w = SyntheticWindow();
  auto fs = ComputeFeatures(w, Spec());
  ASSERT_TRUE(fs.ok()) << fs.status().ToString();
  EXPECT_TRUE(fs->complete);
  EXPECT_EQ(fs->window_start_ms, kT0);
  EXPECT_EQ(fs->window_end_ms, kT0 + 1000);

  const std::vector<std::string> expected_names{"motor.vibration.mean",
                                                "motor.vibration.stddev",
                                                "motor.vibration.rms",
                                                "motor.vibration.peak",
                                                "motor.vibration.peak_to_peak",
                                                "motor.vibration.crest_factor",
                                                "motor.vibration.kurtosis",
                                                "motor.vibration.skewness",
                                                "motor.vibration.band_0_100",
                                                "motor.vibration.band_100_200",
                                                "motor.vibration.band_200_300",
                                                "motor.vibration.band_300_500",
                                                "motor.current.mean",
                                                "motor.current.slope",
                                                "temperature.mean"};
  ASSERT_EQ(fs->values.size(), expected_names.size());
  for (size_t i = 0; i < expected_names.size(); ++i)
    EXPECT_EQ(fs->values[i].first, expected_names[i]);
  auto names = FeatureNames(Spec());
  ASSERT_TRUE(names.ok());
  EXPECT_EQ(*names, expected_names);

  const double signal_power = 2.0 + 0.01;  // sine amp^2/2 + noise variance
  EXPECT_NEAR(Get(*fs, "motor.vibration.mean"), 0.0, 0.02);
  EXPECT_NEAR(Get(*fs, "motor.vibration.rms"), std::sqrt(signal_power), 0.02);
  EXPECT_NEAR(Get(*fs, "motor.vibration.kurtosis"), 1.5, 0.05);
  EXPECT_GT(Get(*fs, "motor.vibration.peak"), 2.0);
  const double band = Get(*fs, "motor.vibration.band_100_200");
  EXPECT_NEAR(band, 1000 * 2.0, 1000 * 2.0 * 0.02);
  const double rest = Get(*fs, "motor.vibration.band_0_100") +
                      Get(*fs, "motor.vibration.band_200_300") +
                      Get(*fs, "motor.vibration.band_300_500");
  EXPECT_NEAR(rest, 1000 * 0.01 * 0.8, 4.0);  // noise outside the 100 Hz band
  EXPECT_NEAR(Get(*fs, "motor.current.mean"), 5.135, 1e-9);
  EXPECT_NEAR(Get(*fs, "motor.current.slope"), 0.3, 1e-9);
  EXPECT_DOUBLE_EQ(Get(*fs, "temperature.mean"), 40.0);

  std::vector<double> x;
  for (const auto& p : w.channels.at("motor.vibration").samples) x.push_back(p.value);
  EXPECT_DOUBLE_EQ(Get(*fs, "motor.vibration.crest_factor"), *CrestFactor(x));
}

TEST(WindowFeaturesTest, MissingChannelGivesNaNAndIncomplete) {
  Window w = SyntheticWindow();
  w.channels.at("motor.current") = ChannelWindow{{}, 10, 0, true};
  auto fs = ComputeFeatures(w, Spec());
  ASSERT_TRUE(fs.ok()) << fs.status().ToString();
  EXPECT_FALSE(fs->complete);
  EXPECT_EQ(fs->values.size(), 15u);
  EXPECT_TRUE(std::isnan(Get(*fs, "motor.current.mean")));
  EXPECT_TRUE(std::isnan(Get(*fs, "motor.current.slope")));
  EXPECT_FALSE(std::isnan(Get(*fs, "motor.vibration.rms")));
  EXPECT_FALSE(std::isnan(Get(*fs, "temperature.mean")));
}

TEST(WindowFeaturesTest, UncomputableFeatureGivesNaN) {
  FeatureSpec spec;
  spec.channels.push_back({"temperature", {Feature::kMean, Feature::kSlope}, 1, {}});
  auto fs = ComputeFeatures(SyntheticWindow(), spec);
  ASSERT_TRUE(fs.ok());
  EXPECT_FALSE(fs->complete);
  EXPECT_DOUBLE_EQ(Get(*fs, "temperature.mean"), 40.0);
  EXPECT_TRUE(std::isnan(Get(*fs, "temperature.slope")));  // one sample: no slope
}

TEST(WindowFeaturesTest, BandNamesUseShortestNumbers) {
  FeatureSpec spec;
  spec.channels.push_back({"x", {Feature::kBandEnergies}, 100, {0, 12.5, 25}});
  auto names = FeatureNames(spec);
  ASSERT_TRUE(names.ok()) << names.status().ToString();
  EXPECT_EQ(*names, (std::vector<std::string>{"x.band_0_12.5", "x.band_12.5_25"}));
}

TEST(WindowFeaturesTest, RejectsBadSpecsAndUnknownChannels) {
  const Window w = SyntheticWindow();
  auto code = [&](auto mutate) {
    FeatureSpec spec = Spec();
    mutate(spec);
    return ComputeFeatures(w, spec).status().code();
  };
  EXPECT_EQ(code([](FeatureSpec&) {}), StatusCode::kOk);
  EXPECT_EQ(code([](FeatureSpec& s) { s.channels.clear(); }), StatusCode::kInvalidArgument);
  EXPECT_EQ(code([](FeatureSpec& s) { s.channels[1].features.clear(); }),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(code([](FeatureSpec& s) { s.channels[1].features.push_back(Feature::kMean); }),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(code([](FeatureSpec& s) { s.channels.push_back(s.channels[0]); }),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(code([](FeatureSpec& s) { s.channels[0].sample_rate_hz = 0; }),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(code([](FeatureSpec& s) {
              s.channels[0].band_edges_hz = {100, 50};
            }),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(code([](FeatureSpec& s) { s.channels[0].band_edges_hz.clear(); }),
            StatusCode::kInvalidArgument);
  FeatureSpec spec = Spec();
  spec.channels[2].channel = "pressure";
  auto r = ComputeFeatures(w, spec);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("\"pressure\""), std::string::npos);
}

}  // namespace
}  // namespace keel::edge::fusion
