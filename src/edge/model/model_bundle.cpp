#include "edge/model/model_bundle.h"

#include <fmt/format.h>

#include <system_error>
#include <utility>

#include "common/files.h"
#include "edge/model/onnx_detector.h"

namespace keel::edge::model {
namespace {

namespace fs = std::filesystem;

Result<fs::path> ResolveInside(const fs::path& dir, const std::string& relative) {
  KEEL_RETURN_IF_ERROR(CheckBundleRelativePath(relative).WithContext("model bundle"));
  std::error_code ec;
  const fs::path root = fs::canonical(dir, ec);
  if (ec) {
    return Status::IoError(fmt::format("model bundle {}: {}", dir.string(), ec.message()));
  }
  const fs::path file = fs::canonical(dir / relative, ec);
  if (ec) {
    if (ec == std::errc::no_such_file_or_directory) {
      return Status::NotFound(
          fmt::format("model bundle {}: no model file \"{}\"", dir.string(), relative));
    }
    return Status::IoError(
        fmt::format("model bundle {}: \"{}\": {}", dir.string(), relative, ec.message()));
  }
  const fs::path inside = file.lexically_relative(root);
  if (inside.empty() || *inside.begin() == "..") {
    return Status::InvalidArgument(
        fmt::format("model bundle {}: \"{}\" resolves to {}, outside the bundle directory",
                    dir.string(), relative, file.string()));
  }
  if (!fs::is_regular_file(file, ec)) {
    return Status::InvalidArgument(
        fmt::format("model bundle {}: \"{}\" is not a regular file", dir.string(), relative));
  }
  return file;
}

// The bytes of the bundle's ONNX file, within the size limit.
Result<std::string> ReadOnnx(const fs::path& dir, const OnnxSpec& spec) {
  KEEL_ASSIGN_OR_RETURN(const fs::path file, ResolveInside(dir, spec.file));
  std::error_code ec;
  const uintmax_t size = fs::file_size(file, ec);
  if (ec) return Status::IoError(fmt::format("model bundle: {}: {}", file.string(), ec.message()));
  if (size > kMaxModelBytes) {
    return Status::InvalidArgument(fmt::format("model bundle: {}: {} bytes exceeds the limit of {}",
                                               file.string(), size, kMaxModelBytes));
  }
  return ReadFile(file);
}

}  // namespace

Result<std::unique_ptr<inference::Detector>> NewDetector(const LoadedModel& loaded) {
  const ModelManifest& manifest = loaded.manifest;
  if (manifest.backend == Backend::kOnnx) {
    const OnnxSpec& spec = *manifest.onnx;
    KEEL_ASSIGN_OR_RETURN(
        std::unique_ptr<OnnxDetector> detector,
        OnnxDetector::Create(loaded.model_bytes, (loaded.directory / spec.file).string(),
                             OnnxDetector::Options{.dims = manifest.inputs.size(),
                                                   .output = spec.output,
                                                   .threshold = spec.threshold,
                                                   .normalize = spec.normalize}));
    return std::unique_ptr<inference::Detector>(std::move(detector));
  }
  const BuiltinSpec& spec = *manifest.builtin;
  auto created = inference::CreateDetector({.kind = spec.kind, .params = spec.params});
  if (!created.ok()) {
    return created.status().WithContext(
        fmt::format("{}: builtin", (loaded.directory / kManifestFileName).string()));
  }
  return created;
}

Result<LoadedModel> LoadModelBundle(const fs::path& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    return Status::NotFound(fmt::format("model bundle {}: not a directory", dir.string()));
  }
  const fs::path manifest_path = dir / kManifestFileName;
  KEEL_ASSIGN_OR_RETURN(const std::string text, ReadFile(manifest_path));
  KEEL_ASSIGN_OR_RETURN(ModelManifest manifest, ParseManifest(text, manifest_path.string()));
  LoadedModel loaded{
      .manifest = std::move(manifest), .directory = dir, .detector = nullptr, .model_bytes = {}};
  if (loaded.manifest.backend == Backend::kOnnx) {
    KEEL_ASSIGN_OR_RETURN(loaded.model_bytes, ReadOnnx(dir, *loaded.manifest.onnx));
  }
  KEEL_ASSIGN_OR_RETURN(loaded.detector, NewDetector(loaded));
  return loaded;
}

}  // namespace keel::edge::model
