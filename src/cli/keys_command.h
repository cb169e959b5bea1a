// `keelctl keys`: the offline key ceremony for signed updates (tuf/
// key_ceremony.h). These commands never talk to the hub.
//
//   keys init --offline DIR --online DIR [--root-keys N] [--threshold T]
//             [--expires-days D]
//   keys next-root --offline DIR [--rotate] [--root-keys N] [--threshold T]
//             [--expires-days D]      prints the path of root.<N+1>.json
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <ostream>

#include "common/status.h"

namespace keel::cli {

// Adds the subcommands to `app`; the one chosen sets *action.
void AddKeysCommands(CLI::App& app, std::function<Status()>* action, std::ostream& out);

}  // namespace keel::cli
