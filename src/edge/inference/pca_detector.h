// "pca": principal-component detector scoring both the distance inside the
// normal subspace (Hotelling T^2) and the distance from it (Q, or SPE).
//
// Fit(), on n > d rows:
//  1. standardizes each dimension by its mean and sample standard deviation
//     (n - 1 divisor; floored at 1e-9 * max(1, |mean|) for constant inputs);
//  2. eigendecomposes the correlation matrix Z^T Z / (n - 1) and keeps the k
//     leading components P (d x k, eigenvalues lambda) whose eigenvalues sum to
//     at least "variance" of the total (k >= 1 unless the total is 0);
//  3. computes, for every training row z,
//       T^2(z) = sum_j (P_j . z)^2 / lambda_j      Q(z) = |z - P P^T z|^2
//     and their "quantile" quantiles (linear interpolation, see
//     detector_support.h) as the limits T2_q and Q_q (floored at 1e-9).
//
//   score(x) = max(T^2(x) / T2_q, Q(x) / Q_q)
// where a term is left out when it is identically 0 (k = 0 or k = d). A
// score of 1 sits at the training quantile; IsAnomaly compares with
// "threshold" (default 1.0).
//
// Params: "variance" in (0, 1] (default 0.95), "quantile" in (0, 1] (default
// 0.99), "threshold" > 0 (default 1.0). Score() does not change state.
#pragma once

#include <Eigen/Core>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "edge/inference/detector.h"

namespace keel::edge::inference {

inline constexpr std::string_view kPcaKind = "pca";

class PcaDetector final : public Detector {
 public:
  struct Options {
    double variance = 0.95;
    double quantile = 0.99;
    double threshold = 1.0;
  };
  // The two statistics behind a score, unnormalized.
  struct Statistics {
    double t2 = 0.0;
    double q = 0.0;
  };

  // InvalidArgument for unknown or out-of-range params.
  static Result<std::unique_ptr<Detector>> Create(const std::map<std::string, double>& params);

  explicit PcaDetector(Options options) : options_(options) {}

  std::string_view kind() const override { return kPcaKind; }
  Status Fit(const std::vector<std::vector<double>>& normal) override;
  Result<double> Score(std::span<const double> x) override;
  double threshold() const override { return options_.threshold; }

  // T^2 and Q of x; same errors as Score().
  Result<Statistics> Decompose(std::span<const double> x) const;

  // After Fit(): kept components (d x k, unit columns), their eigenvalues and
  // the normalizing limits.
  const Eigen::MatrixXd& components() const { return components_; }
  const Eigen::VectorXd& eigenvalues() const { return eigenvalues_; }
  double t2_limit() const { return t2_limit_; }
  double q_limit() const { return q_limit_; }

 private:
  Statistics StatisticsOf(const Eigen::VectorXd& z) const;

  Options options_;
  bool fitted_ = false;
  Eigen::VectorXd mean_;
  Eigen::VectorXd scale_;
  Eigen::MatrixXd components_;
  Eigen::VectorXd eigenvalues_;
  double t2_limit_ = 1.0;
  double q_limit_ = 1.0;
};

}  // namespace keel::edge::inference
