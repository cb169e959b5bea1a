#include "edge/ota/model_install.h"

#include <fmt/format.h>

#include <map>

#include "edge/model/manifest.h"
#include "edge/model/model_bundle.h"

namespace keel::edge::ota {
namespace {

// The health gate of a bundle loaded from `dir`.
Status CheckBundle(const std::filesystem::path& dir, const model::HealthCheckOptions& health) {
  KEEL_ASSIGN_OR_RETURN(model::LoadedModel loaded, model::LoadModelBundle(dir));
  if (loaded.manifest.backend != model::Backend::kOnnx) return Status::Ok();
  return model::CheckModelHealth(loaded, health);
}

}  // namespace

Result<ModelInstallOutcome> InstallModel(Updater& updater, UpdateSource& source, SlotStore& slots,
                                         std::string_view name, std::string_view version,
                                         const model::HealthCheckOptions& health) {
  const SlotStatus before = slots.status();
  if (before.active) KEEL_RETURN_IF_ERROR(CheckNotDowngrade(before.active->version, version));
  const std::string prefix = fmt::format("{}@{}/", name, version);

  std::map<std::string, std::string> files;
  const std::string manifest_name(model::kManifestFileName);
  KEEL_ASSIGN_OR_RETURN(files[manifest_name], updater.Download(source, prefix + manifest_name));
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
    KEEL_ASSIGN_OR_RETURN(files[file], updater.Download(source, prefix + file));
  }

  SlotManifest slot_manifest{std::string(name), std::string(version), {}};
  for (const auto& [file, content] : files) slot_manifest.files[file] = DigestOf(content);
  KEEL_RETURN_IF_ERROR(slots.Stage(slot_manifest, files));
  KEEL_RETURN_IF_ERROR(slots.Switch());
  KEEL_ASSIGN_OR_RETURN(bool on_trial, slots.RecordStart());
  if (!on_trial) return ModelInstallOutcome{false, slots.status().last_result};

  KEEL_ASSIGN_OR_RETURN(Slot slot, slots.Current());
  Status healthy = CheckBundle(slot.dir, health);
  if (healthy.ok()) {
    KEEL_RETURN_IF_ERROR(slots.Commit());
  } else {
    KEEL_RETURN_IF_ERROR(slots.Rollback(healthy.message()));
  }
  return ModelInstallOutcome{healthy.ok(), slots.status().last_result};
}

}  // namespace keel::edge::ota
