// Scalar and spectral features of one channel's samples in one window: the
// numbers anomaly detectors consume (docs: DESIGN.md section 4).
//
// All functions are pure, thread-safe and allocation-light. Inputs are spans
// of samples x[0..n-1]; n is the sample count. They return InvalidArgument,
// with a message naming the feature and the offending index, when the input
// is empty or contains a non-finite value. Sums are accumulated in double;
// the mean and central moments use two passes (mean first) for stability.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "common/status.h"

namespace keel::edge::fusion {

// mean = (1/n) * sum x_i
Result<double> Mean(std::span<const double> x);

// Population standard deviation: sqrt((1/n) * sum (x_i - mean)^2).
// 0 for a constant signal and for a single sample.
Result<double> StdDev(std::span<const double> x);

// Root mean square: sqrt((1/n) * sum x_i^2).
Result<double> Rms(std::span<const double> x);

// Peak amplitude: max_i |x_i|.
Result<double> Peak(std::span<const double> x);

// max_i x_i - min_i x_i. 0 for a constant signal.
Result<double> PeakToPeak(std::span<const double> x);

// Peak / Rms; 0 when Rms == 0 (an all-zero signal). A pure sine gives
// sqrt(2), a constant non-zero signal gives 1.
Result<double> CrestFactor(std::span<const double> x);

// Pearson kurtosis (not excess): m4 / m2^2, with the population central
// moments m_k = (1/n) * sum (x_i - mean)^k. A normal distribution gives 3,
// a sine 1.5. Undefined when m2 == 0 (constant input or one sample): returns
// 0 then, so a feature vector stays finite; StdDev tells the cases apart.
Result<double> Kurtosis(std::span<const double> x);

// Population skewness: m3 / m2^(3/2), moments as for Kurtosis. 0 for
// symmetric data; returns 0 when m2 == 0 (constant input or one sample).
Result<double> Skewness(std::span<const double> x);

// Ordinary least-squares slope of x against time, in value units per SECOND:
//   slope = 1000 * sum (t_i - tm)(x_i - xm) / sum (t_i - tm)^2
// with t in ms and tm, xm the means. Errors (InvalidArgument): spans of
// different lengths, empty input, non-finite x, or fewer than two distinct
// timestamps (the slope is undefined). Timestamps need not be sorted.
Result<double> Slope(std::span<const int64_t> t_ms, std::span<const double> x);

enum class SpectralWindow {
  kHann,  // periodic Hann, w_i = 0.5 - 0.5 cos(2 pi i / n); default
  kNone,  // rectangular (no windowing); Parseval holds exactly
};

// Energy of x per frequency band, from a real FFT (KissFFT, float precision).
//
// Procedure: x (n samples, assumed uniformly spaced at sample_rate_hz) is
// multiplied by the window w (w == 1 for kNone, and for n == 1), then
// zero-padded to N = n rounded up to even (KissFFT's real FFT needs an even
// length). X_k = sum_j y_j e^{-2 pi i j k / N}, k = 0..N/2, and bin k has
// centre frequency f_k = k * sample_rate_hz / N. The energy of bin k is
//   E_k = c_k * |X_k|^2 / (N * G),   c_k = 1 for k = 0 and k = N/2, else 2,
// where G = (1/n) * sum w_i^2 is the window's power gain (G = 1 for kNone,
// 0.375 for a long Hann window). With kNone, sum_k E_k == sum_j x_j^2
// exactly (Parseval; up to float rounding). With kHann the total is the
// signal energy for stationary signals, approximately (a Hann window leaks
// a pure tone into the neighbouring bins, so narrow bands lose some energy).
//
// band_edges_hz = {e_0, e_1, ..., e_K} defines K bands [e_{b}, e_{b+1});
// result[b] is the sum of E_k over bins with e_b <= f_k < e_{b+1}. Bins
// outside [e_0, e_K) are not counted. Edges above Nyquist are allowed.
// Errors (InvalidArgument): empty or non-finite x, sample_rate_hz not finite
// and > 0, fewer than 2 edges, a negative or non-finite edge, edges not
// strictly increasing.
Result<std::vector<double>> BandEnergies(std::span<const double> x, double sample_rate_hz,
                                         std::span<const double> band_edges_hz,
                                         SpectralWindow window = SpectralWindow::kHann);

// Validates band edges as BandEnergies does, without computing anything.
Status ValidateBandEdges(std::span<const double> band_edges_hz);

}  // namespace keel::edge::fusion
