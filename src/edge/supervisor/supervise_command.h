// `keel-edge supervise`: the production wiring of the Supervisor (real
// processes, the real file system and clock), kept out of the executable so
// that apps/ only parses arguments.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace keel::edge::supervisor {

struct SuperviseCommand {
  // The device's state directory (the agent's device.dir); the agent's slots
  // are <state_dir>/ota/agent, as the agent's updater keeps them.
  std::filesystem::path state_dir;
  int64_t healthy_timeout_s = 120;
  int64_t soak_s = 60;  // after the health line, before a trial is committed
  // The provisioned agent, run when no slot can be: by default this very
  // executable (keel-edge runs both the supervisor and the agent).
  std::filesystem::path fallback = "/proc/self/exe";
  std::vector<std::string> agent_args;  // e.g. {"run", "--config", "/etc/keel/edge.toml"}
};

// The agent slots' directory under a state directory.
std::filesystem::path AgentSlotsDir(const std::filesystem::path& state_dir);

// Runs the supervisor until SIGTERM or SIGINT (forwarded to the agent as
// SIGTERM); returns the process exit code: 0 after a stop, 1 if it could not
// start (the reason is logged). Call it from main() before any other thread
// starts: it blocks SIGCHLD, SIGTERM and SIGINT for the signalfd.
int RunSupervise(const SuperviseCommand& command);

}  // namespace keel::edge::supervisor
