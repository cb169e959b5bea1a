// EdgeAnalytics on a small synthetic machine: what leaves the device under
// each raw policy, raw snippets around events (each raw point at most once),
// compression of slow channels, pass-through of channels nobody analyses,
// and configuration errors.
#include "edge/analytics/edge_analytics.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "common/random.h"

namespace keel::edge::analytics {
namespace {

using ::testing::HasSubstr;

constexpr int64_t kT0 = 1'764'000'000'000;
constexpr int64_t kFaultS = 60;  // the vibration amplitude triples from here

AnalyticsConfig TestConfig(RawPolicy raw) {
  AnalyticsConfig c;
  pipeline::PipelineConfig& p = c.pipeline;
  p.aligner.window_ms = 1000;
  p.aligner.allowed_lateness_ms = 0;
  p.aligner.channels = {{"m.vib", 0}, {"m.current", 0}};
  p.features.channels = {{"m.vib", {fusion::Feature::kRms, fusion::Feature::kPeak}, 0, {}},
                         {"m.current", {fusion::Feature::kMean}, 0, {}}};
  p.mode = {"m.current.mean", 1.0, 5.0, 1e9, 1};
  p.detector = {"zscore", {{"threshold", 6.0}}};
  p.learn_windows = 20;
  p.raise_windows = 2;
  p.clear_windows = 3;
  c.reduction.raw = raw;
  c.reduction.snippet_pre_ms = 3000;
  c.reduction.snippet_post_ms = 1000;
  c.reduction.compress = {{"m.temp", CompressMethod::kSwingingDoor, 0.5, 60000}};
  return c;
}

const std::vector<ChannelSpec> kChannels = {
    {"m.vib", "g", 100}, {"m.current", "A", 10}, {"m.temp", "degC", 1}, {"m.extra", "bar", 1}};

struct Collected {
  std::map<std::string, std::vector<wire::Point>> series;
  std::vector<wire::Event> events;
  size_t raw_vib = 0;

  std::vector<wire::Event> Of(std::string_view type) const {
    std::vector<wire::Event> out;
    for (const auto& e : events) {
      if (e.type == type) out.push_back(e);
    }
    return out;
  }
};

class EdgeAnalyticsTest : public ::testing::Test {
 protected:
  std::unique_ptr<EdgeAnalytics> Make(AnalyticsConfig config, rules::RuleSet rules = {},
                                      ActionSinks sinks = {}) {
    auto created = EdgeAnalytics::Create(std::move(config), kChannels, std::move(rules),
                                         std::move(sinks), "builtin:zscore");
    EXPECT_TRUE(created.ok()) << created.status().ToString();
    return created.ok() ? std::move(created).value() : nullptr;
  }

  // Feeds `seconds` of the machine in 100 ms ticks; the current sensor goes
  // silent from `current_dies_s` on.
  Collected Feed(EdgeAnalytics& edge, int seconds, int current_dies_s = 1 << 30) {
    Collected c;
    for (int64_t tick = 0; tick < seconds * 10; ++tick) {
      const int64_t t = kT0 + tick * 100;
      const double amplitude = t >= kT0 + kFaultS * 1000 ? 3.0 : 1.0;
      wire::Series vib{"m.vib", {}}, current{"m.current", {{t, 10 + 0.1 * random_.Gaussian()}}};
      for (int k = 0; k < 10; ++k) {
        const double phase = 2 * M_PI * 25 * static_cast<double>(t + k * 10) / 1000.0;
        vib.points.push_back({t + k * 10, amplitude * std::sin(phase) + 0.05 * random_.Gaussian()});
      }
      c.raw_vib += vib.points.size();
      std::vector<wire::Series> raw = {vib};
      if (t < kT0 + current_dies_s * 1000LL) raw.push_back(current);
      if (tick % 10 == 0) {
        raw.push_back({"m.temp", {{t, 40 + 0.001 * static_cast<double>(tick)}}});
        raw.push_back({"m.extra", {{t, 3.0}}});
      }
      AnalyticsOutput out;
      EXPECT_TRUE(edge.Process(std::move(raw), t + 100, &out).ok());
      for (auto& s : out.series) {
        auto& into = c.series[s.name];
        into.insert(into.end(), s.points.begin(), s.points.end());
      }
      for (auto& e : out.events) c.events.push_back(std::move(e));
    }
    AnalyticsOutput rest;
    edge.Flush(&rest);
    for (auto& s : rest.series) {
      auto& into = c.series[s.name];
      into.insert(into.end(), s.points.begin(), s.points.end());
    }
    return c;
  }

  SeededRandom random_{5};
};

TEST_F(EdgeAnalyticsTest, AroundEventsSendsFeaturesAndOnlyTheSnippetOfRawVibration) {
  auto edge = Make(TestConfig(RawPolicy::kAroundEvents));
  ASSERT_NE(edge, nullptr);
  const Collected c = Feed(*edge, 90);
  const auto raised = c.Of("anomaly.raised");
  ASSERT_EQ(raised.size(), 1u);
  const int64_t at = raised[0].t_ms;
  EXPECT_GE(at, kT0 + kFaultS * 1000);
  ASSERT_TRUE(raised[0].data.contains("snippet"));
  EXPECT_EQ(raised[0].data["snippet"]["from"], at - 3000);
  EXPECT_EQ(raised[0].data["snippet"]["to"], at + 1000);

  // Raw vibration: exactly the snippet's points, each once.
  ASSERT_TRUE(c.series.count("m.vib"));
  const auto& vib = c.series.at("m.vib");
  EXPECT_EQ(vib.size(), 401u);  // 100 Hz over [at - 3000, at + 1000], both ends included
  for (size_t i = 0; i < vib.size(); ++i) {
    EXPECT_GE(vib[i].t_ms, at - 3000);
    EXPECT_LE(vib[i].t_ms, at + 1000);
    if (i > 0) {
      EXPECT_GT(vib[i].t_ms, vib[i - 1].t_ms);
    }
  }
  // Features per window, mode and score; current is analysed, so not raw.
  EXPECT_EQ(c.series.at("m.vib.rms").size(), 90u);
  EXPECT_EQ(c.series.at("keel:mode").size(), 90u);
  EXPECT_TRUE(c.series.count("keel:score"));
  EXPECT_FALSE(c.series.count("m.current"));
  // Nobody analyses m.extra: sent raw. m.temp is compressed.
  EXPECT_EQ(c.series.at("m.extra").size(), 90u);
  EXPECT_LT(c.series.at("m.temp").size(), 10u);
  EXPECT_GE(c.series.at("m.temp").size(), 2u);

  const AnalyticsStats stats = edge->stats();
  EXPECT_EQ(stats.snippets, 1u);
  EXPECT_EQ(stats.windows, 90u);
  EXPECT_EQ(stats.raw_bytes, stats.raw_samples * 16);
  EXPECT_EQ(stats.decision_latency.count, 90u);
  EXPECT_GT(stats.decision_latency.p99_us, 0);
}

TEST_F(EdgeAnalyticsTest, AllSendsEveryRawSampleOnce) {
  auto edge = Make(TestConfig(RawPolicy::kAll));
  ASSERT_NE(edge, nullptr);
  const Collected c = Feed(*edge, 90);
  ASSERT_EQ(c.Of("anomaly.raised").size(), 1u);
  EXPECT_EQ(c.series.at("m.vib").size(), c.raw_vib);
  EXPECT_EQ(c.series.at("m.current").size(), 900u);
  EXPECT_FALSE(c.Of("anomaly.raised")[0].data.contains("snippet"));
}

TEST_F(EdgeAnalyticsTest, NoneNeverSendsAnalysedRawSamples) {
  auto edge = Make(TestConfig(RawPolicy::kNone));
  ASSERT_NE(edge, nullptr);
  const Collected c = Feed(*edge, 90);
  ASSERT_EQ(c.Of("anomaly.raised").size(), 1u);
  EXPECT_FALSE(c.series.count("m.vib"));
  EXPECT_EQ(edge->stats().snippets, 0u);
}

TEST_F(EdgeAnalyticsTest, RawOnRequestOverridesThePolicyUntilTheDeadline) {
  auto edge = Make(TestConfig(RawPolicy::kNone));
  ASSERT_NE(edge, nullptr);
  edge->SendRawUntil(kT0 + 5000);  // the first 5 s of the run
  const Collected c = Feed(*edge, 30);
  ASSERT_EQ(c.Of("raw.sending").size(), 1u);
  EXPECT_EQ(c.Of("raw.sending")[0].data["until"], kT0 + 5000);
  const auto& vib = c.series.at("m.vib");
  EXPECT_EQ(vib.size(), 500u);  // ticks with now <= until: [T0, T0 + 5000)
  EXPECT_LT(vib.back().t_ms, kT0 + 5000);
}

TEST_F(EdgeAnalyticsTest, RuleEventsCarryContextAndOverlappingSnippetsShareRawPoints) {
  rules::RuleConfig rule;
  rule.name = "vib-peak";
  rule.input = "m.vib.peak";
  rule.kind = rules::RuleKind::kThreshold;
  rule.level = 2.0;
  rule.clear_at = 1.5;
  rule.actions = {{rules::RuleAction::Kind::kPublish, ""},
                  {rules::RuleAction::Kind::kCommand, "siren"}};
  rules::RuleSet set;
  set.rules = {rule};
  auto siren = std::make_unique<rules::FakeActionSink>();
  rules::FakeActionSink* siren_ptr = siren.get();
  ActionSinks sinks;
  sinks.by_reference["command:siren"] = siren_ptr;
  sinks.owned.push_back(std::move(siren));
  auto edge = Make(TestConfig(RawPolicy::kAroundEvents), set, std::move(sinks));
  ASSERT_NE(edge, nullptr);
  const Collected c = Feed(*edge, 90);

  const auto raised = c.Of("rule.raised");
  ASSERT_EQ(raised.size(), 1u);
  EXPECT_EQ(raised[0].data["rule"], "vib-peak");
  EXPECT_EQ(raised[0].data["mode"], "running");
  EXPECT_GT(raised[0].data["value"].get<double>(), 2.0);
  EXPECT_TRUE(raised[0].data["features"].contains("m.vib.rms"));
  EXPECT_EQ(raised[0].data["snippet"]["channels"], std::vector<std::string>{"m.vib"});
  ASSERT_EQ(siren_ptr->events().size(), 1u);  // the local action ran
  EXPECT_EQ(siren_ptr->events()[0].rule, "vib-peak");

  // The rule fires on the first faulty window, the anomaly two windows later:
  // their snippets overlap, and the overlap is sent once.
  const auto& vib = c.series.at("m.vib");
  for (size_t i = 1; i < vib.size(); ++i) EXPECT_GT(vib[i].t_ms, vib[i - 1].t_ms);
  EXPECT_EQ(edge->stats().snippets, 2u);
  EXPECT_EQ(edge->stats().rule_transitions, 1u);
}

// A dead sensor must not hold back the raw snippets of the others: the rule
// on the vibration still fires (the model cannot score incomplete windows)
// and its snippet is sent.
TEST_F(EdgeAnalyticsTest, SnippetsAreSentWhenAnAnalysedChannelFallsSilent) {
  rules::RuleConfig rule;
  rule.name = "vib-peak";
  rule.input = "m.vib.peak";
  rule.kind = rules::RuleKind::kThreshold;
  rule.level = 2.0;
  rule.clear_at = 1.5;
  rule.actions = {{rules::RuleAction::Kind::kPublish, ""}};
  rules::RuleSet set;
  set.rules = {rule};
  auto edge = Make(TestConfig(RawPolicy::kAroundEvents), set);
  ASSERT_NE(edge, nullptr);
  const Collected c = Feed(*edge, 90, /*current_dies_s=*/40);
  ASSERT_EQ(c.Of("rule.raised").size(), 1u);
  EXPECT_TRUE(c.Of("anomaly.raised").empty());
  EXPECT_EQ(edge->stats().snippets, 1u);
  ASSERT_TRUE(c.series.count("m.vib"));
  EXPECT_EQ(c.series.at("m.vib").size(), 401u);
}

TEST_F(EdgeAnalyticsTest, ConfigurationErrorsNameWhatIsWrong) {
  AnalyticsConfig unknown = TestConfig(RawPolicy::kAll);
  unknown.pipeline.aligner.channels.push_back({"m.nothing", 10});
  auto r = EdgeAnalytics::Create(unknown, kChannels, {}, {}, "m");
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("\"m.nothing\" is not produced by any"));

  AnalyticsConfig compress = TestConfig(RawPolicy::kAll);
  compress.reduction.compress.push_back({"m.ghost", CompressMethod::kDeadband, 1, 60000});
  r = EdgeAnalytics::Create(compress, kChannels, {}, {}, "m");
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("compressed channel \"m.ghost\""));

  rules::RuleConfig rule;
  rule.name = "r";
  rule.input = "m.vib.rms";
  rule.level = 1;
  rule.clear_at = 1;
  rule.actions = {{rules::RuleAction::Kind::kGpio, "lamp"}};
  rules::RuleSet set;
  set.rules = {rule};
  r = EdgeAnalytics::Create(TestConfig(RawPolicy::kAll), kChannels, set, {}, "m");
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("gpio:lamp"));
}

}  // namespace
}  // namespace keel::edge::analytics
