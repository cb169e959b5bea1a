#include "edge/rules/gpio_action.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <mutex>
#include <thread>

#include "edge/rules/fake_gpio.h"
#include "edge/rules/gpio_line.h"

namespace keel::edge::rules {
namespace {

using ::testing::AnyOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

RuleEvent Event(RuleEvent::Transition transition) {
  return RuleEvent{"hot", transition, 1000, 91.5, "running", Severity::kCritical};
}
const RuleEvent kRaise = Event(RuleEvent::Transition::kRaised);
const RuleEvent kClear = Event(RuleEvent::Transition::kCleared);

GpioSpec Spec() {
  GpioSpec spec;
  spec.name = "lamp";
  spec.chip = "gpiochip0";
  spec.line = 17;
  return spec;
}

std::unique_ptr<GpioAction> CreateOk(const GpioSpec& spec, GpioLineFactory& lines) {
  auto action = GpioAction::Create(spec, lines);
  EXPECT_TRUE(action.ok()) << action.status().ToString();
  return action.ok() ? std::move(action).value() : nullptr;
}

TEST(GpioActionTest, SetsRaiseAndClearValuesStartingCleared) {
  FakeGpioLineFactory chips({{"gpiochip0", 32}});
  auto action = CreateOk(Spec(), chips);
  ASSERT_NE(action, nullptr);
  EXPECT_TRUE(chips.line("gpiochip0", 17).requested);
  EXPECT_THAT(chips.line("gpiochip0", 17).values, ElementsAre(0));
  action->Submit(kRaise);
  action->Submit(kClear);
  action->Submit(kRaise);
  ASSERT_TRUE(action->WaitIdle(5000));
  EXPECT_THAT(chips.line("gpiochip0", 17).values, ElementsAre(0, 1, 0, 1));
  const ActionStats s = action->stats();
  EXPECT_EQ(s.submitted, 3u);
  EXPECT_EQ(s.succeeded, 3u);
  EXPECT_EQ(s.failed, 0u);
  auto results = action->TakeResults();
  ASSERT_EQ(results.size(), 3u);
  EXPECT_EQ(results[1].value, 0);
  EXPECT_EQ(results[1].event.transition, RuleEvent::Transition::kCleared);
}

TEST(GpioActionTest, ConfiguredValuesAndActiveLow) {
  FakeGpioLineFactory chips({{"gpiochip0", 32}});
  GpioSpec spec = Spec();
  spec.on_raise = 0;
  spec.on_clear = 1;
  spec.active_low = true;
  auto action = CreateOk(spec, chips);
  ASSERT_NE(action, nullptr);
  EXPECT_EQ(chips.line("gpiochip0", 17).physical(), 0);  // logical 1, active low
  action->Submit(kRaise);
  ASSERT_TRUE(action->WaitIdle(5000));
  const auto line = chips.line("gpiochip0", 17);
  EXPECT_TRUE(line.active_low);
  EXPECT_THAT(line.values, ElementsAre(1, 0));
  EXPECT_EQ(line.physical(), 1);
}

TEST(GpioActionTest, MissingChipOrLineFailsCreateNamingThem) {
  FakeGpioLineFactory chips({{"gpiochip0", 8}});
  GpioSpec spec = Spec();
  spec.chip = "gpiochip9";
  auto no_chip = GpioAction::Create(spec, chips);
  ASSERT_FALSE(no_chip.ok());
  EXPECT_EQ(no_chip.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(no_chip.status().message(), HasSubstr("gpio \"lamp\": gpio chip \"gpiochip9\""));
  auto no_line = GpioAction::Create(Spec(), chips);  // line 17 on an 8-line chip
  ASSERT_FALSE(no_line.ok());
  EXPECT_EQ(no_line.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(no_line.status().message(), HasSubstr("line 17: no such line (the chip has 8)"));
}

TEST(GpioActionTest, InvalidSpecIsRejected) {
  FakeGpioLineFactory chips({{"gpiochip0", 32}});
  GpioSpec spec = Spec();
  spec.on_raise = 2;
  auto bad_value = GpioAction::Create(spec, chips);
  ASSERT_FALSE(bad_value.ok());
  EXPECT_EQ(bad_value.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(bad_value.status().message(), HasSubstr("gpio \"lamp\": on_raise 2"));
  spec = Spec();
  spec.chip = "";
  EXPECT_THAT(GpioAction::Create(spec, chips).status().message(),
              HasSubstr("chip must not be empty"));
  spec = Spec();
  spec.line = -1;
  EXPECT_THAT(GpioAction::Create(spec, chips).status().message(), HasSubstr("line -1"));
  EXPECT_FALSE(chips.line("gpiochip0", 17).requested);
}

TEST(GpioActionTest, FailedSetIsCountedAndTheNextEventTriesAgain) {
  FakeGpioLineFactory chips({{"gpiochip0", 32}});
  auto action = CreateOk(Spec(), chips);
  ASSERT_NE(action, nullptr);
  chips.FailNextSets(1);
  action->Submit(kRaise);
  action->Submit(kRaise);
  ASSERT_TRUE(action->WaitIdle(5000));
  const ActionStats s = action->stats();
  EXPECT_EQ(s.failed, 1u);
  EXPECT_EQ(s.succeeded, 1u);
  auto results = action->TakeResults();
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(results[0].status.code(), StatusCode::kUnavailable);
  EXPECT_THAT(results[0].status.message(),
              HasSubstr("gpio \"lamp\": gpio chip \"gpiochip0\" line 17: set value 1"));
  EXPECT_THAT(chips.line("gpiochip0", 17).values, ElementsAre(0, 1));
}

TEST(GpioActionTest, HoldsTheLineUntilDestroyed) {
  FakeGpioLineFactory chips({{"gpiochip0", 32}});
  auto first = CreateOk(Spec(), chips);
  ASSERT_NE(first, nullptr);
  auto second = GpioAction::Create(Spec(), chips);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), StatusCode::kUnavailable);
  first.reset();
  EXPECT_FALSE(chips.line("gpiochip0", 17).requested);
  EXPECT_NE(CreateOk(Spec(), chips), nullptr);
}

TEST(GpioActionTest, DropsWhenTheQueueIsFull) {
  FakeGpioLineFactory chips({{"gpiochip0", 32}});
  auto action = GpioAction::Create(Spec(), chips, ActionQueueOptions{.queue_capacity = 0});
  ASSERT_TRUE(action.ok());
  (*action)->Submit(kRaise);
  ASSERT_TRUE((*action)->WaitIdle(5000));
  EXPECT_EQ((*action)->stats().dropped, 1u);
  EXPECT_THAT(chips.line("gpiochip0", 17).values, ElementsAre(0));
}

TEST(GpioActionTest, OnThreadStartRunsOnTheWorkerBeforeItsFirstAction) {
  FakeGpioLineFactory chips({{"gpiochip0", 32}});
  std::mutex mu;
  std::thread::id started_on;
  int starts = 0;
  ActionQueueOptions options;
  options.on_thread_start = [&] {
    std::lock_guard lock(mu);
    started_on = std::this_thread::get_id();
    ++starts;
  };
  auto action = GpioAction::Create(Spec(), chips, options);
  ASSERT_TRUE(action.ok()) << action.status().ToString();
  (*action)->Submit(kRaise);
  (*action)->Submit(kClear);
  ASSERT_TRUE((*action)->WaitIdle(5000));
  std::lock_guard lock(mu);
  EXPECT_EQ(starts, 1);
  EXPECT_NE(started_on, std::thread::id());
  EXPECT_NE(started_on, std::this_thread::get_id());
  EXPECT_THAT(chips.line("gpiochip0", 17).values, ElementsAre(0, 1, 0));
}

TEST(LibgpiodLineFactoryTest, MissingChipIsNotFoundNamingIt) {
  auto factory = NewLibgpiodLineFactory();
  auto line = factory->RequestOutput({"keel-no-such-chip", 3, false, 0});
  ASSERT_FALSE(line.ok());
  EXPECT_THAT(line.status().code(), AnyOf(StatusCode::kNotFound, StatusCode::kUnavailable));
  EXPECT_THAT(line.status().message(), HasSubstr("gpio chip \"keel-no-such-chip\": cannot open"));

  auto path = factory->RequestOutput({"/nonexistent/gpiochip7", 0, false, 0});
  ASSERT_FALSE(path.ok());
  EXPECT_EQ(path.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(path.status().message(), HasSubstr("/nonexistent/gpiochip7"));

  EXPECT_EQ(factory->RequestOutput({"gpiochip0", -1, false, 0}).status().code(),
            StatusCode::kInvalidArgument);

  GpioSpec spec = Spec();
  spec.chip = "keel-no-such-chip";
  auto action = GpioAction::Create(spec, *factory);
  ASSERT_FALSE(action.ok());
  EXPECT_THAT(action.status().message(),
              HasSubstr("gpio \"lamp\": gpio chip \"keel-no-such-chip\": cannot open"));
}

}  // namespace
}  // namespace keel::edge::rules
