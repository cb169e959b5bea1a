#include "edge/inference/detector_support.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>

namespace keel::edge::inference::internal {
namespace {

std::string DescribeRange(const ParamSpec& spec) {
  return fmt::format("{}{}, {}{}", spec.min_exclusive ? "(" : "[", spec.min, spec.max,
                     spec.max_exclusive ? ")" : "]");
}

bool InRange(const ParamSpec& spec, double v) {
  if (!std::isfinite(v)) return false;
  if (spec.min_exclusive ? v <= spec.min : v < spec.min) return false;
  if (spec.max_exclusive ? v >= spec.max : v > spec.max) return false;
  return !spec.integer || v == std::floor(v);
}

}  // namespace

Result<std::map<std::string, double, std::less<>>> ResolveParams(
    std::string_view kind, const std::map<std::string, double>& params,
    std::span<const ParamSpec> specs) {
  std::vector<std::string_view> known;
  for (const auto& spec : specs) known.push_back(spec.name);
  for (const auto& [name, value] : params) {
    if (std::find(known.begin(), known.end(), name) == known.end()) {
      return Status::InvalidArgument(
          fmt::format("detector \"{}\": unknown parameter \"{}\" (known: {})", kind, name,
                      fmt::join(known, ", ")));
    }
  }
  std::map<std::string, double, std::less<>> resolved;
  for (const auto& spec : specs) {
    auto it = params.find(std::string(spec.name));
    const double value = it == params.end() ? spec.default_value : it->second;
    if (!InRange(spec, value)) {
      return Status::InvalidArgument(
          fmt::format("detector \"{}\": parameter \"{}\" = {} is outside {}{}", kind, spec.name,
                      value, DescribeRange(spec), spec.integer ? " or not a whole number" : ""));
    }
    resolved.emplace(std::string(spec.name), value);
  }
  return resolved;
}

Result<size_t> CheckRows(std::string_view kind, const std::vector<std::vector<double>>& rows,
                         size_t min_rows) {
  if (rows.empty()) return Status::InvalidArgument(fmt::format("{}: fit: no rows", kind));
  const size_t dims = rows.front().size();
  if (dims == 0) return Status::InvalidArgument(fmt::format("{}: fit: row 0 is empty", kind));
  for (size_t r = 0; r < rows.size(); ++r) {
    if (rows[r].size() != dims) {
      return Status::InvalidArgument(fmt::format("{}: fit: row {} has {} values, row 0 has {}",
                                                 kind, r, rows[r].size(), dims));
    }
    for (size_t c = 0; c < dims; ++c) {
      if (!std::isfinite(rows[r][c])) {
        return Status::InvalidArgument(
            fmt::format("{}: fit: row {} column {} is not finite ({})", kind, r, c, rows[r][c]));
      }
    }
  }
  if (rows.size() < min_rows) {
    return Status::InvalidArgument(fmt::format(
        "{}: fit: {} rows of dimension {}; needs at least {}", kind, rows.size(), dims, min_rows));
  }
  return dims;
}

Status CheckVector(std::string_view kind, std::span<const double> x, size_t dims) {
  if (x.size() != dims) {
    return Status::InvalidArgument(
        fmt::format("{}: score: vector has {} values, expected {}", kind, x.size(), dims));
  }
  for (size_t c = 0; c < x.size(); ++c) {
    if (!std::isfinite(x[c])) {
      return Status::InvalidArgument(
          fmt::format("{}: score: value {} is not finite ({})", kind, c, x[c]));
    }
  }
  return Status::Ok();
}

double Quantile(std::vector<double> values, double q) {
  std::sort(values.begin(), values.end());
  const double h = static_cast<double>(values.size() - 1) * q;
  const auto lo = static_cast<size_t>(std::floor(h));
  if (lo + 1 >= values.size()) return values.back();
  return values[lo] + (h - static_cast<double>(lo)) * (values[lo + 1] - values[lo]);
}

Eigen::MatrixXd RowsToMatrix(const std::vector<std::vector<double>>& rows) {
  const auto n = static_cast<Eigen::Index>(rows.size());
  const auto d = static_cast<Eigen::Index>(rows.front().size());
  Eigen::MatrixXd m(n, d);
  for (Eigen::Index r = 0; r < n; ++r) {
    for (Eigen::Index c = 0; c < d; ++c) {
      m(r, c) = rows[static_cast<size_t>(r)][static_cast<size_t>(c)];
    }
  }
  return m;
}

SplitParams SplitInnerParams(const std::map<std::string, double>& params) {
  constexpr std::string_view kInnerPrefix = "inner.";
  SplitParams split;
  for (const auto& [name, value] : params) {
    if (name.starts_with(kInnerPrefix)) {
      split.inner.emplace(name.substr(kInnerPrefix.size()), value);
    } else {
      split.own.emplace(name, value);
    }
  }
  return split;
}

int64_t ShapeBlockRows(int64_t step, size_t fit_rows, int64_t window) {
  constexpr double kWindowsPerFit = 13;
  if (step > 0) return step;
  return std::max<int64_t>(1, std::llround(static_cast<double>(fit_rows) /
                                           (kWindowsPerFit * static_cast<double>(window))));
}

std::vector<std::pair<double, double>> ColumnRanges(const std::vector<std::vector<double>>& rows) {
  std::vector<std::pair<double, double>> ranges;
  if (rows.empty()) return ranges;
  for (double v : rows.front()) ranges.emplace_back(v, v);
  for (const auto& row : rows) {
    for (size_t d = 0; d < ranges.size() && d < row.size(); ++d) {
      ranges[d].first = std::min(ranges[d].first, row[d]);
      ranges[d].second = std::max(ranges[d].second, row[d]);
    }
  }
  return ranges;
}

}  // namespace keel::edge::inference::internal
