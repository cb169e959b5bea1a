#include "edge/analytics/analytics_config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "unit/edge/analytics/pump_config.h"

namespace keel::edge::analytics {
namespace {

using ::testing::HasSubstr;

Result<AnalyticsConfig> Parse(const std::string& text) {
  try {
    toml::table root = toml::parse(std::string_view(text), std::string_view("edge.toml"));
    const toml::node* node = root.get("analytics");
    if (node == nullptr) return Status::NotFound("no [analytics]");
    return ParseAnalyticsSection(*node, "edge.toml");
  } catch (const toml::parse_error& e) {
    return Status::InvalidArgument(std::string(e.description()));
  }
}

std::string Error(const std::string& text) {
  auto r = Parse(text);
  EXPECT_FALSE(r.ok());
  return r.ok() ? "" : r.status().message();
}

TEST(AnalyticsConfigTest, PumpExampleParses) {
  auto r = Parse(kPumpAnalytics);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const AnalyticsConfig& c = *r;
  EXPECT_EQ(c.pipeline.aligner.window_ms, 2000);
  EXPECT_EQ(c.pipeline.aligner.allowed_lateness_ms, 200);
  EXPECT_EQ(c.pipeline.learn_windows, 40);
  EXPECT_EQ(c.pipeline.detector.kind, "mahalanobis");
  EXPECT_DOUBLE_EQ(c.pipeline.detector.params.at("threshold"), 12.0);
  EXPECT_EQ(c.pipeline.mode.load_signal, "pump.current.mean");
  ASSERT_EQ(c.pipeline.features.channels.size(), 4u);
  EXPECT_EQ(c.pipeline.features.channels[0].band_edges_hz.size(), 6u);
  // Health-only channels are aligned too (their windows feed the checks).
  ASSERT_EQ(c.pipeline.aligner.channels.size(), 6u);
  EXPECT_EQ(c.pipeline.aligner.channels[4].name, "pump.temperature_bearing");
  EXPECT_EQ(c.pipeline.aligner.channels[4].rate_hz, 0);  // from the sensor at start
  EXPECT_EQ(c.pipeline.health.signals.size(), 2u);
  EXPECT_EQ(c.reduction.raw, RawPolicy::kAroundEvents);
  EXPECT_EQ(c.reduction.snippet_pre_ms, 4000);
  ASSERT_EQ(c.reduction.compress.size(), 1u);
  EXPECT_EQ(c.reduction.compress[0].method, CompressMethod::kDeadband);
  EXPECT_EQ(c.tick_ms, 100);
  EXPECT_EQ(c.realtime_priority, 0);
}

TEST(AnalyticsConfigTest, RealtimePriority) {
  std::string text = kPumpAnalytics;
  text.replace(text.find("window_ms = 2000"), 16, "window_ms = 2000\nrealtime_priority = 40");
  auto r = Parse(text);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->realtime_priority, 40);
  text.replace(text.find("realtime_priority = 40"), 22, "realtime_priority = 100");
  EXPECT_THAT(Error(text), HasSubstr("[analytics] realtime_priority: must be between 0 and 99"));
}

TEST(AnalyticsConfigTest, ErrorsSayWhatAndWhere) {
  const std::string base = kPumpAnalytics;
  EXPECT_THAT(Error(base + "\n[analytics.bogus]\nx = 1\n"), HasSubstr("bogus: unknown key"));
  std::string bad_feature = base;
  bad_feature.replace(bad_feature.find("\"mean\", \"stddev\""), 16, "\"median\"");
  EXPECT_THAT(Error(bad_feature),
              HasSubstr("[analytics.channel 3] features: unknown feature \"median\""));
  std::string no_bands = base;
  no_bands.replace(no_bands.find("band_edges_hz"), 13, "band_edges_xx");
  EXPECT_THAT(Error(no_bands),
              HasSubstr("[analytics.channel 1] band_edges_hz: is required with the \"band\""));
  std::string raw = base;
  raw.replace(raw.find("\"around_events\""), 15, "\"sometimes\"");
  EXPECT_THAT(Error(raw), HasSubstr("[analytics.reduction] raw: must be"));
  std::string window = base;
  window.replace(window.find("window_ms = 2000"), 16, "window_ms = 0");
  EXPECT_THAT(Error(window), HasSubstr("edge.toml:3:13: [analytics] window_ms: must be between"));
  std::string modes = base;
  modes.replace(modes.find("running_above = 8.0"), 19, "running_above = 0.5");
  EXPECT_THAT(Error(modes), HasSubstr("[analytics.mode]"));
  EXPECT_THAT(Error("[analytics]\nwindow_ms = 1000\n"), HasSubstr("[analytics.mode] is required"));
  std::string health = base;
  health.replace(health.find("range_hi = 150"), 14, "range_hi = -50");
  EXPECT_THAT(Error(health), HasSubstr("range_lo"));
  std::string twice =
      base + "\n[[analytics.reduction.compress]]\nchannel = \"pump.speed\"\n" + "deviation = 1\n";
  EXPECT_THAT(Error(twice), HasSubstr("\"pump.speed\" is compressed twice"));
  std::string nan = base;
  nan.replace(nan.find("threshold = 12.0"), 16, "threshold = nan");
  EXPECT_THAT(Error(nan), HasSubstr("must be a finite number"));
}

}  // namespace
}  // namespace keel::edge::analytics
