// `keelctl model` and `keelctl artifact`: publishing to and reading the
// hub's artifact registry (docs/ota.md, docs/api.md).
//
//   model push DIR [--parent V] [--lineage FILE.json] [--metrics FILE.json]
//                  [--published-by WHO]
//       DIR holds a model bundle (manifest.json and, for the onnx backend,
//       the model file it names); name and version come from the manifest.
//       Each file is uploaded (streamed), then the artifact is published.
//   model list [NAME]           model show NAME@VERSION
//   artifact push --kind config|agent --name N --version V FILE [...]
//       publishes an agent configuration (FILE becomes agent.toml) or an
//       agent binary (FILE becomes keel-edge).
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <ostream>

#include "cli/api_client.h"
#include "common/status.h"

namespace keel::cli {

// Adds the subcommands to `app`; the one chosen sets *action. `as_json` is
// read when the action runs.
void AddModelCommands(CLI::App& app, std::function<Status(const ApiClient&)>* action,
                      std::ostream& out, const bool* as_json);

}  // namespace keel::cli
