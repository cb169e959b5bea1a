#include "edge/ota/config_install.h"

#include <fmt/format.h>

#include <map>

#include "common/files.h"
#include "edge/ota/delta_download.h"

namespace keel::edge::ota {
namespace {

// How an overlay is named in errors and logs.
std::string OverlaySource(const SlotManifest& manifest) {
  return fmt::format("{}@{}/{}", manifest.name, manifest.version, kConfigFile);
}

}  // namespace

Result<AgentConfig> MergeConfigOverlay(const std::filesystem::path& local_file,
                                       std::string_view overlay_text,
                                       std::string_view overlay_source) {
  KEEL_ASSIGN_OR_RETURN(std::string local_text, ReadFile(local_file));
  KEEL_ASSIGN_OR_RETURN(
      AgentConfig config,
      ParseAgentConfigWithOverlay(local_text, local_file.string(), overlay_text, overlay_source));
  ResolveRelativePaths(&config, local_file.parent_path());
  config.file = local_file;
  return config;
}

Result<ConfigInstallOutcome> InstallConfig(Updater& updater, UpdateSource& source,
                                           SlotStore& config_slots, std::string_view name,
                                           std::string_view version,
                                           const std::filesystem::path& local_file) {
  const SlotStatus before = config_slots.status();
  if (before.trial) {
    return Status::FailedPrecondition(
        fmt::format("ota: configuration {} {} is on trial; it is committed or rolled back first",
                    before.trial->name, before.trial->version));
  }
  if (before.active) KEEL_RETURN_IF_ERROR(CheckNotDowngrade(before.active->version, version));
  const SlotManifest named{std::string(name), std::string(version), {}};
  const std::string target_name = OverlaySource(named);
  KEEL_ASSIGN_OR_RETURN(tuf::TargetFile target, updater.Target(target_name));
  KEEL_RETURN_IF_ERROR(CheckSignedKind(target, target_name, "config", version));

  std::optional<std::string> base;
  if (auto slot = config_slots.Current(); slot.ok() && slot->manifest.files.contains(kConfigFile)) {
    // Unverified here: a rotted base only makes the delta fail its hash check.
    if (auto content = ReadFile(slot->dir / kConfigFile); content.ok()) base = *content;
  }
  KEEL_ASSIGN_OR_RETURN(
      TargetDownload got,
      DownloadPreferringDelta(updater, source, target_name,
                              base ? std::optional<std::string_view>(*base) : std::nullopt));
  KEEL_RETURN_IF_ERROR(MergeConfigOverlay(local_file, got.content, target_name).status());

  SlotManifest manifest = named;
  manifest.files[kConfigFile] = DigestOf(got.content);
  KEEL_RETURN_IF_ERROR(config_slots.Stage(manifest, {{kConfigFile, got.content}}));
  KEEL_RETURN_IF_ERROR(config_slots.Switch());
  return ConfigInstallOutcome{true, config_slots.status().last_result, got.target_length,
                              got.downloaded_length};
}

Result<EffectiveAgentConfig> LoadEffectiveAgentConfig(FileSystem& fs,
                                                      const std::filesystem::path& local_file) {
  EffectiveAgentConfig out;
  KEEL_ASSIGN_OR_RETURN(out.config, LoadAgentConfig(local_file));
  // The overlay cannot set [ota] or [device], so the local file alone says
  // where the slots are. A configuration built without them has no slots.
  const std::filesystem::path slots_dir = ConfigSlotsDir(out.config.ota.dir);
  if (out.config.ota.dir.empty() || !fs.Exists(slots_dir)) return out;
  auto opened = SlotStore::Open(fs, slots_dir);
  if (!opened.ok()) {
    out.note = fmt::format("the configuration slots cannot be opened ({}); running {} alone",
                           opened.status().message(), local_file.string());
    return out;
  }
  SlotStore slots = std::move(opened).value();
  if (slots.status().trial) {
    auto counted = slots.RecordStart();
    if (!counted.ok()) {
      // An uncounted trial start could crash forever without a rollback.
      out.note = fmt::format(
          "the start of configuration trial {} {} cannot be counted ({}); "
          "running {} alone",
          slots.status().trial->name, slots.status().trial->version, counted.status().message(),
          local_file.string());
      return out;
    }
    out.on_trial = *counted;
  }
  auto slot = slots.Current();
  if (!slot.ok()) return out;  // nothing installed (or rolled back to nothing)
  const std::string source = OverlaySource(slot->manifest);
  auto merged = [&]() -> Result<AgentConfig> {
    KEEL_ASSIGN_OR_RETURN(std::string text, fs.Read(slot->dir / kConfigFile));
    return MergeConfigOverlay(local_file, text, source);
  }();
  if (!merged.ok()) {
    if (out.on_trial) return merged.status();  // counted; the supervisor starts again
    out.note = fmt::format("the installed configuration {} is not applied: {}", source,
                           merged.status().message());
    return out;
  }
  out.config = std::move(merged).value();
  out.overlay = slot->manifest;
  out.overlay_file = slot->dir / kConfigFile;
  return out;
}

Status CommitConfigTrial(FileSystem& fs, const std::filesystem::path& slots_dir,
                         const SlotManifest& started) {
  KEEL_ASSIGN_OR_RETURN(SlotStore slots, SlotStore::Open(fs, slots_dir));
  const SlotStatus status = slots.status();
  if (!status.trial || status.trial->name != started.name ||
      status.trial->version != started.version) {
    return Status::Ok();
  }
  return slots.Commit();
}

Status RollbackConfigTrial(FileSystem& fs, const std::filesystem::path& slots_dir,
                           const SlotManifest& started, const std::string& reason) {
  KEEL_ASSIGN_OR_RETURN(SlotStore slots, SlotStore::Open(fs, slots_dir));
  const SlotStatus status = slots.status();
  if (!status.trial || status.trial->name != started.name ||
      status.trial->version != started.version) {
    return Status::Ok();
  }
  return slots.Rollback(reason);
}

}  // namespace keel::edge::ota
