#include <fmt/format.h>

#include <chrono>

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
    : spec_(std::move(spec)), options_(options) {
  worker_ = std::thread([this] { Run(); });
}

CommandAction::~CommandAction() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    stats_.dropped += queue_.size();
    queue_.clear();
  }
  changed_.notify_all();
  worker_.join();
}

void CommandAction::Submit(const RuleEvent& event) {
  {
    std::lock_guard lock(mu_);
    ++stats_.submitted;
    if (stopping_ || queue_.size() >= options_.queue_capacity) {
      ++stats_.dropped;
      return;
    }
    queue_.push_back(event);
  }
  changed_.notify_all();
}

bool CommandAction::WaitIdle(int64_t timeout_ms) {
  std::unique_lock lock(mu_);
  return changed_.wait_for(lock, std::chrono::milliseconds(timeout_ms),
                           [this] { return queue_.empty() && !running_; });
}

std::vector<CommandResult> CommandAction::TakeResults() {
  std::lock_guard lock(mu_);
  std::vector<CommandResult> out(std::make_move_iterator(results_.begin()),
                                 std::make_move_iterator(results_.end()));
  results_.clear();
  return out;
}

CommandStats CommandAction::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

void CommandAction::Run() {
  std::unique_lock lock(mu_);
  while (true) {
    changed_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (stopping_) return;
    RuleEvent event = std::move(queue_.front());
    queue_.pop_front();
    running_ = true;
    lock.unlock();
    auto outcome = RunCommand(spec_.argv, EventEnvironment(event), spec_.timeout_ms);
    lock.lock();
    CommandResult result{std::move(event), Status::Ok(), {}};
    if (!outcome.ok()) {
      ++stats_.errors;
      result.error = outcome.status().WithContext(fmt::format("action \"{}\"", spec_.name));
    } else {
      result.outcome = *outcome;
      if (outcome->kind == CommandOutcome::Kind::kTimedOut) {
        ++stats_.timed_out;
      } else if (outcome->succeeded()) {
        ++stats_.succeeded;
      } else {
        ++stats_.failed;
      }
    }
    results_.push_back(std::move(result));
    while (results_.size() > options_.max_results) results_.pop_front();
    running_ = false;
    changed_.notify_all();
  }
}

}  // namespace keel::edge::rules
