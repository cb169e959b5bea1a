// `keelctl topology` and `keelctl device context` (docs/topology.md).
//
//   topology get                  prints the stored topology document (JSON);
//                                 --json: the whole reply, with version and updated_ms
//   topology set FILE [--if-match N]
//                                 replaces it (the hub validates; errors name the
//                                 JSON path); prints "topology version N"
//   device context ID             the labels the device's alerts carry, KEY=VALUE
//                                 lines in key order
#pragma once

#include <CLI/CLI.hpp>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <string_view>

#include "cli/api_client.h"
#include "common/status.h"

namespace keel::cli {

// Adds `topology` to `app` and `context` to `device`; the one chosen sets
// *action.
void AddTopologyCommands(CLI::App& app, CLI::App& device,
                         std::function<Status(const ApiClient&)>* action, std::ostream& out,
                         const bool* as_json);

// The bytes of a file to send as a request body: NotFound/IoError naming
// the file ("<what> file <path>: ..."), InvalidArgument if it is larger
// than `max_bytes`.
Result<std::string> ReadRequestFile(const std::filesystem::path& file, std::string_view what,
                                    size_t max_bytes);

// The bytes of a topology file for PUT: NotFound/IoError naming the file,
// InvalidArgument if it is larger than `max_bytes` (the hub's default body
// limit: it would answer 413).
Result<std::string> ReadTopologyFile(const std::filesystem::path& file,
                                     size_t max_bytes = 64 * 1024);

// "KEY=VALUE" lines of a labels object in key order; "(no context)" when
// empty. Non-string values are printed as JSON.
void PrintLabels(const nlohmann::json& labels, std::ostream& out);

}  // namespace keel::cli
