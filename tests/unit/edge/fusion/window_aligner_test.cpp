#include "edge/fusion/window_aligner.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

namespace keel::edge::fusion {
namespace {

constexpr int64_t kT0 = 1'700'000'000'000;  // a multiple of every hop used here

WindowAligner MakeAligner(std::vector<ChannelSpec> channels, int64_t window_ms = 1000,
                          int64_t hop_ms = 0, int64_t lateness_ms = 0) {
  AlignerConfig config;
  config.window_ms = window_ms;
  config.hop_ms = hop_ms;
  config.channels = std::move(channels);
  config.allowed_lateness_ms = lateness_ms;
  auto a = WindowAligner::Create(config);
  EXPECT_TRUE(a.ok()) << a.status().ToString();
  return std::move(a).value();
}

// Points of one channel at `rate_hz` over [from_ms, to_ms), value = t offset.
wire::Series Samples(const std::string& name, double rate_hz, int64_t from_ms, int64_t to_ms) {
  wire::Series s{name, {}};
  const auto step = static_cast<int64_t>(1000.0 / rate_hz);
  for (int64_t t = from_ms; t < to_ms; t += step) {
    s.points.push_back({t, static_cast<double>(t - kT0)});
  }
  return s;
}

std::vector<int64_t> Times(const ChannelWindow& cw) {
  std::vector<int64_t> t;
  for (const auto& p : cw.samples) t.push_back(p.t_ms);
  return t;
}

TEST(WindowAlignerTest, InOrderTumblingWindows) {
  auto a = MakeAligner({{"a", 10}});
  ASSERT_TRUE(a.Add(Samples("a", 10, kT0, kT0 + 3000)).ok());
  EXPECT_TRUE(a.Poll(kT0 + 999).empty());
  auto w = a.Poll(kT0 + 1000);
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0].start_ms, kT0);
  EXPECT_EQ(w[0].end_ms, kT0 + 1000);
  const ChannelWindow& cw = w[0].channels.at("a");
  EXPECT_EQ(cw.samples.size(), 10u);
  EXPECT_EQ(cw.samples.front().t_ms, kT0);
  EXPECT_EQ(cw.samples.back().t_ms, kT0 + 900);
  EXPECT_DOUBLE_EQ(cw.expected, 10.0);
  EXPECT_DOUBLE_EQ(cw.coverage, 1.0);
  EXPECT_FALSE(cw.missing);
  w = a.Poll(kT0 + 5000);
  ASSERT_EQ(w.size(), 2u);
  EXPECT_EQ(w[0].start_ms, kT0 + 1000);
  EXPECT_EQ(w[1].start_ms, kT0 + 2000);
  EXPECT_EQ(a.stats().windows_emitted, 3u);
  EXPECT_EQ(a.stats().channels.at("a").windows_emitted, 3u);
  EXPECT_EQ(a.stats().channels.at("a").accepted, 30u);
  EXPECT_EQ(a.buffered_samples(), 0u);
}

TEST(WindowAlignerTest, NotEmittedBeforeEndPlusLateness) {
  auto a = MakeAligner({{"a", 10}}, 1000, 0, 250);
  ASSERT_TRUE(a.Add(Samples("a", 10, kT0, kT0 + 1000)).ok());
  EXPECT_TRUE(a.Poll(kT0 + 1000).empty());
  EXPECT_TRUE(a.Poll(kT0 + 1249).empty());
  EXPECT_EQ(a.Poll(kT0 + 1250).size(), 1u);
  EXPECT_TRUE(a.Poll(kT0 + 9999).empty());
}

TEST(WindowAlignerTest, OutOfOrderWithinLatenessIsPlacedAndSorted) {
  auto a = MakeAligner({{"a", 10}}, 1000, 0, 500);
  wire::Series s = Samples("a", 10, kT0, kT0 + 2000);
  std::mt19937 gen(3);
  std::shuffle(s.points.begin(), s.points.end(), gen);
  for (const auto& p : s.points) ASSERT_TRUE(a.Add({"a", {p}}).ok());
  auto w = a.Poll(kT0 + 2500);
  ASSERT_EQ(w.size(), 2u);
  for (int i = 0; i < 2; ++i) {
    auto t = Times(w[i].channels.at("a"));
    ASSERT_EQ(t.size(), 10u);
    EXPECT_TRUE(std::is_sorted(t.begin(), t.end()));
    EXPECT_EQ(t.front(), kT0 + 1000 * i);
  }
  EXPECT_EQ(a.stats().channels.at("a").late_dropped, 0u);
}

TEST(WindowAlignerTest, TooLateSampleIsDroppedAndCounted) {
  auto a = MakeAligner({{"a", 10}}, 1000, 0, 100);
  ASSERT_TRUE(a.Add(Samples("a", 10, kT0, kT0 + 1000)).ok());
  ASSERT_EQ(a.Poll(kT0 + 1100).size(), 1u);
  ASSERT_TRUE(a.Add({"a", {{kT0 + 950, 1.0}, {kT0 + 1000, 2.0}, {kT0 - 5000, 3.0}}}).ok());
  EXPECT_EQ(a.stats().channels.at("a").late_dropped, 2u);
  auto w = a.Poll(kT0 + 2100);
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(Times(w[0].channels.at("a")), std::vector<int64_t>{kT0 + 1000});
}

TEST(WindowAlignerTest, DuplicateTimestampsKeepTheFirstAndAreCounted) {
  auto a = MakeAligner({{"a", 10}});
  ASSERT_TRUE(a.Add({"a", {{kT0 + 100, 1.0}, {kT0 + 300, 3.0}}}).ok());
  ASSERT_TRUE(a.Add({"a", {{kT0 + 300, 9.0}, {kT0 + 100, 9.0}, {kT0 + 200, 2.0}}}).ok());
  EXPECT_EQ(a.stats().channels.at("a").duplicates, 2u);
  auto w = a.Poll(kT0 + 1000);
  ASSERT_EQ(w.size(), 1u);
  const auto& samples = w[0].channels.at("a").samples;
  ASSERT_EQ(samples.size(), 3u);
  EXPECT_EQ(samples[0], (wire::Point{kT0 + 100, 1.0}));
  EXPECT_EQ(samples[1], (wire::Point{kT0 + 200, 2.0}));
  EXPECT_EQ(samples[2], (wire::Point{kT0 + 300, 3.0}));
}

TEST(WindowAlignerTest, MissingAndPartialChannels) {
  auto a = MakeAligner({{"full", 10}, {"partial", 10}, {"enough", 10}, {"absent", 1}});
  ASSERT_TRUE(a.Add(Samples("full", 10, kT0, kT0 + 1000)).ok());
  ASSERT_TRUE(a.Add(Samples("partial", 10, kT0, kT0 + 400)).ok());
  ASSERT_TRUE(a.Add(Samples("enough", 10, kT0, kT0 + 500)).ok());
  auto w = a.Poll(kT0 + 1000);
  ASSERT_EQ(w.size(), 1u);
  ASSERT_EQ(w[0].channels.size(), 4u);
  EXPECT_FALSE(w[0].channels.at("full").missing);
  EXPECT_DOUBLE_EQ(w[0].channels.at("partial").coverage, 0.4);
  EXPECT_TRUE(w[0].channels.at("partial").missing);
  EXPECT_DOUBLE_EQ(w[0].channels.at("enough").coverage, 0.5);
  EXPECT_FALSE(w[0].channels.at("enough").missing);
  const ChannelWindow& absent = w[0].channels.at("absent");
  EXPECT_TRUE(absent.samples.empty());
  EXPECT_DOUBLE_EQ(absent.expected, 1.0);
  EXPECT_DOUBLE_EQ(absent.coverage, 0.0);
  EXPECT_TRUE(absent.missing);
  EXPECT_EQ(a.stats().channels.at("absent").windows_missing, 1u);
  EXPECT_EQ(a.stats().channels.at("absent").windows_emitted, 0u);
}

TEST(WindowAlignerTest, OverlappingWindowsShareSamples) {
  auto a = MakeAligner({{"a", 10}}, 1000, 500);
  ASSERT_TRUE(a.Add(Samples("a", 10, kT0, kT0 + 2000)).ok());
  auto w = a.Poll(kT0 + 2000);
  ASSERT_EQ(w.size(), 4u);
  const std::vector<int64_t> starts{kT0 - 500, kT0, kT0 + 500, kT0 + 1000};
  const std::vector<size_t> counts{5, 10, 10, 10};
  for (size_t i = 0; i < w.size(); ++i) {
    EXPECT_EQ(w[i].start_ms, starts[i]);
    EXPECT_EQ(w[i].end_ms, starts[i] + 1000);
    EXPECT_EQ(w[i].channels.at("a").samples.size(), counts[i]) << i;
  }
  // The next window [kT0 + 1500, kT0 + 2500) still needs its samples.
  EXPECT_EQ(a.buffered_samples(), 5u);
  // A sample already emitted in one window can still reach a later one.
  ASSERT_TRUE(a.Add({"a", {{kT0 + 1550, 7.0}}}).ok());
  w = a.Poll(kT0 + 2500);
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0].channels.at("a").samples.size(), 6u);
}

TEST(WindowAlignerTest, MultiRateExactCounts) {
  auto a = MakeAligner({{"vibration", 1000}, {"current", 10}, {"temperature", 1}}, 1000, 0, 200);
  for (int64_t s = 0; s < 5; ++s) {
    const int64_t from = kT0 + s * 1000, to = from + 1000;
    ASSERT_TRUE(a.Add(Samples("vibration", 1000, from, to)).ok());
    ASSERT_TRUE(a.Add(Samples("current", 10, from, to)).ok());
    ASSERT_TRUE(a.Add(Samples("temperature", 1, from, to)).ok());
  }
  auto w = a.Poll(kT0 + 5200);
  ASSERT_EQ(w.size(), 5u);
  for (const auto& win : w) {
    EXPECT_EQ(win.channels.at("vibration").samples.size(), 1000u);
    EXPECT_EQ(win.channels.at("current").samples.size(), 10u);
    EXPECT_EQ(win.channels.at("temperature").samples.size(), 1u);
    for (const auto& [name, cw] : win.channels) {
      EXPECT_DOUBLE_EQ(cw.coverage, 1.0) << name;
      for (const auto& p : cw.samples) {
        EXPECT_GE(p.t_ms, win.start_ms);
        EXPECT_LT(p.t_ms, win.end_ms);
      }
    }
  }
}

TEST(WindowAlignerTest, WindowsAreAlignedToTheEpochAndEmptyOnesSkipped) {
  auto a = MakeAligner({{"a", 1}}, 1000);
  ASSERT_TRUE(a.Add({"a", {{kT0 + 123, 1.0}, {kT0 + 60'456, 2.0}, {-1, 3.0}}}).ok());
  auto w = a.Poll(kT0 + 3'600'000);
  ASSERT_EQ(w.size(), 3u);
  EXPECT_EQ(w[0].start_ms, -1000);
  EXPECT_EQ(w[1].start_ms, kT0);
  EXPECT_EQ(w[2].start_ms, kT0 + 60'000);
}

TEST(WindowAlignerTest, MemoryStaysBoundedOverHours) {
  auto a = MakeAligner({{"vibration", 100}, {"current", 10}, {"temperature", 1}}, 1000, 500, 300);
  size_t max_buffered = 0, windows = 0;
  const int64_t seconds = 3 * 3600;
  for (int64_t s = 0; s < seconds; ++s) {
    const int64_t from = kT0 + s * 1000, to = from + 1000;
    ASSERT_TRUE(a.Add(Samples("vibration", 100, from, to)).ok());
    ASSERT_TRUE(a.Add(Samples("current", 10, from, to)).ok());
    ASSERT_TRUE(a.Add(Samples("temperature", 1, from, to)).ok());
    windows += a.Poll(to).size();
    max_buffered = std::max(max_buffered, a.buffered_samples());
  }
  // window + hop + lateness = 1.8 s of 111 samples/s, plus one batch.
  EXPECT_LE(max_buffered, 111u * 3);
  EXPECT_EQ(windows, static_cast<size_t>(2 * seconds - 1));
  EXPECT_EQ(a.stats().channels.at("vibration").late_dropped, 0u);
}

TEST(WindowAlignerTest, HardBufferBoundRefusesExcess) {
  AlignerConfig config;
  config.channels = {{"a", 1000}};
  config.max_buffered_samples_per_channel = 100;
  auto a = WindowAligner::Create(config);
  ASSERT_TRUE(a.ok());
  Status st = a->Add(Samples("a", 1000, kT0, kT0 + 150));
  EXPECT_EQ(st.code(), StatusCode::kResourceExhausted);
  EXPECT_NE(st.message().find("50 samples dropped"), std::string::npos) << st.message();
  EXPECT_EQ(a->stats().channels.at("a").overflow_dropped, 50u);
  EXPECT_EQ(a->buffered_samples(), 100u);
}

TEST(WindowAlignerTest, UnknownSeriesIsInvalidArgument) {
  auto a = MakeAligner({{"a", 10}});
  Status st = a.Add({"b", {{kT0, 1.0}}});
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("\"b\""), std::string::npos);
  EXPECT_EQ(a.buffered_samples(), 0u);
  st = a.Add({"a", {{kT0, 1.0}, {INT64_MAX, 2.0}}});
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("point 1"), std::string::npos) << st.message();
  EXPECT_EQ(a.buffered_samples(), 0u);
}

TEST(WindowAlignerTest, RejectsBadConfig) {
  auto bad = [](auto mutate) {
    AlignerConfig c;
    c.channels = {{"a", 10}};
    mutate(c);
    return WindowAligner::Create(c).status().code();
  };
  EXPECT_EQ(bad([](AlignerConfig&) {}), StatusCode::kOk);
  EXPECT_EQ(bad([](AlignerConfig& c) { c.window_ms = 0; }), StatusCode::kInvalidArgument);
  EXPECT_EQ(bad([](AlignerConfig& c) { c.window_ms = INT64_MAX; }), StatusCode::kInvalidArgument);
  EXPECT_EQ(bad([](AlignerConfig& c) { c.hop_ms = INT64_MAX; }), StatusCode::kInvalidArgument);
  EXPECT_EQ(bad([](AlignerConfig& c) { c.allowed_lateness_ms = INT64_MAX; }),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(bad([](AlignerConfig& c) { c.hop_ms = -1; }), StatusCode::kInvalidArgument);
  EXPECT_EQ(bad([](AlignerConfig& c) { c.allowed_lateness_ms = -1; }),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(bad([](AlignerConfig& c) { c.min_coverage = 1.5; }), StatusCode::kInvalidArgument);
  EXPECT_EQ(bad([](AlignerConfig& c) { c.channels.clear(); }), StatusCode::kInvalidArgument);
  EXPECT_EQ(bad([](AlignerConfig& c) {
              c.channels.push_back({"a", 1});
            }),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(bad([](AlignerConfig& c) { c.channels[0].rate_hz = 0; }), StatusCode::kInvalidArgument);
  EXPECT_EQ(bad([](AlignerConfig& c) { c.max_buffered_samples_per_channel = 0; }),
            StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace keel::edge::fusion
