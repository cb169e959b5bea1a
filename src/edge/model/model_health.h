// CheckModelHealth: the health gate a freshly loaded model bundle must pass
// before it replaces a running one (OTA uses it).
//
// Checks, in order:
//  1. every golden sample of the manifest (health.golden):
//     - "expected": the raw model output (onnx backend only, via
//       OnnxDetector::Forward) must match element-wise within the sample's
//       absolute tolerance;
//     - "expected_score": Score(input) must be within the tolerance.
//  2. latency: the median wall time of `latency_runs` Score() calls (cycling
//     through the golden inputs, or a zero vector if there are none) must not
//     exceed health.latency_budget_us.
// The first failing check is returned: InvalidArgument for a golden sample
// (which sample, which output, got / expected / difference / tolerance),
// ResourceExhausted for latency (median and budget), or the Detector's own
// error (e.g. FailedPrecondition from a built-in detector that is not fitted
// yet: built-in bundles are checked after Fit()).
//
// Score() calls change the state of online built-in detectors (ewma,
// windowed_gaussian, ...): run the gate before the model goes live. The
// OnnxDetector is stateless. Not thread-safe with other uses of `loaded`.
#pragma once

#include <cstdint>
#include <functional>

#include "common/status.h"
#include "edge/model/model_bundle.h"

namespace keel::edge::model {

struct HealthCheckOptions {
  int latency_runs = 31;  // >= 1
  // Monotonic time in microseconds; empty means std::chrono::steady_clock.
  // Tests inject a fake to make the latency check deterministic.
  std::function<int64_t()> monotonic_us;
};

Status CheckModelHealth(LoadedModel& loaded, const HealthCheckOptions& options = {});

}  // namespace keel::edge::model
