// Statistics the load tools report.
#pragma once

#include <algorithm>
#include <cstddef>
#include <vector>

namespace keel {

// The q-quantile (0..1) of `v`, nearest rank: the element at index
// min(n - 1, floor(q * n)) of the sorted values (as EdgeAnalytics' stats);
// 0 for no values.
inline double Percentile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  const size_t k = std::min(v.size() - 1, static_cast<size_t>(q * static_cast<double>(v.size())));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  return v[k];
}

}  // namespace keel
