// Internal helpers shared by the built-in detectors: parameter resolution,
// input validation and the quantile used to normalize scores. Not part of the
// component's public contract.
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <limits>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

namespace keel::edge::inference::internal {

inline constexpr double kNoUpperBound = std::numeric_limits<double>::infinity();

// One accepted parameter: its default and the closed or open interval its
// value must lie in. `integer` additionally requires a whole number.
struct ParamSpec {
  std::string_view name;
  double default_value;
  double min;
  double max;
  bool min_exclusive = false;
  bool max_exclusive = false;
  bool integer = false;
};

// Returns every spec'd parameter's value (given or default). InvalidArgument
// naming the parameter for an unknown name, a non-finite or out-of-range value.
Result<std::map<std::string, double, std::less<>>> ResolveParams(
    std::string_view kind, const std::map<std::string, double>& params,
    std::span<const ParamSpec> specs);

// Checks a training set: at least `min_rows` rows, all of one non-zero length,
// all values finite. Returns the dimension.
// Splits the parameters of a wrapping detector: "inner.<name>" go to the
// wrapped detector (prefix removed), the rest to the wrapper.
struct SplitParams {
  std::map<std::string, double> own, inner;
};
SplitParams SplitInnerParams(const std::map<std::string, double>& params);

Result<size_t> CheckRows(std::string_view kind, const std::vector<std::vector<double>>& rows,
                         size_t min_rows);

// InvalidArgument if x.size() != dims or x holds a non-finite value.
Status CheckVector(std::string_view kind, std::span<const double> x, size_t dims);

// The q-quantile (0 < q <= 1) of `values` by linear interpolation between
// order statistics: position h = (n - 1) * q (Hyndman-Fan type 7, numpy's
// default). `values` must be non-empty.
double Quantile(std::vector<double> values, double q);

// rows (n x d, already checked) as an n x d matrix.
Eigen::MatrixXd RowsToMatrix(const std::vector<std::vector<double>>& rows);

// The block length (rows averaged into one value) of the shape detectors
// (resonance, discord): `step` when > 0, else max(1, round(fit_rows / (13 *
// window))), so that the fit rows span 13 shape windows of `window` blocks.
int64_t ShapeBlockRows(int64_t step, size_t fit_rows, int64_t window);

// Per column of `rows` (already checked): {min, max}.
std::vector<std::pair<double, double>> ColumnRanges(const std::vector<std::vector<double>>& rows);

// Smallest scale (standard deviation-like) a detector divides by, so that a
// constant training dimension yields large finite scores instead of inf/NaN.
inline double ScaleFloor(double location) {
  const double magnitude = location < 0 ? -location : location;
  return 1e-9 * (magnitude > 1.0 ? magnitude : 1.0);
}

}  // namespace keel::edge::inference::internal
