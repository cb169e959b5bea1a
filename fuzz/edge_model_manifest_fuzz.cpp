// libFuzzer target for the model-bundle manifest parser (ParseManifest): any
// input must yield a manifest or an error Status with a message, never a
// crash, hang or exception. An accepted manifest must satisfy the invariants
// manifest.h promises (one backend object, a confined model path, a valid
// version, well-sized golden samples).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "edge/model/manifest.h"

namespace {

bool Invariants(const keel::edge::model::ModelManifest& m) {
  using keel::edge::model::Backend;
  using keel::edge::model::OnnxOutput;
  if (m.name.empty() || m.inputs.empty() || !keel::edge::model::IsSemanticVersion(m.version)) {
    return false;
  }
  if ((m.backend == Backend::kOnnx) != m.onnx.has_value()) return false;
  if ((m.backend == Backend::kBuiltin) != m.builtin.has_value()) return false;
  if (m.onnx && !keel::edge::model::CheckBundleRelativePath(m.onnx->file).ok()) return false;
  if (m.health.latency_budget_us < 1) return false;
  for (const auto& sample : m.health.golden) {
    if (sample.input.size() != m.inputs.size()) return false;
    if (sample.expected.empty() == !sample.expected_score.has_value()) return false;
    if (!sample.expected.empty()) {
      const size_t outputs = m.onnx->output == OnnxOutput::kScore ? 1 : m.inputs.size();
      if (sample.expected.size() != outputs) return false;
    }
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto manifest = keel::edge::model::ParseManifest(text, "fuzz/manifest.json");
  if (!manifest.ok()) {
    if (manifest.status().message().empty()) __builtin_trap();
    return 0;
  }
  if (!Invariants(*manifest)) __builtin_trap();
  return 0;
}
