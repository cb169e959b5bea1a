// LoadModelBundle: reads a model bundle directory — manifest.json plus, for
// the onnx backend, the model file it names — into a ready Detector.
//
// Layout (docs/models.md):
//   <dir>/manifest.json   see manifest.h
//   <dir>/<onnx.file>     the ONNX model (backend "onnx" only)
//
// Backends:
//  - "onnx": an OnnxDetector over the model file; Score() works at once, a
//    quantile threshold is set by Fit() (see onnx_detector.h).
//  - "builtin": inference::CreateDetector({builtin.kind, builtin.params}),
//    unfitted: it is fitted later on device data like any built-in detector.
//
// Errors: NotFound if the directory or a file is missing; IoError if reading
// fails; InvalidArgument for a bad manifest, an unknown built-in kind or
// parameter, a model file that OpenCV cannot read or whose shape does not
// match the inputs, a model file larger than kMaxModelBytes, or a model path
// that leaves the bundle directory (lexically or through a symlink). Messages
// name the file.
//
// Thread-safety: LoadModelBundle is reentrant; the LoadedModel it returns is
// owned by the caller and, like every Detector, used from one thread.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "common/status.h"
#include "edge/inference/detector.h"
#include "edge/model/manifest.h"

namespace keel::edge::model {

inline constexpr std::string_view kManifestFileName = "manifest.json";
inline constexpr uintmax_t kMaxModelBytes = uintmax_t{256} << 20;

struct LoadedModel {
  ModelManifest manifest;
  std::filesystem::path directory;                // the bundle directory, as given
  std::unique_ptr<inference::Detector> detector;  // never null on success
  std::string model_bytes;                        // the ONNX file as read; empty for builtin
};

Result<LoadedModel> LoadModelBundle(const std::filesystem::path& dir);

// A fresh, unfitted detector of the loaded model, built from what
// LoadModelBundle read, without file I/O (e.g. one per operating mode, made
// on the agent's sampling thread). Errors as LoadModelBundle's.
Result<std::unique_ptr<inference::Detector>> NewDetector(const LoadedModel& loaded);

}  // namespace keel::edge::model
