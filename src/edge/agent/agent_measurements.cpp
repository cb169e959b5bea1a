#include "edge/agent/agent_measurements.h"

#include "common/files.h"
#include "common/filesystem.h"
#include "edge/attest/file_digest_cache.h"
#include "edge/model/manifest.h"
#include "edge/model/model_bundle.h"
#include "edge/ota/agent_install.h"
#include "edge/ota/config_install.h"
#include "edge/ota/slot_store.h"

namespace keel::edge {
namespace {

// The slot `keel-edge supervise` would run from `slots_dir` now, if any.
// The directory is only read (SlotStore::Open would create it).
std::optional<ota::Slot> CurrentSlot(const std::filesystem::path& slots_dir) {
  std::error_code ec;
  if (slots_dir.empty() || !std::filesystem::is_directory(slots_dir, ec)) return std::nullopt;
  auto store = ota::SlotStore::Open(PosixFileSystem(), slots_dir);
  if (!store.ok()) return std::nullopt;
  auto slot = store->Current();
  if (!slot.ok()) return std::nullopt;
  return std::move(slot).value();
}

}  // namespace

Status RecordAgentBinary(attest::MeasuredLoad& load, const std::filesystem::path& exe,
                         const std::filesystem::path& agent_slots_dir,
                         std::string_view provisioned_version, const Clock& clock) {
  std::error_code ec;
  std::filesystem::path path = std::filesystem::canonical(exe, ec);
  if (ec) path = exe;
  std::string name = ota::kAgentBinaryFile;
  std::string version(provisioned_version);
  if (auto slot = CurrentSlot(agent_slots_dir)) {
    if (std::filesystem::equivalent(slot->dir / ota::kAgentBinaryFile, path, ec)) {
      name = slot->manifest.name;
      version = slot->manifest.version;
    }
  }
  std::map<std::string, std::filesystem::path> files{{ota::kAgentBinaryFile, path}};
  return load.Record(
      "agent", std::move(name), std::move(version),
      [files = std::move(files), &clock] { return attest::MeasureFilesCached(files, clock); });
}

Status RecordAgentConfig(attest::MeasuredLoad& load, const AgentConfig& config,
                         const std::optional<ConfigOverlay>& overlay) {
  if (config.file.empty()) return Status::Ok();
  if (overlay) {
    return load.RecordFiles("config", overlay->name, overlay->version,
                            {{ota::kConfigFile, overlay->file}});
  }
  return load.RecordFiles("config", "local", "0.0.0", {{ota::kConfigFile, config.file}});
}

Status RecordModelBundle(attest::MeasuredLoad& load, const std::filesystem::path& dir) {
  const std::filesystem::path manifest_path = dir / model::kManifestFileName;
  KEEL_ASSIGN_OR_RETURN(const std::string text, ReadFile(manifest_path));
  KEEL_ASSIGN_OR_RETURN(const model::ModelManifest manifest,
                        model::ParseManifest(text, manifest_path.string()));
  return load.RecordBundle("model", manifest.name, manifest.version, dir);
}

}  // namespace keel::edge
