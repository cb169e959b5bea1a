#include "edge/ota/agent_install.h"

#include <fmt/format.h>

#include <map>
#include <optional>

#include "common/files.h"
#include "edge/ota/delta_download.h"

namespace keel::edge::ota {
namespace {

// The active slot's binary: the base for a delta (unverified here; a rotted
// base only makes the delta's result fail its hash check).
std::optional<std::string> ActiveBinary(const SlotStore& slots) {
  auto slot = slots.Current();
  if (!slot.ok() || !slot->manifest.files.contains(kAgentBinaryFile)) return std::nullopt;
  auto content = ReadFile(slot->dir / kAgentBinaryFile);
  if (!content.ok()) return std::nullopt;
  return std::move(content).value();
}

}  // namespace

Result<AgentInstallOutcome> InstallAgentBinary(Updater& updater, UpdateSource& source,
                                               SlotStore& agent_slots, std::string_view name,
                                               std::string_view version,
                                               std::string_view running_version) {
  const SlotStatus before = agent_slots.status();
  if (before.trial) {
    return Status::FailedPrecondition(
        fmt::format("ota: agent {} is on trial; the supervisor commits or rolls it back first",
                    before.trial->version));
  }
  if (before.active) {
    KEEL_RETURN_IF_ERROR(CheckNotDowngrade(before.active->version, version));
  } else if (!running_version.empty()) {
    KEEL_RETURN_IF_ERROR(CheckNotDowngrade(running_version, version));
  }
  const std::string target_name = fmt::format("{}@{}/{}", name, version, kAgentBinaryFile);
  KEEL_ASSIGN_OR_RETURN(tuf::TargetFile target, updater.Target(target_name));
  KEEL_RETURN_IF_ERROR(CheckSignedKind(target, target_name, "agent", version));

  const std::optional<std::string> base = ActiveBinary(agent_slots);
  KEEL_ASSIGN_OR_RETURN(
      TargetDownload got,
      DownloadPreferringDelta(updater, source, target_name,
                              base ? std::optional<std::string_view>(*base) : std::nullopt));
  const SlotManifest manifest{
      std::string(name), std::string(version), {{kAgentBinaryFile, DigestOf(got.content)}}};
  KEEL_RETURN_IF_ERROR(agent_slots.Stage(manifest, {{kAgentBinaryFile, got.content}}));
  KEEL_RETURN_IF_ERROR(agent_slots.Switch());
  return AgentInstallOutcome{true, agent_slots.status().last_result, got.target_length,
                             got.downloaded_length};
}

}  // namespace keel::edge::ota
