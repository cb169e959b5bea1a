#include "edge/rules/rule_engine.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <optional>

namespace keel::edge::rules {
namespace {

using ::testing::HasSubstr;
using T = RuleEvent::Transition;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

RuleConfig Threshold(double above, double clear_at) {
  RuleConfig r;
  r.name = "hot";
  r.input = "motor.temperature";
  r.kind = RuleKind::kThreshold;
  r.level = above;
  r.clear_at = clear_at;
  return r;
}

class Harness {
 public:
  explicit Harness(RuleConfig rule) {
    auto engine = RuleEngine::Create({std::move(rule)});
    EXPECT_TRUE(engine.ok()) << engine.status().ToString();
    engine_.emplace(std::move(engine).value());
  }
  // Feeds one window at `t_ms`; returns the transition, if any.
  std::optional<RuleEvent> Feed(int64_t t_ms, std::optional<double> v,
                                std::string mode = "running") {
    WindowInputs w;
    if (v) w.values[engine_->rules()[0].input] = *v;
    w.mode = std::move(mode);
    w.end_ms = t_ms;
    auto events = engine_->Evaluate(w);
    EXPECT_LE(events.size(), 1u);
    if (events.empty()) return std::nullopt;
    return events[0];
  }
  RuleEngine& engine() { return *engine_; }

 private:
  std::optional<RuleEngine> engine_;
};

TEST(RuleEngineTest, ThresholdHysteresisDoesNotFlapBetweenLevels) {
  Harness h(Threshold(80, 70));
  EXPECT_FALSE(h.Feed(0, 75));
  EXPECT_FALSE(h.Feed(1000, 80));  // not strictly above
  auto raised = h.Feed(2000, 81);
  ASSERT_TRUE(raised);
  EXPECT_EQ(raised->transition, T::kRaised);
  EXPECT_EQ(raised->rule, "hot");
  EXPECT_EQ(raised->at_ms, 2000);
  EXPECT_EQ(raised->value, 81);
  EXPECT_EQ(raised->mode, "running");
  for (double v : {79.0, 81.0, 71.0, 85.0, 70.0}) EXPECT_FALSE(h.Feed(3000, v)) << v;
  auto cleared = h.Feed(4000, 69.9);
  ASSERT_TRUE(cleared);
  EXPECT_EQ(cleared->transition, T::kCleared);
  EXPECT_EQ(cleared->value, 69.9);
  for (double v : {75.0, 80.0, 70.0}) EXPECT_FALSE(h.Feed(5000, v)) << v;
  EXPECT_TRUE(h.Feed(6000, 90));
}

TEST(RuleEngineTest, ThresholdBelow) {
  RuleConfig r = Threshold(10, 15);
  r.direction = Direction::kBelow;
  Harness h(r);
  EXPECT_FALSE(h.Feed(0, 12));
  EXPECT_EQ(h.Feed(1, 9.5)->transition, T::kRaised);
  EXPECT_FALSE(h.Feed(2, 14));
  EXPECT_FALSE(h.Feed(3, 15));
  EXPECT_EQ(h.Feed(4, 15.5)->transition, T::kCleared);
}

TEST(RuleEngineTest, ForDurationRaisesOnlyAfterContinuousHold) {
  RuleConfig r = Threshold(5, 5);
  r.kind = RuleKind::kForDuration;
  r.for_ms = 3000;
  r.clear_after_ms = 2000;
  Harness h(r);
  EXPECT_FALSE(h.Feed(0, 6));
  EXPECT_FALSE(h.Feed(1000, 6));
  EXPECT_FALSE(h.Feed(2000, 6));
  EXPECT_FALSE(h.Feed(2500, 4));  // interrupted: streak restarts
  EXPECT_FALSE(h.Feed(3000, 6));
  EXPECT_FALSE(h.Feed(5000, 6));
  auto raised = h.Feed(6000, 7);
  ASSERT_TRUE(raised);
  EXPECT_EQ(raised->transition, T::kRaised);
  EXPECT_EQ(raised->at_ms, 6000);
  EXPECT_FALSE(h.Feed(7000, 6));
  EXPECT_FALSE(h.Feed(8000, 4));   // failing since 8000
  EXPECT_FALSE(h.Feed(9000, 6));   // holds again: failing streak resets
  EXPECT_FALSE(h.Feed(10000, 4));  // failing since 10000
  EXPECT_FALSE(h.Feed(11000, 4));
  auto cleared = h.Feed(12000, 3);
  ASSERT_TRUE(cleared);
  EXPECT_EQ(cleared->transition, T::kCleared);
}

TEST(RuleEngineTest, ForDurationZeroClearsImmediately) {
  RuleConfig r = Threshold(5, 5);
  r.kind = RuleKind::kForDuration;
  r.for_ms = 0;
  Harness h(r);
  EXPECT_EQ(h.Feed(0, 6)->transition, T::kRaised);
  EXPECT_EQ(h.Feed(10, 5)->transition, T::kCleared);
}

TEST(RuleEngineTest, RateOfChangeOverLastWindows) {
  RuleConfig r;
  r.name = "surge";
  r.input = "motor.current.rms";
  r.kind = RuleKind::kRate;
  r.rate_per_s = 2.0;
  r.clear_at = 1.0;
  r.windows = 3;
  Harness h(r);
  EXPECT_FALSE(h.Feed(0, 0));
  EXPECT_FALSE(h.Feed(1000, 10));  // only two values: not evaluated yet
  auto raised = h.Feed(2000, 10);  // (10-0)/2s = 5/s
  ASSERT_TRUE(raised);
  EXPECT_EQ(raised->transition, T::kRaised);
  EXPECT_DOUBLE_EQ(raised->value, 5.0);
  EXPECT_FALSE(h.Feed(3000, 13));   // (13-10)/2s = 1.5/s: between clear and raise
  auto cleared = h.Feed(4000, 11);  // (11-10)/2s = 0.5/s
  ASSERT_TRUE(cleared);
  EXPECT_EQ(cleared->transition, T::kCleared);
  EXPECT_FALSE(h.Feed(5000, 11));
  auto falling = h.Feed(6000, 1);  // (1-11)/2s = -5/s
  ASSERT_TRUE(falling);
  EXPECT_EQ(falling->transition, T::kRaised);
}

TEST(RuleEngineTest, ModeFilterOnlyActiveInListedModesAndLeavingClears) {
  RuleConfig r = Threshold(80, 70);
  r.when_mode = {"running", "ramping"};
  Harness h(r);
  EXPECT_FALSE(h.Feed(0, 90, "idle"));
  EXPECT_EQ(h.Feed(1000, 90, "ramping")->transition, T::kRaised);
  EXPECT_FALSE(h.Feed(2000, 90, "running"));
  auto cleared = h.Feed(3000, 90, "off");
  ASSERT_TRUE(cleared);
  EXPECT_EQ(cleared->transition, T::kCleared);
  EXPECT_EQ(cleared->mode, "off");
  EXPECT_FALSE(h.Feed(4000, 90, "off"));
  EXPECT_EQ(h.Feed(5000, 90, "running")->transition, T::kRaised);
}

TEST(RuleEngineTest, LeavingModeResetsForDurationStreak) {
  RuleConfig r = Threshold(5, 5);
  r.kind = RuleKind::kForDuration;
  r.for_ms = 2000;
  r.when_mode = {"running"};
  Harness h(r);
  EXPECT_FALSE(h.Feed(0, 6));
  EXPECT_FALSE(h.Feed(1000, 6, "idle"));
  EXPECT_FALSE(h.Feed(2000, 6));
  EXPECT_FALSE(h.Feed(3000, 6));
  EXPECT_TRUE(h.Feed(4000, 6));
}

TEST(RuleEngineTest, MissingInputNeitherRaisesNorClearsAndIsCounted) {
  Harness h(Threshold(80, 70));
  EXPECT_FALSE(h.Feed(0, std::nullopt));
  EXPECT_FALSE(h.Feed(1, kNaN));
  EXPECT_TRUE(h.Feed(2, 90));
  EXPECT_FALSE(h.Feed(3, std::nullopt));
  EXPECT_FALSE(h.Feed(4, kNaN));
  auto statuses = h.engine().Statuses();
  ASSERT_EQ(statuses.size(), 1u);
  EXPECT_TRUE(statuses[0].raised);
  EXPECT_EQ(statuses[0].missing_inputs, 4u);
  EXPECT_EQ(h.Feed(5, 60)->transition, T::kCleared);
}

TEST(RuleEngineTest, MissingInputInterruptsForDuration) {
  RuleConfig r = Threshold(5, 5);
  r.kind = RuleKind::kForDuration;
  r.for_ms = 2000;
  Harness h(r);
  EXPECT_FALSE(h.Feed(0, 6));
  EXPECT_FALSE(h.Feed(1000, kNaN));
  EXPECT_FALSE(h.Feed(2000, 6));
  EXPECT_FALSE(h.Feed(3000, 6));
  EXPECT_TRUE(h.Feed(4000, 6));
}

TEST(RuleEngineTest, OutOfOrderWindowIsIgnoredAndCounted) {
  Harness h(Threshold(80, 70));
  EXPECT_FALSE(h.Feed(1000, 10));
  EXPECT_FALSE(h.Feed(500, 90));
  EXPECT_EQ(h.engine().out_of_order_windows(), 1u);
  EXPECT_TRUE(h.Feed(1000, 90));
}

TEST(RuleEngineTest, CreateRejectsInvalidRulesAndDuplicateNames) {
  auto bad = RuleEngine::Create({Threshold(70, 80)});
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(), HasSubstr("clear_at (80) must be <= above (70)"));
  auto dup = RuleEngine::Create({Threshold(80, 70), Threshold(90, 70)});
  ASSERT_FALSE(dup.ok());
  EXPECT_THAT(dup.status().message(), HasSubstr("\"hot\": name is used by another rule"));
  RuleConfig rate;
  rate.name = "r";
  rate.input = "x";
  rate.kind = RuleKind::kRate;
  rate.rate_per_s = 0;
  EXPECT_FALSE(RuleEngine::Create({rate}).ok());
  rate.rate_per_s = 1;
  rate.windows = 1;
  EXPECT_FALSE(RuleEngine::Create({rate}).ok());
}

}  // namespace
}  // namespace keel::edge::rules
