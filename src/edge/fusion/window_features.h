// ComputeFeatures: turns one aligned Window into the flat, named, ordered
// feature vector a detector consumes.
//
// Names are "<channel>.<feature>", e.g. "motor.vibration.rms", and for band
// energies "<channel>.band_<lo>_<hi>" with the edges in Hz in shortest form
// ("motor.vibration.band_0_100", "x.band_12.5_25"). The order follows the
// FeatureSpec: channels in the listed order, features in the listed order,
// bands in ascending order. The same spec always yields the same names in
// the same order, whatever the window's data.
//
// Missing data: when a channel is `missing` in the window, or a feature
// cannot be computed from the samples present (no samples at all; Slope with
// fewer than two distinct timestamps), its values are NaN and the result's
// `complete` is false. Spectral features treat the channel's samples as
// uniformly spaced at sample_rate_hz (gaps are not interpolated).
//
// Errors (InvalidArgument): a spec that is malformed (empty or duplicate
// channel, no features, duplicate feature, sample rate not > 0, bad band
// edges, band energies without edges) or names a channel the window lacks.
// Thread-safety: pure function.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "common/status.h"
#include "edge/fusion/features.h"
#include "edge/fusion/window_aligner.h"

namespace keel::edge::fusion {

enum class Feature {
  kMean,
  kStdDev,
  kRms,
  kPeak,
  kPeakToPeak,
  kCrestFactor,
  kKurtosis,
  kSkewness,
  kSlope,        // per second
  kBandEnergies  // one value per band, see BandEnergies
};

// The feature's name suffix: "mean", "stddev", "rms", "peak", "peak_to_peak",
// "crest_factor", "kurtosis", "skewness", "slope"; "band" for kBandEnergies.
const char* FeatureName(Feature feature);

struct ChannelFeatureSpec {
  std::string channel;
  std::vector<Feature> features;
  double sample_rate_hz = 0;          // required (> 0) for kBandEnergies
  std::vector<double> band_edges_hz;  // K+1 edges for K bands, see BandEnergies
  SpectralWindow spectral_window = SpectralWindow::kHann;
};

struct FeatureSpec {
  std::vector<ChannelFeatureSpec> channels;
};

struct FeatureSet {
  int64_t window_start_ms = 0;
  int64_t window_end_ms = 0;
  std::vector<std::pair<std::string, double>> values;
  bool complete = true;  // false when any value is NaN because data was missing
};

Status ValidateFeatureSpec(const FeatureSpec& spec);

// The names ComputeFeatures produces for `spec`, in order.
Result<std::vector<std::string>> FeatureNames(const FeatureSpec& spec);

Result<FeatureSet> ComputeFeatures(const Window& window, const FeatureSpec& spec);

}  // namespace keel::edge::fusion
