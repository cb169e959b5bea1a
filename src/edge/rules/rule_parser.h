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
// Validation is strict: unknown keys (also at top level), keys that do not
// apply to the rule's kind, wrong types, out-of-range values and duplicate
// names are errors.
// Errors are InvalidArgument "<source>:<line>:<column>: [rule N] <key>: <problem>".
// Never throws.
#pragma once

#include <string_view>
#include <vector>

#include "common/status.h"
#include "edge/rules/actions.h"
#include "edge/rules/rule.h"

namespace keel::edge::rules {

// The [[rule]] tables ([[command]] tables are checked but not returned, and
// "command:<name>" need not name one of them: commands may come from elsewhere).
Result<std::vector<RuleConfig>> ParseRules(std::string_view toml_text,
                                           std::string_view source_name);

struct RuleSet {
  std::vector<RuleConfig> rules;
  std::vector<CommandSpec> commands;
};

// Rules and commands; every "command:<name>" must name a [[command]].
Result<RuleSet> ParseRuleSet(std::string_view toml_text, std::string_view source_name);

}  // namespace keel::edge::rules
