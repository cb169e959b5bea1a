#include <kissfft/kiss_fftr.h>

#include <cmath>
#include <memory>
#include <numbers>
#include <string>

#include "edge/fusion/features.h"

namespace keel::edge::fusion {
namespace {

struct FftrFree {
  void operator()(kiss_fftr_cfg cfg) const { kiss_fftr_free(cfg); }
};
using FftrPtr = std::unique_ptr<std::remove_pointer_t<kiss_fftr_cfg>, FftrFree>;

}  // namespace

Status ValidateBandEdges(std::span<const double> band_edges_hz) {
  if (band_edges_hz.size() < 2) {
    return Status::InvalidArgument("fusion: band energies: need at least 2 band edges, got " +
                                   std::to_string(band_edges_hz.size()));
  }
  for (size_t i = 0; i < band_edges_hz.size(); ++i) {
    const double e = band_edges_hz[i];
    if (!std::isfinite(e) || e < 0) {
      return Status::InvalidArgument("fusion: band energies: edge " + std::to_string(i) +
                                     " is negative or not finite");
    }
    if (i > 0 && e <= band_edges_hz[i - 1]) {
      return Status::InvalidArgument("fusion: band energies: edge " + std::to_string(i) +
                                     " is not greater than edge " + std::to_string(i - 1));
    }
  }
  return Status::Ok();
}

Result<std::vector<double>> BandEnergies(std::span<const double> x, double sample_rate_hz,
                                         std::span<const double> band_edges_hz,
                                         SpectralWindow window) {
  if (x.empty()) return Status::InvalidArgument("fusion: band energies: no samples");
  if (!std::isfinite(sample_rate_hz) || sample_rate_hz <= 0) {
    return Status::InvalidArgument("fusion: band energies: sample rate must be finite and > 0");
  }
  KEEL_RETURN_IF_ERROR(ValidateBandEdges(band_edges_hz));

  const size_t n = x.size();
  const size_t nfft = n + (n % 2);
  std::vector<kiss_fft_scalar> in(nfft, 0.0f);
  double power_gain = 0;
  for (size_t i = 0; i < n; ++i) {
    if (!std::isfinite(x[i])) {
      return Status::InvalidArgument("fusion: band energies: sample " + std::to_string(i) +
                                     " is not finite");
    }
    double w = 1;
    if (window == SpectralWindow::kHann && n > 1) {
      w = 0.5 -
          0.5 * std::cos(2 * std::numbers::pi * static_cast<double>(i) / static_cast<double>(n));
    }
    power_gain += w * w;
    in[i] = static_cast<kiss_fft_scalar>(x[i] * w);
  }
  power_gain /= static_cast<double>(n);

  FftrPtr cfg(kiss_fftr_alloc(static_cast<int>(nfft), 0, nullptr, nullptr));
  if (!cfg) return Status::Internal("fusion: band energies: kiss_fftr_alloc failed");
  std::vector<kiss_fft_cpx> out(nfft / 2 + 1);
  kiss_fftr(cfg.get(), in.data(), out.data());

  const size_t bands = band_edges_hz.size() - 1;
  std::vector<double> energy(bands, 0.0);
  const double scale = 1.0 / (static_cast<double>(nfft) * power_gain);
  size_t band = 0;
  for (size_t k = 0; k < out.size(); ++k) {
    const double f = static_cast<double>(k) * sample_rate_hz / static_cast<double>(nfft);
    if (f < band_edges_hz[0]) continue;
    while (band < bands && f >= band_edges_hz[band + 1]) ++band;
    if (band == bands) break;
    const double re = out[k].r, im = out[k].i;
    const double c = (k == 0 || k == nfft / 2) ? 1.0 : 2.0;
    energy[band] += c * (re * re + im * im) * scale;
  }
  return energy;
}

}  // namespace keel::edge::fusion
