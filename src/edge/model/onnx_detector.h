// OnnxDetector: the ONNX backend of a model bundle, an inference::Detector
// (kind "onnx") that runs an ONNX model with OpenCV's dnn module.
//
// The model takes one float tensor of shape [1, dims] (the manifest's inputs,
// in order, after optional normalization z = (x - mean) / std) and produces
// one tensor (OpenCV's default output of the last layer):
//  - OnnxOutput::kReconstruction: dims values y; score = mean_i (z_i - y_i)^2
//    (an autoencoder's reconstruction error, in normalized units);
//  - OnnxOutput::kScore: one value, the score.
// Computation is in float32 inside OpenCV; scores are returned as double.
//
// Fit(normal rows) sets the threshold: fixed if the ThresholdSpec says so
// (Fit then only validates the rows), else quantile(scores of the rows) x
// margin (linear interpolation between order statistics, numpy's default).
// Before a successful Fit() a quantile threshold is +infinity, so IsAnomaly
// is false; Score() works without Fit() since the model is already trained.
// Score() does not change state. For kScore models that can output negative
// values, prefer a fixed threshold (the margin multiplies the quantile).
//
// Errors: Create() returns InvalidArgument naming `source` if OpenCV cannot
// read the model or if a probe run with a [1, dims] input fails or yields the
// wrong number of outputs (dims for kReconstruction, 1 for kScore). Score() and
// Forward() return InvalidArgument for a wrong dimension or a non-finite input
// or output. OpenCV exceptions never escape.
//
// Not thread-safe (cv::dnn::Net is not): one detector per stream, like every
// Detector. OpenCV's own thread pool (cv::setNumThreads) is process-wide and
// left as the process configured it.
#pragma once

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "edge/inference/detector.h"
#include "edge/model/manifest.h"

namespace keel::edge::model {

inline constexpr std::string_view kOnnxKind = "onnx";

class OnnxDetector final : public inference::Detector {
 public:
  struct Options {
    size_t dims = 0;  // length of the input vector, > 0
    OnnxOutput output = OnnxOutput::kReconstruction;
    ThresholdSpec threshold;
    std::optional<Normalization> normalize;  // mean/std of length dims if set
  };

  // `model` holds the bytes of an ONNX file; `source` names it in errors
  // (e.g. the file path).
  static Result<std::unique_ptr<OnnxDetector>> Create(std::string_view model,
                                                      std::string_view source, Options options);
  ~OnnxDetector() override;
  OnnxDetector(const OnnxDetector&) = delete;
  OnnxDetector& operator=(const OnnxDetector&) = delete;

  std::string_view kind() const override { return kOnnxKind; }
  Status Fit(const std::vector<std::vector<double>>& normal) override;
  Result<double> Score(std::span<const double> x) override;
  double threshold() const override { return threshold_; }

  // The model's raw output for x (x is normalized first, as in Score()).
  Result<std::vector<double>> Forward(std::span<const double> x);

  const Options& options() const { return options_; }

 private:
  struct Net;
  OnnxDetector(std::unique_ptr<Net> net, std::string source, Options options);

  Status CheckInput(std::span<const double> x) const;

  std::unique_ptr<Net> net_;
  std::string source_;
  Options options_;
  double threshold_;
  std::vector<double> normalized_;  // scratch, dims values
};

}  // namespace keel::edge::model
