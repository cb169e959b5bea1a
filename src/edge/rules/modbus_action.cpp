#include "edge/rules/modbus_action.h"

#include <arpa/inet.h>
#include <fmt/format.h>

namespace keel::edge::rules {

std::string_view ModbusTargetName(ModbusTarget target) {
  return target == ModbusTarget::kCoil ? "coil" : "holding register";
}

Status ValidateModbusWriteSpec(const ModbusWriteSpec& spec) {
  auto invalid = [&](std::string problem) {
    return Status::InvalidArgument(fmt::format("modbus_write \"{}\": {}", spec.name, problem));
  };
  in_addr addr{};
  if (inet_pton(AF_INET, spec.host.c_str(), &addr) != 1) {
    return invalid(fmt::format("host \"{}\" is not an IPv4 address", spec.host));
  }
  if (spec.port < 1 || spec.port > 65535) return invalid(fmt::format("port {}", spec.port));
  if (spec.unit_id < 0 || (spec.unit_id > 247 && spec.unit_id != 255)) {
    return invalid(fmt::format("unit_id {} (0..247 or 255)", spec.unit_id));
  }
  if (spec.address < 0 || spec.address > 65535) {
    return invalid(fmt::format("address {}", spec.address));
  }
  const int max = spec.kind == ModbusTarget::kCoil ? 1 : 65535;
  for (int value : {spec.on_raise, spec.on_clear.value_or(0)}) {
    if (value < 0 || value > max) {
      return invalid(
          fmt::format("value {} for a {} (0..{})", value, ModbusTargetName(spec.kind), max));
    }
  }
  if (spec.timeout_ms < 1) return invalid(fmt::format("timeout_ms {}", spec.timeout_ms));
  if (spec.retries < 0 || spec.retries > 10)
    return invalid(fmt::format("retries {}", spec.retries));
  return Status::Ok();
}

ModbusWriteAction::ModbusWriteAction(ModbusWriteSpec spec, ActionQueueOptions options)
    : spec_(std::move(spec)),
      connection_(spec_.host, spec_.port, spec_.unit_id, spec_.timeout_ms),
      worker_(
          options, [this](const RuleEvent& event) { return Write(event); }, CountActionResult) {}

ModbusWriteAction::~ModbusWriteAction() { worker_.Stop(); }

void ModbusWriteAction::Submit(const RuleEvent& event) {
  if (event.transition == RuleEvent::Transition::kCleared && !spec_.on_clear) {
    worker_.UpdateStats([](ActionStats* s) {
      ++s->submitted;
      ++s->skipped;
    });
    return;
  }
  worker_.Submit(event);
}

bool ModbusWriteAction::WaitIdle(int64_t timeout_ms) { return worker_.WaitIdle(timeout_ms); }

std::vector<ActionResult> ModbusWriteAction::TakeResults() { return worker_.TakeResults(); }

ActionStats ModbusWriteAction::stats() const { return worker_.stats(); }

Status ModbusWriteAction::WriteOnce(int value) {
  if (spec_.kind == ModbusTarget::kCoil) return connection_.WriteCoil(spec_.address, value != 0);
  return connection_.WriteRegister(spec_.address, static_cast<uint16_t>(value));
}

ActionResult ModbusWriteAction::Write(const RuleEvent& event) {
  ActionResult result{event, Status::Ok(), 0, 0};
  result.value = event.transition == RuleEvent::Transition::kRaised ? spec_.on_raise
                                                                    : spec_.on_clear.value_or(0);
  result.status = ValidateModbusWriteSpec(spec_);
  if (!result.status.ok()) return result;
  Status status;
  for (int attempt = 0; attempt <= spec_.retries; ++attempt) {
    ++result.attempts;
    status = WriteOnce(result.value);
    if (status.ok() || status.code() != StatusCode::kUnavailable) break;
  }
  if (!status.ok()) {
    result.status =
        status.WithContext(fmt::format("modbus_write \"{}\": {} {} := {} at {}:{} unit {}",
                                       spec_.name, ModbusTargetName(spec_.kind), spec_.address,
                                       result.value, spec_.host, spec_.port, spec_.unit_id));
  }
  return result;
}

}  // namespace keel::edge::rules
