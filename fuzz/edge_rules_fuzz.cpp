// libFuzzer target for the edge rule parser (ParseRules, ParseRuleSet): any input must
// yield rules or an error Status, never a crash, hang or exception. Parsed
// rules must also be accepted by RuleEngine::Create and survive evaluation,
// and parsed [[modbus_write]] / [[gpio]] specs by their validators.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "edge/rules/rule_engine.h"
#include "edge/rules/rule_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto set = keel::edge::rules::ParseRuleSet(text, "fuzz.toml");
  if (!set.ok() && set.status().message().empty()) __builtin_trap();
  if (set.ok()) {
    for (const auto& spec : set->modbus_writes) {
      if (!keel::edge::rules::ValidateModbusWriteSpec(spec).ok()) __builtin_trap();
    }
    for (const auto& spec : set->gpios) {
      if (!keel::edge::rules::ValidateGpioSpec(spec).ok()) __builtin_trap();
    }
  }
  auto rules = keel::edge::rules::ParseRules(text, "fuzz.toml");
  if (!rules.ok()) {
    if (rules.status().message().empty()) __builtin_trap();
    return 0;
  }
  auto engine = keel::edge::rules::RuleEngine::Create(std::move(rules).value());
  if (!engine.ok()) __builtin_trap();
  keel::edge::rules::WindowInputs window;
  window.mode = "running";
  for (int i = 0; i < 4; ++i) {
    for (const auto& rule : engine->rules()) window.values[rule.input] = i * 10.0;
    window.end_ms = i * 1000;
    (void)engine->Evaluate(window);
  }
  return 0;
}
