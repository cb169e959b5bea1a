// Random: the injectable source of non-cryptographic randomness (jitter,
// simulated signals). Key material always comes from OpenSSL's CSPRNG.
#pragma once

#include <cstdint>
#include <mutex>
#include <random>

namespace keel {

// Thread-safe.
class Random {
 public:
  virtual ~Random() = default;
  // Uniform in [0, 1).
  virtual double Uniform() = 0;
  // Standard normal.
  virtual double Gaussian() = 0;
};

// A seeded Mersenne Twister; the same seed gives the same sequence.
class SeededRandom : public Random {
 public:
  explicit SeededRandom(uint64_t seed) : engine_(seed) {}
  double Uniform() override;
  double Gaussian() override;

 private:
  std::mutex mu_;
  std::mt19937_64 engine_;
};

}  // namespace keel
