// ModelManifest: the manifest.json of a model bundle (DESIGN.md section 1,
// docs/models.md) — which backend runs the model, its input schema, how the
// alarm threshold is chosen and what the health gate checks.
//
//   {"name": "pump-ae", "version": "1.2.0", "backend": "onnx",
//    "inputs": ["motor.vibration.rms", "motor.current.rms"],
//    "modes": ["running"],
//    "onnx": {"file": "model.onnx", "output": "reconstruction",
//             "threshold": {"quantile": 0.995, "margin": 1.2},
//             "normalize": {"mean": [0, 0], "std": [1, 1]}},
//    "health": {"golden": [{"input": [0.1, 0.2], "expected": [0.1, 0.2],
//                           "tolerance": 1e-4}],
//               "latency_budget_us": 500}}
//
// Parsing is strict: unknown keys, duplicate keys, wrong JSON types and
// out-of-range values are InvalidArgument whose message names the source and
// the key path, e.g.
//   bundle/manifest.json: onnx.threshold.quantile: 1.5 is not in (0, 1]
// Rules (each violation is an error):
//  - name: 1..64 characters of [A-Za-z0-9._-]; version: semantic version
//    (MAJOR.MINOR.PATCH[-prerelease][+build], no leading zeros).
//  - backend "onnx" requires the "onnx" object and forbids "builtin", and
//    vice versa.
//  - inputs: 1..4096 distinct non-empty names; their order is the order of
//    the model's input vector. modes: optional, distinct non-empty names;
//    absent or empty means every mode.
//  - onnx.file: a relative path inside the bundle directory (no "..", no
//    absolute path, no empty component); onnx.output: "reconstruction" (the
//    model outputs one value per input) or "score" (one value);
//    onnx.threshold: a finite number (fixed threshold) or {"quantile" in
//    (0, 1], "margin" > 0 (default 1)}; onnx.normalize: "mean" and "std"
//    with one finite value per input, std > 0.
//  - builtin.kind: non-empty; builtin.params: object of finite numbers (the
//    kind and its params are validated by inference::CreateDetector when the
//    bundle is loaded).
//  - health is required. health.golden: samples whose "input" has one finite
//    value per input and exactly one of "expected" (the raw model output: one
//    value per input for "reconstruction", one for "score"; onnx only) or
//    "expected_score"; "tolerance" >= 0, default 1e-4 (absolute). An onnx
//    bundle needs at least one golden sample. health.latency_budget_us: an
//    integer in [1, 60'000'000].
//
// The manifest is not signed yet: signature verification is a later issue
// (OTA), so today a bundle is trusted as far as its directory is.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace keel::edge::model {

enum class Backend { kOnnx, kBuiltin };

// How an ONNX model's output becomes an anomaly score.
enum class OnnxOutput {
  kReconstruction,  // autoencoder: score = mean squared error (input vs output)
  kScore,           // the model outputs the score itself (one value)
};

// The alarm threshold: fixed, or `quantile` of the scores of the normal rows
// given to Fit(), multiplied by `margin`.
struct ThresholdSpec {
  std::optional<double> fixed;
  double quantile = 0.99;
  double margin = 1.0;
};

// Applied to the input before the model sees it: z = (x - mean) / std.
struct Normalization {
  std::vector<double> mean;
  std::vector<double> std;
};

struct OnnxSpec {
  std::string file;  // relative to the bundle directory
  OnnxOutput output = OnnxOutput::kReconstruction;
  ThresholdSpec threshold;
  std::optional<Normalization> normalize;
};

struct BuiltinSpec {
  std::string kind;
  std::map<std::string, double> params;
};

// One golden sample: `input` must produce `expected` (raw model output) or
// `expected_score`, each value within `tolerance` (absolute).
struct GoldenSample {
  std::vector<double> input;
  std::vector<double> expected;  // empty when expected_score is set
  std::optional<double> expected_score;
  double tolerance = 1e-4;
};

struct HealthSpec {
  std::vector<GoldenSample> golden;
  int64_t latency_budget_us = 0;  // median Score() latency allowed, microseconds
};

struct ModelManifest {
  std::string name;
  std::string version;  // semantic version, validated
  Backend backend = Backend::kBuiltin;
  std::vector<std::string> inputs;
  std::vector<std::string> modes;      // empty: every mode
  std::optional<OnnxSpec> onnx;        // set iff backend == kOnnx
  std::optional<BuiltinSpec> builtin;  // set iff backend == kBuiltin
  HealthSpec health;
};

// Manifests larger than this are rejected before parsing.
inline constexpr size_t kMaxManifestBytes = 1 << 20;

// Parses and validates manifest JSON. `source` names it in error messages
// (usually the file path). Never throws.
Result<ModelManifest> ParseManifest(std::string_view json, std::string_view source);

// True if `text` is a semantic version (semver.org 2.0.0).
bool IsSemanticVersion(std::string_view text);

// OK if `relative` is a non-empty relative path without ".." or empty
// components (so it cannot leave the directory it is resolved against);
// InvalidArgument naming the path otherwise. Lexical only: LoadModelBundle
// also resolves symlinks.
Status CheckBundleRelativePath(std::string_view relative);

std::string_view BackendName(Backend backend);

}  // namespace keel::edge::model
