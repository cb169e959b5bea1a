// Readers for the action tables of a rules file ([[command]],
// [[modbus_write]], [[gpio]]); rule_parser.h documents the format. Internal
// to edge/rules: ParseRuleSet is the public entry point.
#pragma once

#include <toml++/toml.h>

#include <cstddef>
#include <string_view>

#include "common/status.h"
#include "edge/rules/actions.h"
#include "edge/rules/gpio_action.h"
#include "edge/rules/modbus_action.h"

namespace keel::edge::rules {

// Names of rules and actions: [A-Za-z0-9._-]{1,64}.
bool ValidActionName(std::string_view name);

// Each reads table number `index` (1-based) of its array; errors are
// InvalidArgument "<source>:<line>:<col>: [<table> <index>] <key>: <problem>".
Result<CommandSpec> ParseCommandTable(const toml::table& table, std::string_view source,
                                      size_t index);
Result<ModbusWriteSpec> ParseModbusWriteTable(const toml::table& table, std::string_view source,
                                              size_t index);
Result<GpioSpec> ParseGpioTable(const toml::table& table, std::string_view source, size_t index);

}  // namespace keel::edge::rules
