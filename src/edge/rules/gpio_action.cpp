#include "edge/rules/gpio_action.h"

#include <fmt/format.h>

namespace keel::edge::rules {

Status ValidateGpioSpec(const GpioSpec& spec) {
  auto invalid = [&](std::string problem) {
    return Status::InvalidArgument(fmt::format("gpio \"{}\": {}", spec.name, problem));
  };
  if (spec.chip.empty()) return invalid("chip must not be empty");
  if (spec.line < 0) return invalid(fmt::format("line {} is negative", spec.line));
  if ((spec.on_raise != 0 && spec.on_raise != 1) || (spec.on_clear != 0 && spec.on_clear != 1)) {
    return invalid(
        fmt::format("on_raise {} / on_clear {}: must be 0 or 1", spec.on_raise, spec.on_clear));
  }
  return Status::Ok();
}

Result<std::unique_ptr<GpioAction>> GpioAction::Create(GpioSpec spec, GpioLineFactory& lines,
                                                       ActionQueueOptions options) {
  KEEL_RETURN_IF_ERROR(ValidateGpioSpec(spec));
  auto line = lines.RequestOutput({spec.chip, spec.line, spec.active_low, spec.on_clear});
  if (!line.ok()) return line.status().WithContext(fmt::format("gpio \"{}\"", spec.name));
  return std::unique_ptr<GpioAction>(
      new GpioAction(std::move(spec), std::move(line).value(), options));
}

GpioAction::GpioAction(GpioSpec spec, std::unique_ptr<GpioLine> line, ActionQueueOptions options)
    : spec_(std::move(spec)),
      line_(std::move(line)),
      worker_(
          options, [this](const RuleEvent& event) { return Set(event); }, CountActionResult) {}

GpioAction::~GpioAction() { worker_.Stop(); }

void GpioAction::Submit(const RuleEvent& event) { worker_.Submit(event); }

bool GpioAction::WaitIdle(int64_t timeout_ms) { return worker_.WaitIdle(timeout_ms); }

std::vector<ActionResult> GpioAction::TakeResults() { return worker_.TakeResults(); }

ActionStats GpioAction::stats() const { return worker_.stats(); }

ActionResult GpioAction::Set(const RuleEvent& event) {
  const int value =
      event.transition == RuleEvent::Transition::kRaised ? spec_.on_raise : spec_.on_clear;
  Status status = line_->Set(value);
  if (!status.ok()) status = status.WithContext(fmt::format("gpio \"{}\"", spec_.name));
  return {event, std::move(status), value, 1};
}

}  // namespace keel::edge::rules
