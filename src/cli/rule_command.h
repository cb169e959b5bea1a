// `keelctl rules` (docs/hub-rules.md).
//
//   rules get          prints the hub's rules document ({"rules": [...]});
//                      --json: the whole reply (managed_by, path, states)
//   rules set FILE     replaces them (the hub checks every rule and expression;
//                      errors name the rule, the member and the column);
//                      prints "N rule(s) in force"
//   rules status       what the rules currently raise or hold: RULE DEVICE KEY
//                      STATE SINCE, one line each
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <nlohmann/json.hpp>
#include <ostream>

#include "cli/api_client.h"
#include "common/status.h"

namespace keel::cli {

// Adds `rules` to `app`; the subcommand chosen sets *action.
void AddRuleCommands(CLI::App& app, std::function<Status(const ApiClient&)>* action,
                     std::ostream& out, const bool* as_json);

// The `rules status` table of a GET /api/v1/rules reply's "states".
void PrintRuleStates(const nlohmann::json& states, std::ostream& out);

}  // namespace keel::cli
