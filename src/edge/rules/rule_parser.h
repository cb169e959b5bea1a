// ParseRules: reads `[[rule]]` tables from TOML into RuleConfig values.
//
//   [[rule]]
//   name = "bearing-hot"              # required, unique, [A-Za-z0-9._-]{1,64}
//   input = "motor.temperature.mean"  # required, the window value to watch
//   kind = "threshold"                # required: threshold | for_duration | rate
//   above = 80.0                      # threshold/for_duration: exactly one of
//   # below = 5.0                     #   above / below
//   clear_at = 75.0                   # threshold (default: the raise level);
//                                     # rate: clear rate (default: rate_per_s)
//   for_ms = 30000                    # for_duration: required, 0..7 days
//   clear_after_ms = 5000             # for_duration: default 0
//   rate_per_s = 2.5                  # rate: required, > 0
//   windows = 5                       # rate: 2..1000, default 2
//   when_mode = ["running"]           # off | idle | ramping | running; default all
//   severity = "warning"              # info | warning | critical; default warning
//   actions = ["publish", "command:stop-motor"]  # default ["publish"]
//
// The commands that "command:<name>" actions run can sit in the same file:
//
//   [[command]]
//   name = "stop-motor"                         # required, unique
//   argv = ["/usr/bin/keel-stop", "--motor=1"]  # required; argv[0] an absolute path
//   timeout_ms = 5000                           # 1..600000, default 5000
//
// and so can the Modbus writes ("modbus:<name>") and GPIO lines ("gpio:<name>"):
//
//   [[modbus_write]]
//   name = "valve"           # required, unique
//   host = "192.168.1.20"    # required, an IPv4 address (no name lookup)
//   port = 502               # 1..65535, default 502
//   unit_id = 1              # 0..247 or 255, default 1
//   kind = "holding"         # required: coil | holding (register)
//   address = 40             # required, 0-based protocol address, 0..65535
//   on_raise = 1             # required: coil 0..1, holding 0..65535
//   on_clear = 0             # optional (same range); absent: clears do nothing
//   timeout_ms = 1000        # per attempt (connect, reply), 1..60000, default 1000
//   retries = 1              # 0..10, default 1
//
//   [[gpio]]
//   name = "lamp"            # required, unique
//   chip = "gpiochip0"       # required: name, path, label or number
//   line = 17                # required, line offset 0..65535; a chip line once per file
//   active_low = false       # default false
//   on_raise = 1             # 0 | 1, default 1
//   on_clear = 0             # 0 | 1, default 0 (also the value at start)
//
// Validation is strict: unknown keys (also at top level), keys that do not
// apply to the rule's kind, wrong types, out-of-range values and duplicate
// names are errors.
// Errors are InvalidArgument "<source>:<line>:<column>: [<table> N] <key>: <problem>"
// (table: rule, command, modbus_write, gpio).
// Never throws.
#pragma once

#include <string_view>
#include <vector>

#include "common/status.h"
#include "edge/rules/actions.h"
#include "edge/rules/gpio_action.h"
#include "edge/rules/modbus_action.h"
#include "edge/rules/rule.h"

namespace keel::edge::rules {

// The [[rule]] tables (action tables are checked but not returned, and a
// named action need not be defined in the file: it may come from elsewhere).
Result<std::vector<RuleConfig>> ParseRules(std::string_view toml_text,
                                           std::string_view source_name);

struct RuleSet {
  std::vector<RuleConfig> rules;
  std::vector<CommandSpec> commands;
  std::vector<ModbusWriteSpec> modbus_writes;
  std::vector<GpioSpec> gpios;
};

// Rules and their actions; every "command:<name>", "modbus:<name>" and
// "gpio:<name>" must name a [[command]], [[modbus_write]] or [[gpio]].
Result<RuleSet> ParseRuleSet(std::string_view toml_text, std::string_view source_name);

}  // namespace keel::edge::rules
