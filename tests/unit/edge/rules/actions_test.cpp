#include "edge/rules/actions.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>

#include "edge/rules/command_runner.h"

namespace keel::edge::rules {
namespace {

using ::testing::HasSubstr;
using Kind = CommandOutcome::Kind;

RuleEvent Event(std::string rule, int64_t at_ms = 1000) {
  return RuleEvent{std::move(rule),    RuleEvent::Transition::kRaised, at_ms, 91.5, "running",
                   Severity::kCritical};
}

const std::vector<std::string> kSleep5 = {"/bin/sh", "-c", "sleep 5"};

TEST(RunCommandTest, ReportsExitStatus) {
  auto ok = RunCommand({"/bin/true"}, {}, 5000);
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(ok->kind, Kind::kExited);
  EXPECT_EQ(ok->exit_code, 0);
  EXPECT_TRUE(ok->succeeded());

  auto fail = RunCommand({"/bin/false"}, {}, 5000);
  ASSERT_TRUE(fail.ok());
  EXPECT_EQ(fail->kind, Kind::kExited);
  EXPECT_EQ(fail->exit_code, 1);
  EXPECT_FALSE(fail->succeeded());

  auto three = RunCommand({"/bin/sh", "-c", "exit 3"}, {}, 5000);
  ASSERT_TRUE(three.ok());
  EXPECT_EQ(three->exit_code, 3);
}

TEST(RunCommandTest, ReportsDeathBySignal) {
  auto r = RunCommand({"/bin/sh", "-c", "kill -TERM $$"}, {}, 5000);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->kind, Kind::kSignaled);
  EXPECT_EQ(r->signal, SIGTERM);
  EXPECT_FALSE(r->succeeded());
}

TEST(RunCommandTest, KillsCommandAtTimeout) {
  auto r = RunCommand(kSleep5, {}, 200);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->kind, Kind::kTimedOut);
  EXPECT_EQ(r->signal, SIGKILL);
  EXPECT_GE(r->duration_ms, 200);
  EXPECT_LT(r->duration_ms, 1500);
}

TEST(RunCommandTest, PassesExtraEnvironmentAndNoShellForArgv) {
  auto r = RunCommand(
      {"/bin/sh", "-c", "test \"$KEEL_RULE\" = 'a b;c' && test \"$1\" = '$HOME'", "sh", "$HOME"},
      {"KEEL_RULE=a b;c"}, 5000);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->exit_code, 0);
}

TEST(RunCommandTest, RejectsBadArguments) {
  auto missing = RunCommand({"/nonexistent/keel-action"}, {}, 1000);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kUnavailable);
  EXPECT_THAT(missing.status().message(), HasSubstr("/nonexistent/keel-action: cannot start"));
  EXPECT_EQ(RunCommand({}, {}, 1000).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(RunCommand({"/bin/true"}, {}, 0).status().code(), StatusCode::kInvalidArgument);
}

TEST(CommandActionTest, RunsCommandPerEventWithEventEnvironment) {
  CommandAction action({"check",
                        {"/bin/sh", "-c",
                         "test \"$KEEL_RULE\" = hot && test \"$KEEL_TRANSITION\" = raised && "
                         "test \"$KEEL_MODE\" = running && test \"$KEEL_AT_MS\" = 1000 && "
                         "test \"$KEEL_SEVERITY\" = critical && test \"$KEEL_VALUE\" = 91.5"},
                        5000});
  action.Submit(Event("hot"));
  action.Submit(Event("cold"));
  ASSERT_TRUE(action.WaitIdle(5000));
  auto results = action.TakeResults();
  ASSERT_EQ(results.size(), 2u);
  EXPECT_TRUE(results[0].error.ok());
  EXPECT_EQ(results[0].event.rule, "hot");
  EXPECT_TRUE(results[0].outcome.succeeded());
  EXPECT_EQ(results[1].outcome.exit_code, 1);
  const CommandStats s = action.stats();
  EXPECT_EQ(s.submitted, 2u);
  EXPECT_EQ(s.succeeded, 1u);
  EXPECT_EQ(s.failed, 1u);
  EXPECT_EQ(s.dropped, 0u);
}

TEST(CommandActionTest, CountsNonZeroExitTimeoutAndStartFailure) {
  CommandAction fails({"false", {"/bin/false"}, 5000});
  CommandAction hangs({"hang", kSleep5, 200});
  CommandAction missing({"missing", {"/nonexistent/keel-action"}, 1000});
  for (CommandAction* a : {&fails, &hangs, &missing}) a->Submit(Event("r"));
  for (CommandAction* a : {&fails, &hangs, &missing}) ASSERT_TRUE(a->WaitIdle(5000));
  EXPECT_EQ(fails.stats().failed, 1u);
  EXPECT_EQ(fails.TakeResults()[0].outcome.exit_code, 1);
  EXPECT_EQ(hangs.stats().timed_out, 1u);
  EXPECT_EQ(hangs.TakeResults()[0].outcome.kind, Kind::kTimedOut);
  EXPECT_EQ(missing.stats().errors, 1u);
  auto results = missing.TakeResults();
  ASSERT_EQ(results.size(), 1u);
  EXPECT_THAT(results[0].error.message(), HasSubstr("action \"missing\": command"));
}

TEST(CommandActionTest, SubmitNeverWaitsForRunningCommandAndDropsWhenFull) {
  CommandAction action({"hang", kSleep5, 300}, CommandActionOptions{.queue_capacity = 1});
  action.Submit(Event("first"));
  ASSERT_FALSE(action.WaitIdle(50));  // the worker is running "first"
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 3; ++i) action.Submit(Event("r" + std::to_string(i)));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(50));
  const CommandStats s = action.stats();
  EXPECT_EQ(s.submitted, 4u);
  EXPECT_EQ(s.dropped, 2u);  // one queued behind the running command, two dropped
  EXPECT_EQ(s.timed_out, 0u);
}

TEST(PublishActionTest, BoundedQueueDropsOldestAndCounts) {
  PublishAction publish(2);
  for (int i = 0; i < 5; ++i) publish.Submit(Event("r", i));
  EXPECT_EQ(publish.size(), 2u);
  EXPECT_EQ(publish.dropped(), 3u);
  auto first = publish.Drain(1);
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].at_ms, 3);
  auto rest = publish.Drain();
  ASSERT_EQ(rest.size(), 1u);
  EXPECT_EQ(rest[0].at_ms, 4);
  EXPECT_TRUE(publish.Drain().empty());
}

TEST(ActionRouterTest, RoutesEventsToTheirRulesActions) {
  RuleConfig a;
  a.name = "a";
  a.actions = {{RuleAction::Kind::kPublish, ""},
               {RuleAction::Kind::kCommand, "stop"},
               {RuleAction::Kind::kGpio, "lamp"}};
  RuleConfig b;
  b.name = "b";
  b.actions = {{RuleAction::Kind::kCommand, "stop"}, {RuleAction::Kind::kModbus, "valve"}};
  RuleConfig c;
  c.name = "c";
  FakeActionSink publish;
  FakeActionSink stop;
  FakeActionSink valve;
  FakeActionSink lamp;
  auto router = ActionRouter::Create(
      {a, b, c}, &publish,
      {{"command:stop", &stop}, {"modbus:valve", &valve}, {"gpio:lamp", &lamp}});
  ASSERT_TRUE(router.ok()) << router.status().ToString();
  router->Dispatch({Event("a"), Event("b"), Event("c"), Event("unknown")});
  ASSERT_EQ(publish.events().size(), 1u);
  EXPECT_EQ(publish.events()[0].rule, "a");
  ASSERT_EQ(stop.events().size(), 2u);
  EXPECT_EQ(stop.events()[1].rule, "b");
  ASSERT_EQ(valve.events().size(), 1u);
  EXPECT_EQ(valve.events()[0].rule, "b");
  ASSERT_EQ(lamp.events().size(), 1u);
  EXPECT_EQ(lamp.events()[0].rule, "a");
}

TEST(ActionRouterTest, RejectsMissingSinks) {
  RuleConfig a;
  a.name = "a";
  a.actions = {{RuleAction::Kind::kCommand, "stop"}};
  FakeActionSink publish;
  FakeActionSink sink;
  auto no_command = ActionRouter::Create({a}, &publish, {});
  ASSERT_FALSE(no_command.ok());
  EXPECT_EQ(no_command.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(no_command.status().message(),
              HasSubstr("rule \"a\": action \"command:stop\": no sink is registered"));
  // The kind is part of the reference: a gpio sink named "stop" is not the command.
  EXPECT_FALSE(ActionRouter::Create({a}, &publish, {{"gpio:stop", &sink}}).ok());
  a.actions = {{RuleAction::Kind::kModbus, "valve"}};
  auto null_sink = ActionRouter::Create({a}, &publish, {{"modbus:valve", nullptr}});
  ASSERT_FALSE(null_sink.ok());
  EXPECT_THAT(null_sink.status().message(), HasSubstr("action \"modbus:valve\""));
  a.actions = {{RuleAction::Kind::kPublish, ""}};
  auto no_publish = ActionRouter::Create({a}, nullptr, {});
  ASSERT_FALSE(no_publish.ok());
  EXPECT_THAT(no_publish.status().message(), HasSubstr("action \"publish\": no sink"));
}

TEST(RuleActionTest, ReferenceNamesKindAndName) {
  EXPECT_EQ((RuleAction{RuleAction::Kind::kPublish, ""}).Reference(), "publish");
  EXPECT_EQ((RuleAction{RuleAction::Kind::kCommand, "x"}).Reference(), "command:x");
  EXPECT_EQ((RuleAction{RuleAction::Kind::kModbus, "x"}).Reference(), "modbus:x");
  EXPECT_EQ((RuleAction{RuleAction::Kind::kGpio, "x"}).Reference(), "gpio:x");
}

}  // namespace
}  // namespace keel::edge::rules
