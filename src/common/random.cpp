#include "common/random.h"

namespace keel {

double SeededRandom::Uniform() {
  std::lock_guard lock(mu_);
  return std::uniform_real_distribution<double>(0.0, 1.0)(engine_);
}

double SeededRandom::Gaussian() {
  std::lock_guard lock(mu_);
  return std::normal_distribution<double>(0.0, 1.0)(engine_);
}

}  // namespace keel
