#include "edge/ota/model_install.h"

#include <fmt/format.h>

#include <map>
#include <optional>

#include "common/files.h"
#include "edge/model/manifest.h"
#include "edge/model/model_bundle.h"
#include "edge/ota/delta_download.h"

namespace keel::edge::ota {
namespace {

// The health gate of a bundle loaded from `dir`.
Status CheckBundle(const std::filesystem::path& dir, const model::HealthCheckOptions& health) {
  KEEL_ASSIGN_OR_RETURN(model::LoadedModel loaded, model::LoadModelBundle(dir));
  if (loaded.manifest.backend != model::Backend::kOnnx) return Status::Ok();
  return model::CheckModelHealth(loaded, health);
}

// The content of `file` in the slot running now, if it has one: the base for
// a delta. Unverified here; a rotted base only makes the delta's result fail
// its hash check, and the full target is downloaded instead.
std::optional<std::string> BaseOf(const SlotStore& slots, const std::string& file) {
  auto slot = slots.Current();
  if (!slot.ok() || !slot->manifest.files.contains(file)) return std::nullopt;
  auto content = ReadFile(slot->dir / file);
  if (!content.ok()) return std::nullopt;
  return std::move(content).value();
}

}  // namespace

Result<ModelInstallOutcome> InstallModel(Updater& updater, UpdateSource& source, SlotStore& slots,
                                         std::string_view name, std::string_view version,
                                         const model::HealthCheckOptions& health,
                                         bool keep_on_trial) {
  const SlotStatus before = slots.status();
  if (before.active) KEEL_RETURN_IF_ERROR(CheckNotDowngrade(before.active->version, version));
  const std::string prefix = fmt::format("{}@{}/", name, version);

  std::map<std::string, std::string> files;
  int64_t target_bytes = 0, downloaded_bytes = 0;
  auto download = [&](const std::string& file) -> Status {
    const std::optional<std::string> base = BaseOf(slots, file);
    KEEL_ASSIGN_OR_RETURN(
        TargetDownload got,
        DownloadPreferringDelta(updater, source, prefix + file,
                                base ? std::optional<std::string_view>(*base) : std::nullopt));
    target_bytes += got.target_length;
    downloaded_bytes += got.downloaded_length;
    files[file] = std::move(got.content);
    return Status::Ok();
  };
  const std::string manifest_name(model::kManifestFileName);
  KEEL_RETURN_IF_ERROR(download(manifest_name));
  KEEL_ASSIGN_OR_RETURN(model::ModelManifest manifest,
                        model::ParseManifest(files[manifest_name], prefix + manifest_name));
  if (manifest.name != name || manifest.version != version) {
    return Status::InvalidArgument(
        fmt::format("{}{}: names {} {}", prefix, manifest_name, manifest.name, manifest.version));
  }
  if (manifest.onnx) {
    const std::string& file = manifest.onnx->file;
    if (file.find('/') != std::string::npos) {
      return Status::InvalidArgument(
          fmt::format("{}{}: model file \"{}\" must be in the bundle's top directory", prefix,
                      manifest_name, file));
    }
    KEEL_RETURN_IF_ERROR(download(file));
  }

  SlotManifest slot_manifest{std::string(name), std::string(version), {}};
  for (const auto& [file, content] : files) slot_manifest.files[file] = DigestOf(content);
  KEEL_RETURN_IF_ERROR(slots.Stage(slot_manifest, files));
  KEEL_RETURN_IF_ERROR(slots.Switch());
  KEEL_ASSIGN_OR_RETURN(bool on_trial, slots.RecordStart());
  if (!on_trial) {
    return ModelInstallOutcome{false, false, slots.status().last_result, target_bytes,
                               downloaded_bytes};
  }

  KEEL_ASSIGN_OR_RETURN(Slot slot, slots.Current());
  Status healthy = CheckBundle(slot.dir, health);
  ModelInstallOutcome outcome;
  if (!healthy.ok()) {
    KEEL_RETURN_IF_ERROR(slots.Rollback(healthy.message()));
  } else if (keep_on_trial) {
    outcome.on_trial = true;
  } else {
    KEEL_RETURN_IF_ERROR(slots.Commit());
    outcome.committed = true;
  }
  outcome.result = slots.status().last_result;
  outcome.target_bytes = target_bytes;
  outcome.downloaded_bytes = downloaded_bytes;
  return outcome;
}

}  // namespace keel::edge::ota
