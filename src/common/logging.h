// Logging goes through spdlog. Components log via these helpers so that the
// executables decide the sink and the level in one place.
#pragma once

#include <spdlog/spdlog.h>

#include <string_view>

namespace keel {

// Sets the global level from "trace|debug|info|warn|error|off"; unknown names
// keep "info". Called once by each executable's main.
void ConfigureLogging(std::string_view level, std::string_view program_name);

}  // namespace keel
