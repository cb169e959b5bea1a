// Deterministic test signals for the reduction tests (seeded, no clock).
#pragma once

#include <cmath>
#include <cstdint>
#include <numbers>
#include <random>
#include <vector>

#include "wire/telemetry.h"

namespace keel::edge::reduction::testing {

inline constexpr int64_t kT0 = 1'732'470'000'000;

inline std::vector<wire::Point> RandomWalk(int n, int64_t step_ms, double sigma, uint32_t seed) {
  std::mt19937 gen(seed);
  std::normal_distribution<double> step(0.0, sigma);
  std::vector<wire::Point> out;
  double v = 0;
  for (int i = 0; i < n; ++i) {
    out.push_back({kT0 + i * step_ms, v});
    v += step(gen);
  }
  return out;
}

inline std::vector<wire::Point> Sine(int n, int64_t step_ms, double amplitude, double period_ms) {
  std::vector<wire::Point> out;
  for (int i = 0; i < n; ++i) {
    const double t = static_cast<double>(i * step_ms);
    out.push_back({kT0 + i * step_ms, amplitude * std::sin(2 * std::numbers::pi * t / period_ms)});
  }
  return out;
}

// Alternates between `low` and `high` every `run` points.
inline std::vector<wire::Point> Steps(int n, int64_t step_ms, int run, double low, double high) {
  std::vector<wire::Point> out;
  for (int i = 0; i < n; ++i) out.push_back({kT0 + i * step_ms, (i / run) % 2 ? high : low});
  return out;
}

// A slow temperature: base + slow drift + daily-ish swing + gaussian noise.
inline std::vector<wire::Point> Temperature(int n, double noise_sigma, uint32_t seed) {
  std::mt19937 gen(seed);
  std::normal_distribution<double> noise(0.0, noise_sigma);
  std::vector<wire::Point> out;
  for (int i = 0; i < n; ++i) {
    const double s = static_cast<double>(i);
    out.push_back({kT0 + i * 1000,
                   40 + 0.0005 * s + 2 * std::sin(2 * std::numbers::pi * s / 3600) + noise(gen)});
  }
  return out;
}

// Irregular timestamps (1..max_gap_ms apart) with noisy values.
inline std::vector<wire::Point> Noisy(int n, int64_t max_gap_ms, double sigma, uint32_t seed) {
  std::mt19937 gen(seed);
  std::normal_distribution<double> noise(0.0, sigma);
  std::uniform_int_distribution<int64_t> gap(1, max_gap_ms);
  std::vector<wire::Point> out;
  int64_t t = kT0;
  for (int i = 0; i < n; ++i) {
    out.push_back({t, 10 + noise(gen)});
    t += gap(gen);
  }
  return out;
}

}  // namespace keel::edge::reduction::testing
