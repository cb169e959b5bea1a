#include <fmt/format.h>

#include "edge/rules/actions.h"

namespace keel::edge::rules {
namespace {

std::vector<std::string> EventEnvironment(const RuleEvent& event) {
  return {
      "KEEL_RULE=" + event.rule,
      fmt::format("KEEL_TRANSITION={}", TransitionName(event.transition)),
      fmt::format("KEEL_VALUE={}", event.value),
      "KEEL_MODE=" + event.mode,
      fmt::format("KEEL_AT_MS={}", event.at_ms),
      fmt::format("KEEL_SEVERITY={}", SeverityName(event.severity)),
  };
}

}  // namespace

CommandAction::CommandAction(CommandSpec spec, CommandActionOptions options)
    : spec_(std::move(spec)),
      worker_(
          options, [this](const RuleEvent& event) { return Run(event); },
          [](const CommandResult& result, CommandStats* stats) {
            if (!result.error.ok()) {
              ++stats->errors;
            } else if (result.outcome.kind == CommandOutcome::Kind::kTimedOut) {
              ++stats->timed_out;
            } else {
              ++(result.outcome.succeeded() ? stats->succeeded : stats->failed);
            }
          }) {}

CommandAction::~CommandAction() = default;

void CommandAction::Submit(const RuleEvent& event) { worker_.Submit(event); }

bool CommandAction::WaitIdle(int64_t timeout_ms) { return worker_.WaitIdle(timeout_ms); }

std::vector<CommandResult> CommandAction::TakeResults() { return worker_.TakeResults(); }

CommandStats CommandAction::stats() const { return worker_.stats(); }

CommandResult CommandAction::Run(const RuleEvent& event) const {
  CommandResult result{event, Status::Ok(), {}};
  auto outcome = RunCommand(spec_.argv, EventEnvironment(event), spec_.timeout_ms);
  if (!outcome.ok()) {
    result.error = outcome.status().WithContext(fmt::format("action \"{}\"", spec_.name));
  } else {
    result.outcome = *outcome;
  }
  return result;
}

}  // namespace keel::edge::rules
