#include "edge/fusion/features.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <numbers>
#include <random>
#include <vector>

namespace keel::edge::fusion {
namespace {

using LD = long double;

std::vector<double> NoisySignal(size_t n, uint32_t seed) {
  std::mt19937 gen(seed);
  std::normal_distribution<double> noise(0.0, 1.0);
  std::vector<double> x(n);
  for (size_t i = 0; i < n; ++i) x[i] = 2.0 + std::sin(0.05 * static_cast<double>(i)) + noise(gen);
  return x;
}

std::vector<double> Exponential(size_t n, uint32_t seed) {
  std::mt19937 gen(seed);
  std::exponential_distribution<double> d(1.0);
  std::vector<double> x(n);
  for (auto& v : x) v = d(gen);
  return x;
}

LD RefMean(const std::vector<double>& x) {
  LD s = 0;
  for (double v : x) s += v;
  return s / static_cast<LD>(x.size());
}

LD RefCentral(const std::vector<double>& x, int k) {
  const LD m = RefMean(x);
  LD s = 0;
  for (double v : x) s += std::pow(static_cast<LD>(v) - m, k);
  return s / static_cast<LD>(x.size());
}

double Value(const Result<double>& r) {
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : std::numeric_limits<double>::quiet_NaN();
}

TEST(FeaturesTest, ScalarFeaturesMatchLongDoubleReference) {
  for (const auto& x : {NoisySignal(1000, 1), Exponential(777, 2)}) {
    LD sum_sq = 0, peak = 0, lo = x[0], hi = x[0];
    for (double v : x) {
      sum_sq += static_cast<LD>(v) * v;
      peak = std::max(peak, static_cast<LD>(std::fabs(v)));
      lo = std::min(lo, static_cast<LD>(v));
      hi = std::max(hi, static_cast<LD>(v));
    }
    const LD rms = std::sqrt(sum_sq / static_cast<LD>(x.size()));
    const LD m2 = RefCentral(x, 2), m3 = RefCentral(x, 3), m4 = RefCentral(x, 4);
    EXPECT_NEAR(Value(Mean(x)), static_cast<double>(RefMean(x)), 1e-12);
    EXPECT_NEAR(Value(StdDev(x)), static_cast<double>(std::sqrt(m2)), 1e-12);
    EXPECT_NEAR(Value(Rms(x)), static_cast<double>(rms), 1e-12);
    EXPECT_DOUBLE_EQ(Value(Peak(x)), static_cast<double>(peak));
    EXPECT_DOUBLE_EQ(Value(PeakToPeak(x)), static_cast<double>(hi - lo));
    EXPECT_NEAR(Value(CrestFactor(x)), static_cast<double>(peak / rms), 1e-12);
    EXPECT_NEAR(Value(Kurtosis(x)), static_cast<double>(m4 / (m2 * m2)), 1e-10);
    EXPECT_NEAR(Value(Skewness(x)), static_cast<double>(m3 / std::pow(m2, 1.5L)), 1e-10);
  }
}

TEST(FeaturesTest, KnownDistributionsHaveTextbookShape) {
  std::vector<double> sine(1000);
  for (size_t i = 0; i < sine.size(); ++i) {
    sine[i] = 3.0 * std::sin(2 * std::numbers::pi * 5.0 * static_cast<double>(i) / 1000.0);
  }
  EXPECT_NEAR(Value(Rms(sine)), 3.0 / std::sqrt(2.0), 1e-9);
  EXPECT_NEAR(Value(CrestFactor(sine)), std::sqrt(2.0), 1e-3);
  EXPECT_NEAR(Value(Kurtosis(sine)), 1.5, 1e-9);
  EXPECT_NEAR(Value(Skewness(sine)), 0.0, 1e-9);

  std::mt19937 gen(7);
  std::normal_distribution<double> normal(0.0, 1.0);
  std::vector<double> gauss(200000);
  for (auto& v : gauss) v = normal(gen);
  EXPECT_NEAR(Value(Kurtosis(gauss)), 3.0, 0.05);
  EXPECT_NEAR(Value(Skewness(Exponential(200000, 3))), 2.0, 0.1);
}

TEST(FeaturesTest, ConstantSignal) {
  const std::vector<double> x(100, -4.0);
  EXPECT_DOUBLE_EQ(Value(Mean(x)), -4.0);
  EXPECT_DOUBLE_EQ(Value(StdDev(x)), 0.0);
  EXPECT_DOUBLE_EQ(Value(Rms(x)), 4.0);
  EXPECT_DOUBLE_EQ(Value(Peak(x)), 4.0);
  EXPECT_DOUBLE_EQ(Value(PeakToPeak(x)), 0.0);
  EXPECT_DOUBLE_EQ(Value(CrestFactor(x)), 1.0);
  EXPECT_DOUBLE_EQ(Value(Kurtosis(x)), 0.0);
  EXPECT_DOUBLE_EQ(Value(Skewness(x)), 0.0);
  const std::vector<double> zeros(10, 0.0);
  EXPECT_DOUBLE_EQ(Value(CrestFactor(zeros)), 0.0);
}

TEST(FeaturesTest, SingleSample) {
  const std::vector<double> x{2.5};
  EXPECT_DOUBLE_EQ(Value(Mean(x)), 2.5);
  EXPECT_DOUBLE_EQ(Value(StdDev(x)), 0.0);
  EXPECT_DOUBLE_EQ(Value(Rms(x)), 2.5);
  EXPECT_DOUBLE_EQ(Value(CrestFactor(x)), 1.0);
  EXPECT_DOUBLE_EQ(Value(Kurtosis(x)), 0.0);
  const std::vector<int64_t> t{1000};
  EXPECT_EQ(Slope(t, x).status().code(), StatusCode::kInvalidArgument);
  auto bands = BandEnergies(x, 10.0, std::vector<double>{0, 100});
  ASSERT_TRUE(bands.ok()) << bands.status().ToString();
  EXPECT_NEAR((*bands)[0], 6.25, 1e-5);  // Parseval: the one sample's energy
}

TEST(FeaturesTest, EmptyAndNonFiniteInputAreInvalidArgument) {
  const std::vector<double> empty;
  for (auto f : {Mean, StdDev, Rms, Peak, PeakToPeak, CrestFactor, Kurtosis, Skewness}) {
    auto r = f(empty);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  }
  EXPECT_FALSE(Slope({}, empty).ok());
  EXPECT_FALSE(BandEnergies(empty, 100.0, std::vector<double>{0, 10}).ok());

  const std::vector<double> bad{1.0, std::numeric_limits<double>::quiet_NaN()};
  auto r = Rms(bad);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("sample 1"), std::string::npos) << r.status().message();
  EXPECT_FALSE(BandEnergies(bad, 100.0, std::vector<double>{0, 10}).ok());
}

TEST(FeaturesTest, SlopeIsPerSecondLeastSquares) {
  std::vector<int64_t> t;
  std::vector<double> x;
  std::mt19937 gen(5);
  std::normal_distribution<double> noise(0.0, 0.1);
  for (int i = 0; i < 50; ++i) {
    t.push_back(1'700'000'000'000 + i * 200 + (i % 3));  // ~5 Hz with jitter
    x.push_back(20.0 + 0.5 * static_cast<double>(t.back() - t[0]) / 1000.0 + noise(gen));
  }
  LD tm = 0, xm = 0;
  for (size_t i = 0; i < t.size(); ++i) {
    tm += static_cast<LD>(t[i]);
    xm += x[i];
  }
  tm /= t.size();
  xm /= x.size();
  LD sxy = 0, sxx = 0;
  for (size_t i = 0; i < t.size(); ++i) {
    sxy += (static_cast<LD>(t[i]) - tm) * (x[i] - xm);
    sxx += (static_cast<LD>(t[i]) - tm) * (static_cast<LD>(t[i]) - tm);
  }
  const double slope = Value(Slope(t, x));
  EXPECT_NEAR(slope, static_cast<double>(1000 * sxy / sxx), 1e-9);
  EXPECT_NEAR(slope, 0.5, 0.05);

  EXPECT_FALSE(Slope(std::vector<int64_t>{5, 5}, std::vector<double>{1, 2}).ok());
  EXPECT_FALSE(Slope(std::vector<int64_t>{1, 2, 3}, std::vector<double>{1, 2}).ok());
}

std::vector<double> Sine(size_t n, double fs, double freq, double amp) {
  std::vector<double> x(n);
  for (size_t i = 0; i < n; ++i) {
    x[i] = amp * std::sin(2 * std::numbers::pi * freq * static_cast<double>(i) / fs);
  }
  return x;
}

TEST(BandEnergiesTest, SineEnergyLandsInItsBand) {
  const std::vector<double> edges{0, 100, 200, 300, 500};
  const auto x = Sine(1000, 1000.0, 150.0, 2.0);  // energy = n * amp^2 / 2 = 2000
  for (auto window : {SpectralWindow::kHann, SpectralWindow::kNone}) {
    auto e = BandEnergies(x, 1000.0, edges, window);
    ASSERT_TRUE(e.ok()) << e.status().ToString();
    ASSERT_EQ(e->size(), 4u);
    EXPECT_NEAR((*e)[1], 2000.0, 2000.0 * 1e-3);
    EXPECT_LT((*e)[0] + (*e)[2] + (*e)[3], 1e-3);
  }
}

TEST(BandEnergiesTest, ParsevalHoldsUnwindowedForOddAndEvenLengths) {
  for (size_t n : {1000u, 999u, 64u, 3u}) {
    const auto x = NoisySignal(n, static_cast<uint32_t>(n));
    LD energy = 0;
    for (double v : x) energy += static_cast<LD>(v) * v;
    auto e = BandEnergies(x, 1000.0, std::vector<double>{0, 1e9}, SpectralWindow::kNone);
    ASSERT_TRUE(e.ok()) << e.status().ToString();
    EXPECT_NEAR((*e)[0], static_cast<double>(energy), static_cast<double>(energy) * 1e-5) << n;
  }
}

TEST(BandEnergiesTest, WhiteNoiseSplitsByBandwidth) {
  std::mt19937 gen(11);
  std::normal_distribution<double> noise(0.0, 1.0);
  std::vector<double> x(1 << 16);
  for (auto& v : x) v = noise(gen);
  const std::vector<double> edges{0, 100, 300, 500.0001};  // widths 1:2:2
  auto e = BandEnergies(x, 1000.0, edges);
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  const double total = (*e)[0] + (*e)[1] + (*e)[2];
  EXPECT_NEAR(total, static_cast<double>(x.size()), 0.03 * static_cast<double>(x.size()));
  EXPECT_NEAR((*e)[0] / total, 0.2, 0.02);
  EXPECT_NEAR((*e)[1] / total, 0.4, 0.02);
  EXPECT_NEAR((*e)[2] / total, 0.4, 0.02);
}

TEST(BandEnergiesTest, BinsOutsideTheEdgesAreNotCounted) {
  const auto x = Sine(1000, 1000.0, 50.0, 1.0);
  auto e = BandEnergies(x, 1000.0, std::vector<double>{100, 200, 400});
  ASSERT_TRUE(e.ok());
  EXPECT_LT((*e)[0] + (*e)[1], 1e-3);
}

TEST(BandEnergiesTest, RejectsBadArguments) {
  const auto x = Sine(100, 1000.0, 50.0, 1.0);
  EXPECT_FALSE(BandEnergies(x, 0.0, std::vector<double>{0, 10}).ok());
  EXPECT_FALSE(BandEnergies(x, std::nan(""), std::vector<double>{0, 10}).ok());
  EXPECT_FALSE(BandEnergies(x, 100.0, std::vector<double>{10}).ok());
  EXPECT_FALSE(BandEnergies(x, 100.0, std::vector<double>{10, 10}).ok());
  EXPECT_FALSE(BandEnergies(x, 100.0, std::vector<double>{20, 10}).ok());
  EXPECT_FALSE(BandEnergies(x, 100.0, std::vector<double>{-1, 10}).ok());
  auto r = BandEnergies(x, 100.0, std::vector<double>{0, 10, 5});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("edge 2"), std::string::npos) << r.status().message();
}

}  // namespace
}  // namespace keel::edge::fusion
