// What the agent measures into its MeasuredLoad when it loads something
// (docs/security.md, "Attestation"), each named and digested as the hub's
// artifact registry names and digests the artifact it came from, so that
// the hub compares a measurement with its record of that version.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/status.h"
#include "edge/attest/measured_load.h"
#include "edge/config/agent_config.h"

namespace keel::edge {

// Kind "agent": the binary `exe` runs from (/proc/self/exe for the agent),
// under the artifact file name "keel-edge". When it is the binary of the
// current slot in `agent_slots_dir` (`keel-edge supervise` started it from
// there), the slot's name and version; otherwise the provisioned binary:
// "keel-edge" `provisioned_version`. Measured with MeasureFilesCached (the
// binary is large and every agent of a process measures the same one;
// `clock` must outlive `load`). Errors: the binary cannot be read.
Status RecordAgentBinary(attest::MeasuredLoad& load, const std::filesystem::path& exe,
                         const std::filesystem::path& agent_slots_dir,
                         std::string_view provisioned_version, const Clock& clock);

// The configuration overlay the agent's configuration was loaded with
// (ota::EffectiveAgentConfig's overlay and overlay_file).
struct ConfigOverlay {
  std::string name, version;
  std::filesystem::path file;  // its agent.toml in the config slot
};

// Kind "config", as the agent's configuration was loaded
// (ota::LoadEffectiveAgentConfig): with `overlay`, the overlay's file under
// its name and version (as the registry digests the config artifact: its
// one file, "agent.toml"); without one, the local file config.file as
// "agent.toml", named "local" version "0.0.0" (accepted on first use by the
// hub) — also when the config slots hold an overlay that was not applied
// (its trial start could not be counted, or it no longer merges with the
// local file), since the local file alone is what runs then. Nothing is
// recorded (Ok) when config.file is empty (a configuration built in code).
// With an overlay the local file is not measured (it is per device; see
// "Limits").
Status RecordAgentConfig(attest::MeasuredLoad& load, const AgentConfig& config,
                         const std::optional<ConfigOverlay>& overlay);

// Kind "model": the bundle in `dir` (a model slot or [analytics] model),
// named by its manifest.json, digested over the bundle's files
// (attest::MeasureBundleDir). Errors: the manifest cannot be read or parsed,
// or the files cannot be measured.
Status RecordModelBundle(attest::MeasuredLoad& load, const std::filesystem::path& dir);

}  // namespace keel::edge
