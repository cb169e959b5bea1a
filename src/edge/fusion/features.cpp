#include "edge/fusion/features.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace keel::edge::fusion {
namespace {

Status CheckSamples(std::span<const double> x, const char* feature) {
  if (x.empty()) {
    return Status::InvalidArgument(std::string("fusion: ") + feature + ": no samples");
  }
  for (size_t i = 0; i < x.size(); ++i) {
    if (!std::isfinite(x[i])) {
      return Status::InvalidArgument(std::string("fusion: ") + feature + ": sample " +
                                     std::to_string(i) + " is not finite");
    }
  }
  return Status::Ok();
}

double MeanOf(std::span<const double> x) {
  double sum = 0;
  for (double v : x) sum += v;
  return sum / static_cast<double>(x.size());
}

struct Moments {
  double m2 = 0, m3 = 0, m4 = 0;
};

Moments CentralMoments(std::span<const double> x) {
  const double mean = MeanOf(x);
  Moments m;
  for (double v : x) {
    const double d = v - mean;
    const double d2 = d * d;
    m.m2 += d2;
    m.m3 += d2 * d;
    m.m4 += d2 * d2;
  }
  const auto n = static_cast<double>(x.size());
  m.m2 /= n;
  m.m3 /= n;
  m.m4 /= n;
  return m;
}

double RmsOf(std::span<const double> x) {
  double sum = 0;
  for (double v : x) sum += v * v;
  return std::sqrt(sum / static_cast<double>(x.size()));
}

double PeakOf(std::span<const double> x) {
  double peak = 0;
  for (double v : x) peak = std::max(peak, std::fabs(v));
  return peak;
}

}  // namespace

Result<double> Mean(std::span<const double> x) {
  KEEL_RETURN_IF_ERROR(CheckSamples(x, "mean"));
  return MeanOf(x);
}

Result<double> StdDev(std::span<const double> x) {
  KEEL_RETURN_IF_ERROR(CheckSamples(x, "stddev"));
  return std::sqrt(CentralMoments(x).m2);
}

Result<double> Rms(std::span<const double> x) {
  KEEL_RETURN_IF_ERROR(CheckSamples(x, "rms"));
  return RmsOf(x);
}

Result<double> Peak(std::span<const double> x) {
  KEEL_RETURN_IF_ERROR(CheckSamples(x, "peak"));
  return PeakOf(x);
}

Result<double> PeakToPeak(std::span<const double> x) {
  KEEL_RETURN_IF_ERROR(CheckSamples(x, "peak_to_peak"));
  const auto [lo, hi] = std::minmax_element(x.begin(), x.end());
  return *hi - *lo;
}

Result<double> CrestFactor(std::span<const double> x) {
  KEEL_RETURN_IF_ERROR(CheckSamples(x, "crest_factor"));
  const double rms = RmsOf(x);
  if (rms == 0) return 0.0;
  return PeakOf(x) / rms;
}

Result<double> Kurtosis(std::span<const double> x) {
  KEEL_RETURN_IF_ERROR(CheckSamples(x, "kurtosis"));
  const Moments m = CentralMoments(x);
  if (m.m2 == 0) return 0.0;
  return m.m4 / (m.m2 * m.m2);
}

Result<double> Skewness(std::span<const double> x) {
  KEEL_RETURN_IF_ERROR(CheckSamples(x, "skewness"));
  const Moments m = CentralMoments(x);
  if (m.m2 == 0) return 0.0;
  return m.m3 / std::pow(m.m2, 1.5);
}

Result<double> Slope(std::span<const int64_t> t_ms, std::span<const double> x) {
  if (t_ms.size() != x.size()) {
    return Status::InvalidArgument("fusion: slope: " + std::to_string(t_ms.size()) +
                                   " timestamps for " + std::to_string(x.size()) + " samples");
  }
  KEEL_RETURN_IF_ERROR(CheckSamples(x, "slope"));
  const int64_t t0 = t_ms[0];
  double t_mean = 0;
  for (int64_t t : t_ms) t_mean += static_cast<double>(t - t0);
  t_mean /= static_cast<double>(t_ms.size());
  const double x_mean = MeanOf(x);
  double sxy = 0, sxx = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    const double dt = static_cast<double>(t_ms[i] - t0) - t_mean;
    sxy += dt * (x[i] - x_mean);
    sxx += dt * dt;
  }
  if (sxx == 0) {
    return Status::InvalidArgument("fusion: slope: needs at least two distinct timestamps");
  }
  return 1000.0 * sxy / sxx;
}

}  // namespace keel::edge::fusion
