// Test data for the detector tests: deterministic correlated Gaussian rows.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <numbers>
#include <string>
#include <vector>

#include "common/random.h"
#include "edge/inference/detector.h"

namespace keel::edge::inference::testing {

using Rows = std::vector<std::vector<double>>;

// CreateDetector that aborts the test binary on error (a test bug).
inline std::unique_ptr<Detector> MustCreate(std::string kind,
                                            std::map<std::string, double> params = {}) {
  auto detector = CreateDetector({std::move(kind), std::move(params)});
  if (!detector.ok()) {
    std::fprintf(stderr, "MustCreate: %s\n", detector.status().ToString().c_str());
    std::abort();
  }
  return std::move(detector).value();
}

// n rows of dimension d lying near a 2-D plane: x = a * u + b * v + noise,
// with a ~ N(0, 3^2), b ~ N(0, 1), noise ~ N(0, 0.05^2) per dimension, and
// fixed directions u, v. Dimensions are offset by 10 * i.
inline Rows PlaneRows(size_t n, size_t d, uint64_t seed) {
  SeededRandom random(seed);
  Rows rows;
  for (size_t r = 0; r < n; ++r) {
    const double a = 3.0 * random.Gaussian();
    const double b = random.Gaussian();
    std::vector<double> row(d);
    for (size_t i = 0; i < d; ++i) {
      const double u = std::cos(0.7 * static_cast<double>(i));
      const double v = std::sin(1.3 * static_cast<double>(i) + 0.4);
      row[i] = 10.0 * static_cast<double>(i) + a * u + b * v + 0.05 * random.Gaussian();
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

// Type-7 quantile written independently of the library's.
inline double ReferenceQuantile(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  const double pos = q * static_cast<double>(v.size() - 1);
  const size_t i = static_cast<size_t>(pos);
  if (i + 1 == v.size()) return v[i];
  return v[i] * (1.0 - (pos - static_cast<double>(i))) + v[i + 1] * (pos - static_cast<double>(i));
}

// One-dimensional rows of the first n values (for Fit on a univariate series).
inline Rows FirstRows(const std::vector<double>& values, size_t n) {
  Rows rows;
  for (size_t i = 0; i < n; ++i) rows.push_back({values[i]});
  return rows;
}

// The scores of values[from, to), in order; a failed Score is a test failure.
inline std::vector<double> ScoreAll(Detector& detector, const std::vector<double>& values,
                                    size_t from, size_t to) {
  std::vector<double> scores;
  for (size_t i = from; i < to; ++i) {
    auto score = detector.Score(std::vector<double>{values[i]});
    if (!score.ok()) {
      ADD_FAILURE() << score.status().ToString();
      return scores;
    }
    scores.push_back(*score);
  }
  return scores;
}

// amplitude * sin(2 pi i / period) + noise * N(0, 1), i = 0..n-1.
inline std::vector<double> SineRhythm(size_t n, size_t period, uint64_t seed,
                                      double amplitude = 1.0, double noise = 0.02) {
  SeededRandom random(seed);
  std::vector<double> values;
  for (size_t i = 0; i < n; ++i) {
    values.push_back(amplitude * std::sin(2 * std::numbers::pi * static_cast<double>(i % period) /
                                          static_cast<double>(period)) +
                     noise * random.Gaussian());
  }
  return values;
}

// Fits a fresh `kind` (with `params`) on values[0, fit_rows) and returns the
// scores of the rest.
inline std::vector<double> FitAndScoreKind(const std::string& kind,
                                           const std::map<std::string, double>& params,
                                           const std::vector<double>& values, size_t fit_rows) {
  auto detector = MustCreate(kind, params);
  EXPECT_TRUE(detector->Fit(FirstRows(values, fit_rows)).ok());
  return ScoreAll(*detector, values, fit_rows, values.size());
}

// A second detector gives the same scores, and streams cut at each of `cuts`
// give the same scores for the rows they keep.
inline void ExpectCausalAndDeterministic(const std::string& kind,
                                         const std::map<std::string, double>& params,
                                         const std::vector<double>& values, size_t fit_rows,
                                         const std::vector<size_t>& cuts) {
  const std::vector<double> scores = FitAndScoreKind(kind, params, values, fit_rows);
  EXPECT_EQ(FitAndScoreKind(kind, params, values, fit_rows), scores);
  for (size_t cut : cuts) {
    const std::vector<double> prefix(values.begin(),
                                     values.begin() + static_cast<std::ptrdiff_t>(cut));
    const std::vector<double> head = FitAndScoreKind(kind, params, prefix, fit_rows);
    ASSERT_EQ(head.size(), cut - fit_rows);
    EXPECT_TRUE(std::equal(head.begin(), head.end(), scores.begin())) << kind << " cut " << cut;
  }
}

// Fits `detector` on rows[0, fit_rows), scores the rest, and returns the
// index of the first row scoring at least `level` (rows.size() if none).
inline size_t FirstAlarmRow(Detector& detector, const Rows& rows, size_t fit_rows, double level) {
  EXPECT_TRUE(
      detector.Fit(Rows(rows.begin(), rows.begin() + static_cast<std::ptrdiff_t>(fit_rows))).ok());
  for (size_t i = fit_rows; i < rows.size(); ++i) {
    auto score = detector.Score(rows[i]);
    EXPECT_TRUE(score.ok()) << score.status().ToString();
    if (score.ok() && *score >= level) return i;
  }
  return rows.size();
}

}  // namespace keel::edge::inference::testing
