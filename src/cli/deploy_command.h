// `keelctl deploy` and `keelctl device tag`: rollouts (docs/ota.md).
//
//   deploy create --artifact NAME@VERSION [--target all|tag:K=V,..|devices:A,..]
//                 [--canary N] [--waves 10,50,100] [--max-failures 5%]
//                 [--wave-soak 60s] [--device-timeout 10m]
//   deploy status ID [--watch]   state, wave, a progress bar, counts, reason;
//                                --watch redraws every second until the
//                                deployment is finished
//   deploy list                  deploy pause|resume|abort|rollback ID
//   device tag ID KEY=VALUE...   replaces the device's tags
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <ostream>

#include "cli/api_client.h"
#include "common/clock.h"
#include "common/status.h"

namespace keel::cli {

// Adds the subcommands to `app` (and `tag` to `device`); the one chosen sets
// *action. `clock` paces --watch.
void AddDeployCommands(CLI::App& app, CLI::App& device,
                       std::function<Status(const ApiClient&)>* action, std::ostream& out,
                       const bool* as_json, const Clock& clock);

// One line: "[#####.....] 12/20 done" for `done` of `total`, `width` cells.
std::string ProgressBar(int done, int total, int width = 30);

}  // namespace keel::cli
