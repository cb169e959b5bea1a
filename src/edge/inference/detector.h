// Detector: a streaming anomaly detector over fixed-length feature vectors —
// the built-in inference backend (DESIGN.md section 1). The same library runs
// on the edge agent, in the evaluation tools (keel-eval) and, later, on the
// hub for re-scoring and training.
//
// Contract:
//  - Fit() learns from vectors assumed normal (e.g. the first rows of a
//    recording, or a commissioning period) and sets the alarm threshold.
//  - Score() is causal: the score of a vector depends only on it, on the
//    vectors scored before it and on what Fit() saw. Online detectors may
//    update their state in Score() (EWMA, running statistics).
//  - Higher scores are more anomalous; IsAnomaly(score) compares with the
//    threshold chosen in Fit().
// Not thread-safe: one detector per stream.
#pragma once

#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace keel::edge::inference {

class Detector {
 public:
  virtual ~Detector() = default;

  virtual std::string_view kind() const = 0;

  // InvalidArgument if `normal` is empty, ragged, or too small for the
  // detector (e.g. fewer rows than dimensions for PCA).
  virtual Status Fit(const std::vector<std::vector<double>>& normal) = 0;

  // InvalidArgument if x has the wrong dimension or a non-finite value;
  // FailedPrecondition before Fit() for detectors that need it.
  virtual Result<double> Score(std::span<const double> x) = 0;

  virtual double threshold() const = 0;
  bool IsAnomaly(double score) const { return score > threshold(); }
};

// Which detector and its parameters, e.g. {"pca", {{"variance", 0.95}}}.
// Unknown kinds and parameters are InvalidArgument naming them.
struct DetectorConfig {
  std::string kind;
  std::map<std::string, double> params;
};

Result<std::unique_ptr<Detector>> CreateDetector(const DetectorConfig& config);

// The kinds CreateDetector knows, sorted.
std::vector<std::string> DetectorKinds();

}  // namespace keel::edge::inference
