// InstallAgentBinary: brings a new keel-edge binary from the update
// repository into the agent's slots and hands it to `keel-edge supervise`
// for its trial (issue 4: "the agent binary itself is updated the same way
// under a small supervisor").
//
// The binary is the TUF target "<name>@<version>/keel-edge" (as the hub's
// artifact registry publishes an artifact of kind "agent"; its signed custom
// data must say kind "agent" and, if it names one, the same version). Steps:
//   1. FailedPrecondition while an agent trial is running (the supervisor
//      commits or rolls it back first), or for a downgrade below the active
//      slot's version or, with nothing installed, below `running_version`
//      (the provisioned binary's version; empty: not checked)
//   2. download, verified against the signed metadata; as a delta from the
//      active slot's binary when one is published (DownloadPreferringDelta)
//   3. SlotStore Stage -> Switch: the new binary is on trial
// and nothing else: the agent then exits with kRestartRequested
// (edge/supervisor/health_notifier.h) and the supervisor counts the starts,
// waits for the health line, and commits or rolls back. Errors before
// Switch change nothing that runs.
//
// Modes: SlotStore stores content, not permissions (its files are written
// 0644); the supervisor's process starter adds the execute bit before it
// runs a slot's binary (edge/supervisor/child_processes.h), so nothing here
// depends on a mode surviving a crash.
//
// `agent_slots` must be opened just before the call (SlotStore::Open): the
// supervisor, another process, writes the same state.json. Not thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"
#include "edge/ota/slot_store.h"
#include "edge/ota/update_source.h"
#include "edge/ota/updater.h"

namespace keel::edge::ota {

// The one file of an agent slot: the executable the supervisor runs.
inline constexpr const char* kAgentBinaryFile = "keel-edge";

struct AgentInstallOutcome {
  // True when the new binary is on trial: exit with kRestartRequested.
  bool restart_required = false;
  std::string result;  // the slots' last_result, e.g. "trying keel-edge 1.3.0"
  // Signed lengths in bytes: of the binary, and of what was downloaded for
  // it (smaller when a delta applied).
  int64_t target_bytes = 0;
  int64_t downloaded_bytes = 0;
};

Result<AgentInstallOutcome> InstallAgentBinary(Updater& updater, UpdateSource& source,
                                               SlotStore& agent_slots, std::string_view name,
                                               std::string_view version,
                                               std::string_view running_version = {});

}  // namespace keel::edge::ota
