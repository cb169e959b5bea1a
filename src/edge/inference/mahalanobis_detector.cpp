#include "edge/inference/mahalanobis_detector.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>

#include "edge/inference/detector_support.h"

namespace keel::edge::inference {
namespace {

constexpr double kLimitFloor = 1e-9;

}  // namespace

Result<std::unique_ptr<Detector>> MahalanobisDetector::Create(
    const std::map<std::string, double>& params) {
  static constexpr std::array<internal::ParamSpec, 3> kSpecs{{
      {.name = "ridge", .default_value = 1e-6, .min = 0.0, .max = internal::kNoUpperBound},
      {.name = "quantile", .default_value = 0.99, .min = 0.0, .max = 1.0, .min_exclusive = true},
      {.name = "threshold",
       .default_value = 1.0,
       .min = 0.0,
       .max = internal::kNoUpperBound,
       .min_exclusive = true},
  }};
  KEEL_ASSIGN_OR_RETURN(auto values, internal::ResolveParams(kMahalanobisKind, params, kSpecs));
  return std::unique_ptr<Detector>(
      std::make_unique<MahalanobisDetector>(Options{.ridge = values.at("ridge"),
                                                    .quantile = values.at("quantile"),
                                                    .threshold = values.at("threshold")}));
}

Status MahalanobisDetector::Fit(const std::vector<std::vector<double>>& normal) {
  KEEL_ASSIGN_OR_RETURN(const size_t dims, internal::CheckRows(kMahalanobisKind, normal, 1));
  if (normal.size() <= dims) {
    return Status::InvalidArgument(
        fmt::format("mahalanobis: fit: {} rows of dimension {}; needs more rows than dimensions",
                    normal.size(), dims));
  }
  const Eigen::MatrixXd x = internal::RowsToMatrix(normal);
  const Eigen::VectorXd mean = x.colwise().mean().transpose();
  const Eigen::MatrixXd centered = x.rowwise() - mean.transpose();
  Eigen::MatrixXd covariance =
      (centered.transpose() * centered) / static_cast<double>(x.rows() - 1);
  const double average_variance = covariance.trace() / static_cast<double>(dims);
  const double ridge = options_.ridge * (average_variance > 0.0 ? average_variance : 1.0);
  covariance.diagonal().array() += ridge;
  Eigen::LLT<Eigen::MatrixXd> cholesky(covariance);
  if (cholesky.info() != Eigen::Success) {
    return Status::InvalidArgument(fmt::format(
        "mahalanobis: fit: covariance (ridge {}) is not positive definite; raise \"ridge\"",
        ridge));
  }
  mean_ = mean;
  cholesky_ = std::move(cholesky);
  ridge_added_ = ridge;
  std::vector<double> distances(normal.size());
  for (Eigen::Index r = 0; r < centered.rows(); ++r) {
    distances[static_cast<size_t>(r)] = SquaredDistanceOf(centered.row(r).transpose());
  }
  distance_limit_ =
      std::max(internal::Quantile(std::move(distances), options_.quantile), kLimitFloor);
  fitted_ = true;
  return Status::Ok();
}

double MahalanobisDetector::SquaredDistanceOf(const Eigen::VectorXd& diff) const {
  return cholesky_.matrixL().solve(diff).squaredNorm();
}

Result<double> MahalanobisDetector::SquaredDistance(std::span<const double> x) const {
  if (!fitted_) {
    return Status::FailedPrecondition("mahalanobis: score: Fit() has not succeeded yet");
  }
  KEEL_RETURN_IF_ERROR(
      internal::CheckVector(kMahalanobisKind, x, static_cast<size_t>(mean_.size())));
  const Eigen::Map<const Eigen::VectorXd> v(x.data(), static_cast<Eigen::Index>(x.size()));
  return SquaredDistanceOf(v - mean_);
}

Result<double> MahalanobisDetector::Score(std::span<const double> x) {
  KEEL_ASSIGN_OR_RETURN(const double d2, SquaredDistance(x));
  return d2 / distance_limit_;
}

}  // namespace keel::edge::inference
