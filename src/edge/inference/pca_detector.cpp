#include "edge/inference/pca_detector.h"

#include <fmt/format.h>

#include <Eigen/Eigenvalues>
#include <algorithm>
#include <array>
#include <cmath>

#include "edge/inference/detector_support.h"

namespace keel::edge::inference {
namespace {

constexpr double kLimitFloor = 1e-9;
constexpr double kNegligibleEigenvalue = 1e-12;

}  // namespace

Result<std::unique_ptr<Detector>> PcaDetector::Create(const std::map<std::string, double>& params) {
  static constexpr std::array<internal::ParamSpec, 3> kSpecs{{
      {.name = "variance", .default_value = 0.95, .min = 0.0, .max = 1.0, .min_exclusive = true},
      {.name = "quantile", .default_value = 0.99, .min = 0.0, .max = 1.0, .min_exclusive = true},
      {.name = "threshold",
       .default_value = 1.0,
       .min = 0.0,
       .max = internal::kNoUpperBound,
       .min_exclusive = true},
  }};
  KEEL_ASSIGN_OR_RETURN(auto values, internal::ResolveParams(kPcaKind, params, kSpecs));
  return std::unique_ptr<Detector>(
      std::make_unique<PcaDetector>(Options{.variance = values.at("variance"),
                                            .quantile = values.at("quantile"),
                                            .threshold = values.at("threshold")}));
}

Status PcaDetector::Fit(const std::vector<std::vector<double>>& normal) {
  KEEL_ASSIGN_OR_RETURN(const size_t dims, internal::CheckRows(kPcaKind, normal, 1));
  if (normal.size() <= dims) {
    return Status::InvalidArgument(fmt::format(
        "pca: fit: {} rows of dimension {}; needs more rows than dimensions", normal.size(), dims));
  }
  const Eigen::MatrixXd x = internal::RowsToMatrix(normal);
  const auto n = static_cast<double>(x.rows());
  const Eigen::VectorXd mean = x.colwise().mean().transpose();
  Eigen::MatrixXd z = x.rowwise() - mean.transpose();
  Eigen::VectorXd scale(z.cols());
  for (Eigen::Index c = 0; c < z.cols(); ++c) {
    const double sd = std::sqrt(z.col(c).squaredNorm() / (n - 1.0));
    scale(c) = std::max(sd, internal::ScaleFloor(mean(c)));
    z.col(c) /= scale(c);
  }
  const Eigen::MatrixXd correlation = (z.transpose() * z) / (n - 1.0);
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> solver(correlation);
  if (solver.info() != Eigen::Success) {
    return Status::Internal("pca: fit: eigendecomposition of the correlation matrix failed");
  }
  const Eigen::VectorXd ascending = solver.eigenvalues().cwiseMax(0.0);
  const Eigen::Index d = ascending.size();
  const double total = ascending.sum();
  Eigen::Index k = 0;
  if (total > 0.0) {
    double kept = 0.0;
    while (k < d && kept < options_.variance * total &&
           ascending(d - 1 - k) > kNegligibleEigenvalue * total) {
      kept += ascending(d - 1 - k);
      ++k;
    }
  }
  Eigen::MatrixXd components(d, k);
  Eigen::VectorXd eigenvalues(k);
  for (Eigen::Index j = 0; j < k; ++j) {
    components.col(j) = solver.eigenvectors().col(d - 1 - j);
    eigenvalues(j) = ascending(d - 1 - j);
  }

  mean_ = mean;
  scale_ = scale;
  components_ = std::move(components);
  eigenvalues_ = std::move(eigenvalues);
  std::vector<double> t2(normal.size());
  std::vector<double> q(normal.size());
  for (Eigen::Index r = 0; r < z.rows(); ++r) {
    const Statistics s = StatisticsOf(z.row(r).transpose());
    t2[static_cast<size_t>(r)] = s.t2;
    q[static_cast<size_t>(r)] = s.q;
  }
  t2_limit_ = std::max(internal::Quantile(std::move(t2), options_.quantile), kLimitFloor);
  q_limit_ = std::max(internal::Quantile(std::move(q), options_.quantile), kLimitFloor);
  fitted_ = true;
  return Status::Ok();
}

PcaDetector::Statistics PcaDetector::StatisticsOf(const Eigen::VectorXd& z) const {
  const Eigen::VectorXd t = components_.transpose() * z;
  Statistics s;
  s.t2 = (t.array().square() / eigenvalues_.array()).sum();
  s.q = (z - components_ * t).squaredNorm();
  return s;
}

Result<PcaDetector::Statistics> PcaDetector::Decompose(std::span<const double> x) const {
  if (!fitted_) return Status::FailedPrecondition("pca: score: Fit() has not succeeded yet");
  KEEL_RETURN_IF_ERROR(internal::CheckVector(kPcaKind, x, static_cast<size_t>(mean_.size())));
  const Eigen::Map<const Eigen::VectorXd> v(x.data(), static_cast<Eigen::Index>(x.size()));
  return StatisticsOf((v - mean_).cwiseQuotient(scale_));
}

Result<double> PcaDetector::Score(std::span<const double> x) {
  KEEL_ASSIGN_OR_RETURN(const Statistics s, Decompose(x));
  const Eigen::Index k = components_.cols();
  double score = 0.0;
  if (k > 0) score = std::max(score, s.t2 / t2_limit_);
  if (k < mean_.size()) score = std::max(score, s.q / q_limit_);
  return score;
}

}  // namespace keel::edge::inference
