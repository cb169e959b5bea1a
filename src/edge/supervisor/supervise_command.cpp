#include "edge/supervisor/supervise_command.h"

#include <spdlog/spdlog.h>

#include "common/clock.h"
#include "common/filesystem.h"
#include "edge/supervisor/supervisor.h"

namespace keel::edge::supervisor {

std::filesystem::path AgentSlotsDir(const std::filesystem::path& state_dir) {
  return state_dir / "ota" / "agent";
}

int RunSupervise(const SuperviseCommand& command) {
  if (command.healthy_timeout_s <= 0) {
    spdlog::error("supervise: --healthy-timeout must be > 0 s");
    return 1;
  }
  if (command.soak_s < 0) {
    spdlog::error("supervise: --soak must be >= 0 s");
    return 1;
  }
  auto children = MakePosixChildProcesses();
  if (!children.ok()) {
    spdlog::error("{}", children.status().ToString());
    return 1;
  }
  SupervisorOptions options;
  options.slots_dir = AgentSlotsDir(command.state_dir);
  options.fallback_program = command.fallback;
  options.agent_args = command.agent_args;
  options.healthy_timeout_ms = command.healthy_timeout_s * 1000;
  options.soak_ms = command.soak_s * 1000;
  spdlog::info("supervise: agent slots in {}, fallback {}, healthy timeout {} s, soak {} s",
               options.slots_dir.string(), options.fallback_program.string(),
               command.healthy_timeout_s, command.soak_s);
  Supervisor(PosixFileSystem(), **children, SystemClock(), std::move(options)).Run();
  spdlog::info("supervise: stopped");
  return 0;
}

}  // namespace keel::edge::supervisor
