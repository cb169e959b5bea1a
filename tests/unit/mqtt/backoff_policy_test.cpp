#include "mqtt/backoff_policy.h"

#include <gtest/gtest.h>

#include <climits>
#include <set>

#include "common/random.h"

namespace keel::mqtt {
namespace {

// A Random that always returns the same value, to pin the ends of the range.
class FixedRandom : public Random {
 public:
  explicit FixedRandom(double value) : value_(value) {}
  double Uniform() override { return value_; }
  double Gaussian() override { return 0; }

 private:
  double value_;
};

TEST(BackoffPolicyTest, CeilingDoublesFromTwiceMinUntilMax) {
  const BackoffPolicy policy(100, 1000);
  EXPECT_EQ(policy.CeilingMs(1), 200);
  EXPECT_EQ(policy.CeilingMs(2), 400);
  EXPECT_EQ(policy.CeilingMs(3), 800);
  EXPECT_EQ(policy.CeilingMs(4), 1000);
  EXPECT_EQ(policy.CeilingMs(50), 1000);
}

TEST(BackoffPolicyTest, HugeAttemptsDoNotOverflow) {
  const BackoffPolicy policy(500, INT_MAX);
  EXPECT_EQ(policy.CeilingMs(INT_MAX), INT_MAX);
  SeededRandom random(1);
  const int delay = policy.DelayMs(INT_MAX, random);
  EXPECT_GE(delay, 500);
}

TEST(BackoffPolicyTest, DelaysStayWithinMinAndCeiling) {
  const BackoffPolicy policy(50, 30000);
  SeededRandom random(7);
  for (int attempt = 1; attempt <= 20; ++attempt) {
    for (int i = 0; i < 200; ++i) {
      const int delay = policy.DelayMs(attempt, random);
      ASSERT_GE(delay, 50) << "attempt " << attempt;
      ASSERT_LE(delay, policy.CeilingMs(attempt)) << "attempt " << attempt;
    }
  }
}

TEST(BackoffPolicyTest, FullJitterSpreadsDelaysOverTheWholeRange) {
  const BackoffPolicy policy(100, 100000);
  SeededRandom random(3);
  std::set<int> seen;
  int below_half = 0;
  for (int i = 0; i < 1000; ++i) {
    const int delay = policy.DelayMs(6, random);  // range 100..6400
    seen.insert(delay);
    if (delay < 3250) ++below_half;
  }
  EXPECT_GT(seen.size(), 500u);
  EXPECT_GT(below_half, 400);
  EXPECT_LT(below_half, 600);
}

TEST(BackoffPolicyTest, ExtremeRandomValuesHitTheEnds) {
  const BackoffPolicy policy(100, 1000);
  FixedRandom low(0.0);
  FixedRandom high(0.999999999);
  EXPECT_EQ(policy.DelayMs(3, low), 100);
  EXPECT_EQ(policy.DelayMs(3, high), 800);
}

TEST(BackoffPolicyTest, SameSeedGivesSameSequence) {
  const BackoffPolicy policy(50, 5000);
  SeededRandom a(99);
  SeededRandom b(99);
  for (int attempt = 1; attempt <= 10; ++attempt) {
    EXPECT_EQ(policy.DelayMs(attempt, a), policy.DelayMs(attempt, b));
  }
}

TEST(BackoffPolicyTest, AttemptsBelowOneCountAsTheFirst) {
  const BackoffPolicy policy(100, 1000);
  EXPECT_EQ(policy.CeilingMs(0), 200);
  EXPECT_EQ(policy.CeilingMs(-5), 200);
}

TEST(BackoffPolicyTest, BadBoundsAreCorrected) {
  const BackoffPolicy zero(0, 0);
  EXPECT_EQ(zero.min_ms(), 1);
  EXPECT_EQ(zero.max_ms(), 1);
  const BackoffPolicy inverted(500, 100);
  EXPECT_EQ(inverted.min_ms(), 500);
  EXPECT_EQ(inverted.max_ms(), 500);
  SeededRandom random(5);
  EXPECT_EQ(inverted.DelayMs(4, random), 500);
}

}  // namespace
}  // namespace keel::mqtt
