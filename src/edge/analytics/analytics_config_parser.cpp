#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "edge/analytics/analytics_config.h"
#include "edge/toml/toml_reader.h"

namespace keel::edge::analytics {
namespace {

using context::OperatingMode;
using fusion::Feature;

constexpr Feature kFeatures[] = {Feature::kMean,        Feature::kStdDev,     Feature::kRms,
                                 Feature::kPeak,        Feature::kPeakToPeak, Feature::kCrestFactor,
                                 Feature::kKurtosis,    Feature::kSkewness,   Feature::kSlope,
                                 Feature::kBandEnergies};
Result<OperatingMode> ModeNamed(TomlReader& r, std::string_view key, const std::string& name) {
  if (auto mode = context::OperatingModeFromName(name)) return *mode;
  return r.Error(key, r.Peek(key),
                 fmt::format("unknown mode \"{}\" (known: off, idle, ramping, running)", name));
}

Result<std::vector<OperatingMode>> Modes(TomlReader& r, std::string_view key,
                                         std::vector<OperatingMode> fallback) {
  const bool present = r.Peek(key) != nullptr;
  KEEL_ASSIGN_OR_RETURN(std::vector<std::string> names, r.Strings(key));
  if (!present) return fallback;
  if (names.empty()) return r.Error(key, r.Peek(key), "must name at least one mode");
  std::vector<OperatingMode> modes;
  for (const auto& name : names) {
    KEEL_ASSIGN_OR_RETURN(OperatingMode m, ModeNamed(r, key, name));
    modes.push_back(m);
  }
  return modes;
}

// A finite number within [lo, hi]; absent keeps *out.
Status Number(TomlReader& r, std::string_view key, double lo, double hi, double* out,
              bool required = false) {
  double v = *out;
  KEEL_ASSIGN_OR_RETURN(bool present, r.Double(key, &v));
  if (!present) return required ? r.Error(key, nullptr, "is required") : Status::Ok();
  if (v < lo || v > hi) {
    return r.Error(key, r.Peek(key), fmt::format("must be between {} and {}, got {}", lo, hi, v));
  }
  *out = v;
  return Status::Ok();
}

Status IntField(TomlReader& r, std::string_view key, int64_t lo, int64_t hi, int* out) {
  int64_t v = *out;
  KEEL_RETURN_IF_ERROR(r.Int(key, lo, hi, &v));
  *out = static_cast<int>(v);
  return Status::Ok();
}

std::string Section(std::string_view name, size_t index) {
  return fmt::format("[{} {}]", name, index + 1);
}

class Parser {
 public:
  Parser(const toml::table& table, std::string_view source)
      : root_(&table, std::string(source), "[analytics]"), source_(source) {}

  Result<AnalyticsConfig> Parse() {
    pipeline::PipelineConfig& p = config_.pipeline;
    KEEL_RETURN_IF_ERROR(root_.Int("window_ms", 10, 3'600'000, &p.aligner.window_ms));
    KEEL_RETURN_IF_ERROR(root_.Int("hop_ms", 0, 3'600'000, &p.aligner.hop_ms));
    p.aligner.allowed_lateness_ms = 200;  // a sensor read may lag the tick slightly
    KEEL_RETURN_IF_ERROR(
        root_.Int("allowed_lateness_ms", 0, 3'600'000, &p.aligner.allowed_lateness_ms));
    KEEL_RETURN_IF_ERROR(Number(root_, "min_coverage", 0, 1, &p.aligner.min_coverage));
    KEEL_RETURN_IF_ERROR(root_.Int("tick_ms", 10, 10'000, &config_.tick_ms));
    KEEL_RETURN_IF_ERROR(root_.Int("realtime_priority", 0, 99, &config_.realtime_priority));
    KEEL_RETURN_IF_ERROR(IntField(root_, "learn_windows", 2, 1'000'000, &p.learn_windows));
    KEEL_ASSIGN_OR_RETURN(p.learn_modes, Modes(root_, "learn_modes", p.learn_modes));
    KEEL_RETURN_IF_ERROR(IntField(root_, "raise_windows", 1, 100'000, &p.raise_windows));
    KEEL_RETURN_IF_ERROR(IntField(root_, "clear_windows", 1, 100'000, &p.clear_windows));
    KEEL_RETURN_IF_ERROR(Number(root_, "driver_z", 0.1, 1e6, &p.driver_z));
    KEEL_RETURN_IF_ERROR(ParseDetector());
    std::string path;
    KEEL_RETURN_IF_ERROR(root_.String("rules", &path));
    config_.rules_file = path;
    path.clear();
    KEEL_RETURN_IF_ERROR(root_.String("model", &path));
    config_.model_dir = path;
    KEEL_RETURN_IF_ERROR(
        IntField(root_, "health_clear_windows", 1, 100'000, &p.health.clear_windows));

    KEEL_RETURN_IF_ERROR(ParseMode());
    KEEL_RETURN_IF_ERROR(ParseChannels());
    KEEL_RETURN_IF_ERROR(ParseHealth());
    KEEL_RETURN_IF_ERROR(ParseRedundant());
    KEEL_RETURN_IF_ERROR(ParseReduction());
    KEEL_RETURN_IF_ERROR(root_.CheckNoUnknownKeys());
    AddHealthOnlyChannels();
    KEEL_RETURN_IF_ERROR(Validate());
    return std::move(config_);
  }

 private:
  Status ParseDetector() {
    std::string kind = "mahalanobis";
    KEEL_RETURN_IF_ERROR(root_.String("detector", &kind));
    config_.pipeline.detector.kind = kind;
    KEEL_ASSIGN_OR_RETURN(const toml::table* params, root_.Table("detector_params"));
    if (params == nullptr) return Status::Ok();
    TomlReader r(params, std::string(source_), "[analytics.detector_params]");
    for (const auto& [key, node] : *params) {
      double v = 0;
      KEEL_RETURN_IF_ERROR(r.Double(key.str(), &v).status());
      config_.pipeline.detector.params[std::string(key.str())] = v;
    }
    return Status::Ok();
  }

  Status ParseMode() {
    KEEL_ASSIGN_OR_RETURN(const toml::table* table, root_.Table("mode"));
    TomlReader r(table, std::string(source_), "[analytics.mode]");
    if (table == nullptr) return r.Error("mode", nullptr, "section [analytics.mode] is required");
    context::ModeDetectorConfig& m = config_.pipeline.mode;
    KEEL_RETURN_IF_ERROR(r.String("signal", &m.load_signal, /*required=*/true));
    KEEL_RETURN_IF_ERROR(Number(r, "off_below", 0, 1e12, &m.off_below, /*required=*/true));
    KEEL_RETURN_IF_ERROR(Number(r, "running_above", 0, 1e12, &m.running_above, /*required=*/true));
    m.ramp_rate_per_s = 1e12;  // no ramp detection unless configured
    KEEL_RETURN_IF_ERROR(Number(r, "ramp_rate_per_s", 1e-9, 1e12, &m.ramp_rate_per_s));
    KEEL_RETURN_IF_ERROR(IntField(r, "min_dwell_windows", 1, 100'000, &m.min_dwell_windows));
    KEEL_RETURN_IF_ERROR(r.CheckNoUnknownKeys());
    Status valid = context::ValidateModeDetectorConfig(m);
    if (!valid.ok()) return r.Error("running_above", r.Peek("running_above"), valid.message());
    return Status::Ok();
  }

  Status ParseChannels() {
    KEEL_ASSIGN_OR_RETURN(auto tables, root_.Tables("channel"));
    if (tables.empty()) {
      return root_.Error("channel", nullptr,
                         "at least one [[analytics.channel]] with features is required");
    }
    for (size_t i = 0; i < tables.size(); ++i) {
      TomlReader r(tables[i], std::string(source_), Section("analytics.channel", i));
      fusion::ChannelFeatureSpec spec;
      KEEL_RETURN_IF_ERROR(r.String("name", &spec.channel, /*required=*/true));
      double rate = 0;
      KEEL_RETURN_IF_ERROR(Number(r, "rate_hz", 0.001, 1e6, &rate));
      spec.sample_rate_hz = rate;
      KEEL_ASSIGN_OR_RETURN(std::vector<std::string> names, r.Strings("features"));
      if (names.empty()) return r.Error("features", r.Peek("features"), "is required");
      for (const auto& name : names) {
        auto it = std::find_if(std::begin(kFeatures), std::end(kFeatures),
                               [&](Feature f) { return name == fusion::FeatureName(f); });
        if (it == std::end(kFeatures)) {
          return r.Error("features", r.Peek("features"),
                         fmt::format("unknown feature \"{}\" (known: mean, stddev, rms, peak, "
                                     "peak_to_peak, crest_factor, kurtosis, skewness, slope, band)",
                                     name));
        }
        spec.features.push_back(*it);
      }
      KEEL_ASSIGN_OR_RETURN(spec.band_edges_hz, r.Doubles("band_edges_hz"));
      const bool bands = std::find(spec.features.begin(), spec.features.end(),
                                   Feature::kBandEnergies) != spec.features.end();
      if (bands != !spec.band_edges_hz.empty()) {
        return r.Error("band_edges_hz", r.Peek("band_edges_hz"),
                       "is required with the \"band\" feature and only with it");
      }
      KEEL_RETURN_IF_ERROR(r.CheckNoUnknownKeys());
      config_.pipeline.aligner.channels.push_back({spec.channel, rate});
      config_.pipeline.features.channels.push_back(std::move(spec));
    }
    return Status::Ok();
  }

  Status ParseHealth() {
    KEEL_ASSIGN_OR_RETURN(auto tables, root_.Tables("health"));
    for (size_t i = 0; i < tables.size(); ++i) {
      TomlReader r(tables[i], std::string(source_), Section("analytics.health", i));
      context::SignalHealthConfig s;
      KEEL_RETURN_IF_ERROR(r.String("signal", &s.name, /*required=*/true));
      KEEL_RETURN_IF_ERROR(Number(r, "range_lo", -1e15, 1e15, &s.range_lo, /*required=*/true));
      KEEL_RETURN_IF_ERROR(Number(r, "range_hi", -1e15, 1e15, &s.range_hi, /*required=*/true));
      KEEL_RETURN_IF_ERROR(Number(r, "stuck_epsilon", 0, 1e15, &s.stuck_epsilon));
      KEEL_RETURN_IF_ERROR(IntField(r, "stuck_windows", 1, 100'000, &s.stuck_windows));
      KEEL_ASSIGN_OR_RETURN(s.stuck_check_modes,
                            Modes(r, "stuck_check_modes", s.stuck_check_modes));
      KEEL_RETURN_IF_ERROR(Number(r, "noisy_factor", 0, 1e6, &s.noisy_factor));
      KEEL_RETURN_IF_ERROR(IntField(r, "noisy_windows", 1, 100'000, &s.noisy_windows));
      KEEL_RETURN_IF_ERROR(Number(r, "cusum_k", 0, 1e6, &s.cusum_k));
      KEEL_RETURN_IF_ERROR(Number(r, "cusum_h", 0, 1e6, &s.cusum_h));
      KEEL_RETURN_IF_ERROR(r.CheckNoUnknownKeys());
      config_.pipeline.health.signals.push_back(std::move(s));
    }
    return Status::Ok();
  }

  Status ParseRedundant() {
    KEEL_ASSIGN_OR_RETURN(auto tables, root_.Tables("redundant"));
    for (size_t i = 0; i < tables.size(); ++i) {
      TomlReader r(tables[i], std::string(source_), Section("analytics.redundant", i));
      context::RedundantGroupConfig g;
      KEEL_RETURN_IF_ERROR(r.String("name", &g.name, /*required=*/true));
      KEEL_ASSIGN_OR_RETURN(g.signals, r.Strings("signals"));
      KEEL_RETURN_IF_ERROR(Number(r, "tolerance", 0, 1e15, &g.tolerance, /*required=*/true));
      KEEL_RETURN_IF_ERROR(
          IntField(r, "disagreement_windows", 1, 100'000, &g.disagreement_windows));
      KEEL_RETURN_IF_ERROR(Number(r, "drift_alpha", 1e-6, 1, &g.drift_alpha));
      KEEL_RETURN_IF_ERROR(Number(r, "drift_bound", 0, 1e15, &g.drift_bound));
      KEEL_RETURN_IF_ERROR(IntField(r, "drift_windows", 1, 100'000, &g.drift_windows));
      KEEL_RETURN_IF_ERROR(r.CheckNoUnknownKeys());
      config_.pipeline.health.groups.push_back(std::move(g));
    }
    return Status::Ok();
  }

  Status ParseReduction() {
    KEEL_ASSIGN_OR_RETURN(const toml::table* table, root_.Table("reduction"));
    TomlReader r(table, std::string(source_), "[analytics.reduction]");
    ReductionConfig& red = config_.reduction;
    std::string raw;
    KEEL_RETURN_IF_ERROR(r.String("raw", &raw));
    if (raw == "all") {
      red.raw = RawPolicy::kAll;
    } else if (raw == "around_events" || raw.empty()) {
      red.raw = RawPolicy::kAroundEvents;
    } else if (raw == "none") {
      red.raw = RawPolicy::kNone;
    } else {
      return r.Error(
          "raw", r.Peek("raw"),
          fmt::format("must be \"all\", \"around_events\" or \"none\", got \"{}\"", raw));
    }
    KEEL_RETURN_IF_ERROR(r.Bool("features", &red.send_features).status());
    KEEL_RETURN_IF_ERROR(r.Int("snippet_pre_ms", 0, 600'000, &red.snippet_pre_ms));
    KEEL_RETURN_IF_ERROR(r.Int("snippet_post_ms", 0, 600'000, &red.snippet_post_ms));
    KEEL_ASSIGN_OR_RETURN(auto tables, r.Tables("compress"));
    std::set<std::string> seen;
    for (size_t i = 0; i < tables.size(); ++i) {
      TomlReader c(tables[i], std::string(source_), Section("analytics.reduction.compress", i));
      CompressSpec spec;
      KEEL_RETURN_IF_ERROR(c.String("channel", &spec.channel, /*required=*/true));
      if (!seen.insert(spec.channel).second) {
        return c.Error("channel", c.Peek("channel"),
                       fmt::format("\"{}\" is compressed twice", spec.channel));
      }
      std::string method = "swinging_door";
      KEEL_RETURN_IF_ERROR(c.String("method", &method));
      if (method == "deadband") {
        spec.method = CompressMethod::kDeadband;
      } else if (method != "swinging_door") {
        return c.Error(
            "method", c.Peek("method"),
            fmt::format("must be \"swinging_door\" or \"deadband\", got \"{}\"", method));
      }
      KEEL_RETURN_IF_ERROR(Number(c, "deviation", 1e-12, 1e15, &spec.deviation, true));
      KEEL_RETURN_IF_ERROR(c.Int("max_interval_ms", 1000, 86'400'000, &spec.max_interval_ms));
      KEEL_RETURN_IF_ERROR(c.CheckNoUnknownKeys());
      red.compress.push_back(std::move(spec));
    }
    return r.CheckNoUnknownKeys();
  }

  // Health checks summarise raw windows of their signals, so every checked
  // signal must be aligned even when no feature is computed from it.
  void AddHealthOnlyChannels() {
    auto& channels = config_.pipeline.aligner.channels;
    auto add = [&](const std::string& name) {
      if (std::none_of(channels.begin(), channels.end(),
                       [&](const auto& c) { return c.name == name; })) {
        channels.push_back({name, 0});
      }
    };
    for (const auto& s : config_.pipeline.health.signals) add(s.name);
    for (const auto& g : config_.pipeline.health.groups) {
      for (const auto& s : g.signals) add(s);
    }
  }

  Status Validate() {
    Status health = context::ValidateSensorHealthConfig(config_.pipeline.health);
    if (!health.ok()) {
      return Status::InvalidArgument(fmt::format(
          "{} [analytics]: {}", TomlLocation(source_, root_.table()), health.message()));
    }
    return Status::Ok();
  }

  AnalyticsConfig config_;
  TomlReader root_;
  std::string_view source_;
};

}  // namespace

Result<AnalyticsConfig> ParseAnalyticsSection(const toml::node& node, std::string_view source) {
  const toml::table* table = node.as_table();
  if (table == nullptr) {
    return Status::InvalidArgument(fmt::format("{} [analytics]: must be a table, got {}",
                                               TomlLocation(source, &node), TomlTypeName(node)));
  }
  return Parser(*table, source).Parse();
}

}  // namespace keel::edge::analytics
