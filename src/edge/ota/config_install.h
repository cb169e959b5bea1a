// Configuration artifacts on the device (issue 4: "A/B slots per artifact
// kind", the config kind; docs/ota.md "Configuration artifacts").
//
// A config artifact is one file, agent.toml, published as the TUF target
// "<name>@<version>/agent.toml" with custom data kind "config". It is a
// fleet-wide OVERLAY of the agent's local configuration file (`keel-edge run
// --config FILE`): each top-level section or array of tables it holds
// replaces the local one; [device], [hub] and [ota] (identity, hub and
// update trust, per device) are refused. Relative paths in it (rules files,
// model directories, the outbox) resolve against the local file's directory,
// exactly like the local file's own.
//
// Slots: <ota dir>/config, a SlotStore whose slots hold agent.toml. The agent
// applies a configuration only when it starts, so:
//   install (OtaManager, under `keel-edge supervise` only): InstallConfig
//     downloads, validates against the running local file, stages and
//     switches; the agent then exits with kRestartRequested;
//   start (apps/keel_edge_main.cpp): LoadEffectiveAgentConfig counts the
//     trial's start (RecordStart; the store rolls back by itself after 3
//     starts without a commit) and merges; a trial that does not parse, or
//     with which Agent::Start fails, makes the process exit non-zero and the
//     supervisor start it again;
//   health (Agent, when it first reaches the broker with its analytics
//     built): CommitConfigTrial;
//   report: the OtaManager of the next start reports "committed" or
//     "rolled_back" from the slots, as for agent binaries.
// Not thread-safe; one writer of the config slots at a time (the OTA thread
// writes them only while no trial runs, the agent only to commit its trial).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "common/filesystem.h"
#include "common/status.h"
#include "edge/config/agent_config.h"
#include "edge/ota/slot_store.h"
#include "edge/ota/update_source.h"
#include "edge/ota/updater.h"

namespace keel::edge::ota {

// The one file of a config slot.
inline constexpr const char* kConfigFile = "agent.toml";

// The config slots under the device's OTA directory ([ota] dir).
inline std::filesystem::path ConfigSlotsDir(const std::filesystem::path& ota_dir) {
  return ota_dir / "config";
}

// Merges `overlay_text` (named `overlay_source` in errors) into the local
// configuration file `local_file` (read now) and parses the result;
// relative paths resolve against local_file's directory. Errors as
// ParseAgentConfigWithOverlay, or the local file's read error.
Result<AgentConfig> MergeConfigOverlay(const std::filesystem::path& local_file,
                                       std::string_view overlay_text,
                                       std::string_view overlay_source);

struct ConfigInstallOutcome {
  // True when the new configuration is on trial: the agent must restart.
  bool restart_required = false;
  std::string result;  // the slots' last_result, e.g. "trying fleet-cfg 1.3.0"
  // Signed lengths in bytes of agent.toml and of what was downloaded for it.
  int64_t target_bytes = 0;
  int64_t downloaded_bytes = 0;
};

// Installs config artifact `name` `version` into `config_slots` (opened just
// before the call, see above):
//   1. FailedPrecondition during a trial; a downgrade below the active
//      slot's version is refused (CheckNotDowngrade)
//   2. the signed target must say kind "config" (and, if it names one, the
//      same version); download verified, as a delta from the current slot's
//      agent.toml when one is published (DownloadPreferringDelta)
//   3. validation: MergeConfigOverlay with `local_file` (InvalidArgument
//      naming the overlay for [device]/[hub]/[ota] or any invalid key)
//   4. Stage -> Switch.
// Any error before step 4 stages nothing; the running configuration never
// changes before the restart.
Result<ConfigInstallOutcome> InstallConfig(Updater& updater, UpdateSource& source,
                                           SlotStore& config_slots, std::string_view name,
                                           std::string_view version,
                                           const std::filesystem::path& local_file);

// The configuration the agent runs with, and whether it is a trial.
struct EffectiveAgentConfig {
  AgentConfig config;  // config.file is the local file
  // The overlay applied (the config slot's manifest), if any, and its file
  // (the slot's agent.toml; empty without an overlay).
  std::optional<SlotManifest> overlay;
  std::filesystem::path overlay_file;
  // The overlay is on trial and this start was counted: commit it with
  // CommitConfigTrial once the agent is healthy.
  bool on_trial = false;
  // Why an installed, committed overlay was not applied (it no longer fits
  // the local file); empty otherwise. The agent logs it.
  std::string note;
};

// At agent start: loads `local_file` and applies the overlay in the config
// slots under its [ota] dir, if any. A slot on trial is counted first
// (RecordStart); after 3 starts without a commit the store rolls back by
// itself and the previous slot applies. Errors:
//   - the local file's (LoadAgentConfig);
//   - the trial overlay cannot be read or does not merge (InvalidArgument):
//     the caller exits non-zero so that the supervisor's restart counts
//     another start.
// The local file runs alone, with `note` saying why, when the slots cannot
// be opened, when a trial's start cannot be counted (state.json cannot be
// written: an uncounted trial must not run, as in the supervisor), and when
// a committed overlay cannot be read or merged; the device stays reachable
// and the hub can deploy again.
// `fs` is the file system of the slots (PosixFileSystem in production).
Result<EffectiveAgentConfig> LoadEffectiveAgentConfig(FileSystem& fs,
                                                      const std::filesystem::path& local_file);

// The agent is healthy with the overlay `started` on trial: commits it if
// the slots in `slots_dir` still hold that trial (otherwise nothing: another
// process decided it). Opens the store afresh.
Status CommitConfigTrial(FileSystem& fs, const std::filesystem::path& slots_dir,
                         const SlotManifest& started);

// The agent with the overlay `started` on trial did not become healthy in
// time ([ota] config_health_timeout_s): rolls the trial back with `reason`
// if the slots in `slots_dir` still hold it (otherwise nothing: another
// process decided it). Opens the store afresh. The agent then restarts; the
// manager of the next start reports "rolled_back" with the slots'
// last_result.
Status RollbackConfigTrial(FileSystem& fs, const std::filesystem::path& slots_dir,
                           const SlotManifest& started, const std::string& reason);

}  // namespace keel::edge::ota
