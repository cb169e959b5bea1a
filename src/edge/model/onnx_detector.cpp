#include "edge/model/onnx_detector.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <exception>
#include <limits>
#include <opencv2/core.hpp>
#include <opencv2/dnn.hpp>
#include <utility>

namespace keel::edge::model {
namespace {

double QuantileOf(std::vector<double> values, double q) {
  std::sort(values.begin(), values.end());
  const double h = static_cast<double>(values.size() - 1) * q;
  const auto lo = static_cast<size_t>(std::floor(h));
  if (lo + 1 >= values.size()) return values.back();
  return values[lo] + (h - static_cast<double>(lo)) * (values[lo + 1] - values[lo]);
}

std::string_view Trimmed(std::string_view message) {
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) {
    message.remove_suffix(1);
  }
  return message;
}

double InitialThreshold(const ThresholdSpec& spec) {
  return spec.fixed ? *spec.fixed : std::numeric_limits<double>::infinity();
}

}  // namespace

struct OnnxDetector::Net {
  cv::dnn::Net net;
  cv::Mat input;

  // Runs the model on z (already normalized).
  Result<std::vector<double>> Run(std::span<const double> z) {
    try {
      for (size_t i = 0; i < z.size(); ++i) {
        input.at<float>(0, static_cast<int>(i)) = static_cast<float>(z[i]);
      }
      net.setInput(input);
      cv::Mat output = net.forward();
      if (output.depth() != CV_32F) output.convertTo(output, CV_32F);
      if (!output.isContinuous()) output = output.clone();
      const auto* values = output.ptr<float>();
      std::vector<double> result(values, values + output.total());
      for (size_t i = 0; i < result.size(); ++i) {
        if (!std::isfinite(result[i])) {
          return Status::InvalidArgument(fmt::format("output {} is not finite ({})", i, result[i]));
        }
      }
      return result;
    } catch (const cv::Exception& e) {
      return Status::InvalidArgument(
          fmt::format("OpenCV failed to run the model: {}", Trimmed(e.what())));
    } catch (const std::exception& e) {
      return Status::Internal(fmt::format("running the model threw: {}", Trimmed(e.what())));
    }
  }
};

Result<std::unique_ptr<OnnxDetector>> OnnxDetector::Create(std::string_view model,
                                                           std::string_view source,
                                                           Options options) {
  if (options.dims == 0 || options.dims > static_cast<size_t>(std::numeric_limits<int>::max())) {
    return Status::InvalidArgument(
        fmt::format("onnx: {}: input dimension {} is out of range", source, options.dims));
  }
  if (options.normalize && (options.normalize->mean.size() != options.dims ||
                            options.normalize->std.size() != options.dims)) {
    return Status::InvalidArgument(
        fmt::format("onnx: {}: normalization has {} means and {} stds for {} inputs", source,
                    options.normalize->mean.size(), options.normalize->std.size(), options.dims));
  }
  if (model.empty()) {
    return Status::InvalidArgument(fmt::format("onnx: {}: the model file is empty", source));
  }
  auto net = std::make_unique<Net>();
  try {
    net->net = cv::dnn::readNetFromONNX(model.data(), model.size());
  } catch (const cv::Exception& e) {
    return Status::InvalidArgument(
        fmt::format("onnx: {}: OpenCV cannot read the model: {}", source, Trimmed(e.what())));
  } catch (const std::exception& e) {
    return Status::InvalidArgument(
        fmt::format("onnx: {}: reading the model threw: {}", source, Trimmed(e.what())));
  }
  if (net->net.empty()) {
    return Status::InvalidArgument(fmt::format("onnx: {}: OpenCV read an empty network", source));
  }
  net->input = cv::Mat::zeros(1, static_cast<int>(options.dims), CV_32F);

  const std::vector<double> zeros(options.dims, 0.0);
  auto probe = net->Run(zeros);
  if (!probe.ok()) {
    return probe.status().WithContext(
        fmt::format("onnx: {}: probe with a [1, {}] input", source, options.dims));
  }
  const size_t expected = options.output == OnnxOutput::kScore ? 1 : options.dims;
  if (probe->size() != expected) {
    return Status::InvalidArgument(fmt::format(
        "onnx: {}: the model outputs {} values for a [1, {}] input; a {} model must output {}",
        source, probe->size(), options.dims,
        options.output == OnnxOutput::kScore ? "score" : "reconstruction", expected));
  }
  return std::unique_ptr<OnnxDetector>(
      new OnnxDetector(std::move(net), std::string(source), std::move(options)));
}

OnnxDetector::OnnxDetector(std::unique_ptr<Net> net, std::string source, Options options)
    : net_(std::move(net)),
      source_(std::move(source)),
      options_(std::move(options)),
      threshold_(InitialThreshold(options_.threshold)),
      normalized_(options_.dims) {}

OnnxDetector::~OnnxDetector() = default;

Status OnnxDetector::CheckInput(std::span<const double> x) const {
  if (x.size() != options_.dims) {
    return Status::InvalidArgument(fmt::format("onnx: {}: input has {} values, the model takes {}",
                                               source_, x.size(), options_.dims));
  }
  for (size_t i = 0; i < x.size(); ++i) {
    if (!std::isfinite(x[i])) {
      return Status::InvalidArgument(
          fmt::format("onnx: {}: input value {} is not finite ({})", source_, i, x[i]));
    }
  }
  return Status::Ok();
}

Result<std::vector<double>> OnnxDetector::Forward(std::span<const double> x) {
  KEEL_RETURN_IF_ERROR(CheckInput(x));
  for (size_t i = 0; i < x.size(); ++i) {
    normalized_[i] = options_.normalize
                         ? (x[i] - options_.normalize->mean[i]) / options_.normalize->std[i]
                         : x[i];
  }
  auto output = net_->Run(normalized_);
  if (!output.ok()) return output.status().WithContext(fmt::format("onnx: {}", source_));
  return output;
}

Result<double> OnnxDetector::Score(std::span<const double> x) {
  KEEL_ASSIGN_OR_RETURN(const std::vector<double> output, Forward(x));
  const size_t expected = options_.output == OnnxOutput::kScore ? 1 : normalized_.size();
  if (output.size() != expected) {
    return Status::InvalidArgument(fmt::format("onnx: {}: the model output {} values, expected {}",
                                               source_, output.size(), expected));
  }
  if (options_.output == OnnxOutput::kScore) return output.front();
  double sum = 0.0;
  for (size_t i = 0; i < output.size(); ++i) {
    const double diff = normalized_[i] - output[i];
    sum += diff * diff;
  }
  return sum / static_cast<double>(output.size());
}

Status OnnxDetector::Fit(const std::vector<std::vector<double>>& normal) {
  if (normal.empty()) {
    return Status::InvalidArgument(fmt::format("onnx: {}: fit: no rows", source_));
  }
  std::vector<double> scores;
  scores.reserve(normal.size());
  for (size_t r = 0; r < normal.size(); ++r) {
    if (Status status = CheckInput(normal[r]); !status.ok()) {
      return status.WithContext(fmt::format("fit: row {}", r));
    }
    if (options_.threshold.fixed) continue;
    auto score = Score(normal[r]);
    if (!score.ok()) return score.status().WithContext(fmt::format("fit: row {}", r));
    scores.push_back(*score);
  }
  if (!options_.threshold.fixed) {
    threshold_ =
        QuantileOf(std::move(scores), options_.threshold.quantile) * options_.threshold.margin;
  }
  return Status::Ok();
}

}  // namespace keel::edge::model
