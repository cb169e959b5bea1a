#include "edge/rules/actions.h"

#include <fmt/format.h>

#include <algorithm>

namespace keel::edge::rules {

PublishAction::PublishAction(size_t capacity) : capacity_(std::max<size_t>(capacity, 1)) {}

void PublishAction::Submit(const RuleEvent& event) {
  std::lock_guard lock(mu_);
  if (queue_.size() >= capacity_) {
    queue_.pop_front();
    ++dropped_;
  }
  queue_.push_back(event);
}

std::vector<RuleEvent> PublishAction::Drain(size_t max) {
  std::lock_guard lock(mu_);
  const size_t n = std::min(max, queue_.size());
  std::vector<RuleEvent> out(std::make_move_iterator(queue_.begin()),
                             std::make_move_iterator(queue_.begin() + static_cast<ptrdiff_t>(n)));
  queue_.erase(queue_.begin(), queue_.begin() + static_cast<ptrdiff_t>(n));
  return out;
}

size_t PublishAction::size() const {
  std::lock_guard lock(mu_);
  return queue_.size();
}

uint64_t PublishAction::dropped() const {
  std::lock_guard lock(mu_);
  return dropped_;
}

void FakeActionSink::Submit(const RuleEvent& event) {
  std::lock_guard lock(mu_);
  events_.push_back(event);
}

std::vector<RuleEvent> FakeActionSink::events() const {
  std::lock_guard lock(mu_);
  return events_;
}

Result<ActionRouter> ActionRouter::Create(
    const std::vector<RuleConfig>& rules, ActionSink* publish,
    std::map<std::string, ActionSink*, std::less<>> named_sinks) {
  ActionRouter router;
  for (const RuleConfig& rule : rules) {
    std::vector<ActionSink*>& sinks = router.by_rule_[rule.name];
    for (const RuleAction& action : rule.actions) {
      const std::string reference = action.Reference();
      ActionSink* sink = nullptr;
      if (action.kind == RuleAction::Kind::kPublish) {
        sink = publish;
      } else if (auto it = named_sinks.find(reference); it != named_sinks.end()) {
        sink = it->second;
      }
      if (sink == nullptr) {
        return Status::InvalidArgument(fmt::format(
            "rule \"{}\": action \"{}\": no sink is registered for it", rule.name, reference));
      }
      if (std::find(sinks.begin(), sinks.end(), sink) == sinks.end()) sinks.push_back(sink);
    }
  }
  return router;
}

void ActionRouter::Dispatch(const std::vector<RuleEvent>& events) const {
  for (const RuleEvent& event : events) {
    auto it = by_rule_.find(event.rule);
    if (it == by_rule_.end()) continue;
    for (ActionSink* sink : it->second) sink->Submit(event);
  }
}

}  // namespace keel::edge::rules
