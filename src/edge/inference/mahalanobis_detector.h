// "mahalanobis": a multivariate Gaussian model of the normal vectors.
//
// Fit(), on n > d rows: mean m and sample covariance S (n - 1 divisor),
// regularized as S + r I with r = ridge * trace(S) / d (r = ridge if the
// trace is 0). Then D2_q = the "quantile" quantile of the training rows'
// squared distances (linear interpolation, floored at 1e-9).
//
//   score(x) = (x - m)^T (S + r I)^-1 (x - m) / D2_q
//
// A score of 1 sits at the training quantile; IsAnomaly compares with
// "threshold" (default 1.0).
//
// Params: "ridge" >= 0 (default 1e-6; with 0 a singular covariance makes
// Fit() fail with InvalidArgument), "quantile" in (0, 1] (default 0.99),
// "threshold" > 0 (default 1.0). Score() does not change state.
#pragma once

#include <Eigen/Cholesky>
#include <Eigen/Core>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "edge/inference/detector.h"

namespace keel::edge::inference {

inline constexpr std::string_view kMahalanobisKind = "mahalanobis";

class MahalanobisDetector final : public Detector {
 public:
  struct Options {
    double ridge = 1e-6;
    double quantile = 0.99;
    double threshold = 1.0;
  };

  // InvalidArgument for unknown or out-of-range params.
  static Result<std::unique_ptr<Detector>> Create(const std::map<std::string, double>& params);

  explicit MahalanobisDetector(Options options) : options_(options) {}

  std::string_view kind() const override { return kMahalanobisKind; }
  Status Fit(const std::vector<std::vector<double>>& normal) override;
  Result<double> Score(std::span<const double> x) override;
  double threshold() const override { return options_.threshold; }

  // Unnormalized squared distance of x; same errors as Score().
  Result<double> SquaredDistance(std::span<const double> x) const;

  // After Fit().
  const Eigen::VectorXd& mean() const { return mean_; }
  double ridge_added() const { return ridge_added_; }
  double distance_limit() const { return distance_limit_; }

 private:
  double SquaredDistanceOf(const Eigen::VectorXd& diff) const;

  Options options_;
  bool fitted_ = false;
  Eigen::VectorXd mean_;
  Eigen::LLT<Eigen::MatrixXd> cholesky_;
  double ridge_added_ = 0.0;
  double distance_limit_ = 1.0;
};

}  // namespace keel::edge::inference
