#include "edge/fusion/window_features.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>

namespace keel::edge::fusion {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

std::string BandName(const std::string& channel, double lo, double hi) {
  return fmt::format("{}.band_{}_{}", channel, lo, hi);
}

Status CheckChannelSpec(const ChannelFeatureSpec& c) {
  const std::string where = "fusion: feature spec: channel \"" + c.channel + "\": ";
  if (c.features.empty()) return Status::InvalidArgument(where + "no features");
  std::set<Feature> seen;
  for (Feature f : c.features) {
    if (!seen.insert(f).second) {
      return Status::InvalidArgument(where + "feature " + FeatureName(f) + " listed twice");
    }
  }
  if (seen.count(Feature::kBandEnergies) > 0) {
    if (!std::isfinite(c.sample_rate_hz) || c.sample_rate_hz <= 0) {
      return Status::InvalidArgument(where + "band energies need sample_rate_hz > 0");
    }
    Status st = ValidateBandEdges(c.band_edges_hz);
    if (!st.ok()) return st.WithContext(where + "band edges");
  }
  return Status::Ok();
}

Result<double> Scalar(Feature f, std::span<const double> x, std::span<const int64_t> t) {
  switch (f) {
    case Feature::kMean:
      return Mean(x);
    case Feature::kStdDev:
      return StdDev(x);
    case Feature::kRms:
      return Rms(x);
    case Feature::kPeak:
      return Peak(x);
    case Feature::kPeakToPeak:
      return PeakToPeak(x);
    case Feature::kCrestFactor:
      return CrestFactor(x);
    case Feature::kKurtosis:
      return Kurtosis(x);
    case Feature::kSkewness:
      return Skewness(x);
    case Feature::kSlope:
      return Slope(t, x);
    case Feature::kBandEnergies:
      break;
  }
  return Status::Internal("fusion: not a scalar feature");
}

}  // namespace

const char* FeatureName(Feature feature) {
  switch (feature) {
    case Feature::kMean:
      return "mean";
    case Feature::kStdDev:
      return "stddev";
    case Feature::kRms:
      return "rms";
    case Feature::kPeak:
      return "peak";
    case Feature::kPeakToPeak:
      return "peak_to_peak";
    case Feature::kCrestFactor:
      return "crest_factor";
    case Feature::kKurtosis:
      return "kurtosis";
    case Feature::kSkewness:
      return "skewness";
    case Feature::kSlope:
      return "slope";
    case Feature::kBandEnergies:
      return "band";
  }
  return "unknown";
}

Status ValidateFeatureSpec(const FeatureSpec& spec) {
  if (spec.channels.empty()) return Status::InvalidArgument("fusion: feature spec: no channels");
  std::set<std::string> names;
  for (const auto& c : spec.channels) {
    if (c.channel.empty()) {
      return Status::InvalidArgument("fusion: feature spec: empty channel name");
    }
    if (!names.insert(c.channel).second) {
      return Status::InvalidArgument("fusion: feature spec: channel \"" + c.channel +
                                     "\" listed twice");
    }
    KEEL_RETURN_IF_ERROR(CheckChannelSpec(c));
  }
  return Status::Ok();
}

Result<std::vector<std::string>> FeatureNames(const FeatureSpec& spec) {
  KEEL_RETURN_IF_ERROR(ValidateFeatureSpec(spec));
  std::vector<std::string> names;
  for (const auto& c : spec.channels) {
    for (Feature f : c.features) {
      if (f != Feature::kBandEnergies) {
        names.push_back(c.channel + "." + FeatureName(f));
        continue;
      }
      for (size_t b = 0; b + 1 < c.band_edges_hz.size(); ++b) {
        names.push_back(BandName(c.channel, c.band_edges_hz[b], c.band_edges_hz[b + 1]));
      }
    }
  }
  return names;
}

Result<FeatureSet> ComputeFeatures(const Window& window, const FeatureSpec& spec) {
  KEEL_ASSIGN_OR_RETURN(std::vector<std::string> names, FeatureNames(spec));
  FeatureSet out;
  out.window_start_ms = window.start_ms;
  out.window_end_ms = window.end_ms;
  out.values.reserve(names.size());
  size_t next_name = 0;
  auto emit = [&](double v) {
    if (std::isnan(v)) out.complete = false;
    out.values.emplace_back(std::move(names[next_name++]), v);
  };

  std::vector<double> x;
  std::vector<int64_t> t;
  for (const auto& c : spec.channels) {
    auto it = window.channels.find(c.channel);
    if (it == window.channels.end()) {
      return Status::InvalidArgument(
          "fusion: features: window [" + std::to_string(window.start_ms) + ", " +
          std::to_string(window.end_ms) + ") has no channel \"" + c.channel + "\"");
    }
    const ChannelWindow& cw = it->second;
    x.clear();
    t.clear();
    for (const auto& p : cw.samples) {
      x.push_back(p.value);
      t.push_back(p.t_ms);
    }
    const bool usable = !cw.missing && !x.empty();
    for (Feature f : c.features) {
      if (f != Feature::kBandEnergies) {
        Result<double> v = usable ? Scalar(f, x, t) : Result<double>(kNaN);
        emit(v.ok() ? *v : kNaN);
        continue;
      }
      const size_t bands = c.band_edges_hz.size() - 1;
      Result<std::vector<double>> e =
          usable ? BandEnergies(x, c.sample_rate_hz, c.band_edges_hz, c.spectral_window)
                 : Result<std::vector<double>>(std::vector<double>(bands, kNaN));
      for (size_t b = 0; b < bands; ++b) emit(e.ok() ? (*e)[b] : kNaN);
    }
  }
  return out;
}

}  // namespace keel::edge::fusion
