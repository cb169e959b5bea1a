#include "edge/reduction/snippet_scheduler.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "edge/reduction/raw_history.h"
#include "unit/edge/reduction/signals.h"

namespace keel::edge::reduction {
namespace {

using testing::kT0;

SnippetScheduler Make(SnippetSchedulerConfig config = {}) {
  auto s = SnippetScheduler::Create(config);
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return std::move(s).value();
}

TEST(SnippetSchedulerTest, IsDueOnlyOnceThePostWindowHasArrived) {
  SnippetScheduler s = Make();
  ASSERT_TRUE(s.Request("e1", kT0 + 5000, 2000, 1000, {"vib"}).ok());
  EXPECT_TRUE(s.TakeDue(kT0 + 5999).empty());
  const auto due = s.TakeDue(kT0 + 6000);
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0], (DueSnippet{"e1", kT0 + 3000, kT0 + 6000, {{"vib", kT0 + 3000, kT0 + 6000}}}));
  EXPECT_EQ(s.pending(), 0u);
  EXPECT_TRUE(s.TakeDue(kT0 + 10'000).empty());
}

TEST(SnippetSchedulerTest, OverlappingSnippetsDoNotRepeatRanges) {
  SnippetScheduler s = Make();
  ASSERT_TRUE(s.Request("e1", kT0 + 5000, 1000, 1000, {"vib", "cur"}).ok());
  ASSERT_TRUE(s.Request("e2", kT0 + 5500, 3000, 1000, {"vib"}).ok());
  ASSERT_TRUE(s.Request("e3", kT0 + 5200, 100, 100, {"vib"}).ok());
  const auto due = s.TakeDue(kT0 + 7000);
  ASSERT_EQ(due.size(), 3u);
  EXPECT_EQ(due[0].event_id, "e3") << "ordered by window end";
  EXPECT_EQ(due[0].ranges, (std::vector<ChannelRange>{{"vib", kT0 + 5100, kT0 + 5300}}));
  EXPECT_EQ(due[1].event_id, "e1");
  EXPECT_EQ(due[1].ranges, (std::vector<ChannelRange>{{"cur", kT0 + 4000, kT0 + 6000},
                                                      {"vib", kT0 + 4000, kT0 + 5099},
                                                      {"vib", kT0 + 5301, kT0 + 6000}}));
  EXPECT_EQ(due[2].event_id, "e2");
  EXPECT_EQ(due[2].ranges, (std::vector<ChannelRange>{{"vib", kT0 + 2500, kT0 + 3999},
                                                      {"vib", kT0 + 6001, kT0 + 6500}}));
}

TEST(SnippetSchedulerTest, FullyCoveredSnippetHasNoRanges) {
  SnippetScheduler s = Make();
  ASSERT_TRUE(s.Request("big", kT0 + 5000, 3000, 3000, {"vib"}).ok());
  ASSERT_TRUE(s.TakeDue(kT0 + 8000).size() == 1);
  ASSERT_TRUE(s.Request("inside", kT0 + 6000, 500, 500, {"vib"}).ok());
  const auto due = s.TakeDue(kT0 + 8000);
  ASSERT_EQ(due.size(), 1u);
  EXPECT_TRUE(due[0].ranges.empty());
}

// End to end with RawHistory: the union of all snippets holds each raw point
// at most once, and every point of every window exactly once.
TEST(SnippetSchedulerTest, SnippetsFromHistoryCarryEachRawPointOnce) {
  auto history = RawHistory::Create({60'000, 100'000, 4});
  ASSERT_TRUE(history.ok());
  SnippetScheduler s = Make();
  const std::vector<int64_t> events{3000, 3400, 9000, 3100, 12'000, 11'500};
  std::vector<int> times_sent(20'000, 0);
  for (int64_t second = 0; second < 20; ++second) {
    wire::Series vib{"vib", {}};
    for (int i = 0; i < 1000; ++i) vib.points.push_back({kT0 + second * 1000 + i, 0.0});
    ASSERT_TRUE(history->Add(vib).ok());
    for (size_t e = 0; e < events.size(); ++e) {
      if (events[e] / 1000 == second) {
        ASSERT_TRUE(s.Request("e" + std::to_string(e), kT0 + events[e], 1000, 500, {"vib"}).ok());
      }
    }
    for (const auto& due : s.TakeDue(kT0 + second * 1000 + 999)) {
      for (const auto& series : history->Capture(due.ranges)) {
        for (const auto& p : series.points) ++times_sent[p.t_ms - kT0];
      }
    }
  }
  for (int64_t t = 0; t < 20'000; ++t) {
    bool in_window = false;
    for (int64_t e : events) in_window |= t >= e - 1000 && t <= e + 500;
    ASSERT_EQ(times_sent[t], in_window ? 1 : 0) << "t offset " << t;
  }
}

TEST(SnippetSchedulerTest, ForgetsSentRangesOlderThanSentMemory) {
  SnippetScheduler s = Make({64, 10'000, 600'000});
  ASSERT_TRUE(s.Request("e1", kT0 + 1000, 500, 500, {"vib"}).ok());
  ASSERT_EQ(s.TakeDue(kT0 + 2000).size(), 1u);
  ASSERT_TRUE(s.TakeDue(kT0 + 20'000).empty());
  ASSERT_TRUE(s.Request("late", kT0 + 1000, 500, 500, {"vib"}).ok());
  const auto due = s.TakeDue(kT0 + 20'000);
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].ranges.size(), 1u) << "the old record was forgotten";
}

TEST(SnippetSchedulerTest, RejectsBadRequests) {
  SnippetScheduler s = Make({2, 60'000, 10'000});
  EXPECT_EQ(s.Request("", kT0, 1, 1, {"vib"}).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.Request("e", kT0, 1, 1, {}).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.Request("e", kT0, -1, 1, {"vib"}).code(), StatusCode::kInvalidArgument);
  const Status too_long = s.Request("e", kT0, 1, 10'001, {"vib"});
  EXPECT_EQ(too_long.message(),
            "snippet scheduler: event \"e\": post_ms must be 0..10000, got 10001");
  EXPECT_EQ(s.Request("e", -5, 1, 1, {"vib"}).code(), StatusCode::kInvalidArgument);
  ASSERT_TRUE(s.Request("e", kT0, 1, 1, {"vib"}).ok());
  EXPECT_EQ(s.Request("e", kT0, 1, 1, {"vib"}).code(), StatusCode::kAlreadyExists);
  ASSERT_TRUE(s.Request("f", kT0, 1, 1, {"vib"}).ok());
  EXPECT_EQ(s.Request("g", kT0, 1, 1, {"vib"}).code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(s.pending(), 2u);
  EXPECT_FALSE(SnippetScheduler::Create({0, 1, 1}).ok());
  EXPECT_FALSE(SnippetScheduler::Create({1, 0, 1}).ok());
  EXPECT_FALSE(SnippetScheduler::Create({1, 1, 0}).ok());
}

}  // namespace
}  // namespace keel::edge::reduction
