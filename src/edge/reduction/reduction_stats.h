// ReductionStats: how much the edge reduction saves, as counters a metrics
// thread can read while the sampling thread updates them.
//
// Raw size is what the samples would cost uncompressed: 16 bytes per sample
// (int64 t_ms + double value), kRawBytesPerSample. Sent size is the encoded
// payload bytes the caller reports for what it actually published (features,
// compressed series, snippets). ratio() = raw_bytes / sent_bytes, so 10 means
// ten times less traffic than sending every raw sample uncompressed.
//
// Thread-safe: every counter is a relaxed atomic. A reader sees each counter
// exactly, but raw and sent may come from slightly different moments; the
// ratio is for monitoring, not accounting.
#pragma once

#include <atomic>
#include <cstdint>

namespace keel::edge::reduction {

class ReductionStats {
 public:
  static constexpr uint64_t kRawBytesPerSample = 16;

  // `samples` raw samples entered the reduction.
  void AddRaw(uint64_t samples) { raw_samples_.fetch_add(samples, std::memory_order_relaxed); }
  // A payload of `payload_bytes` carrying `samples` samples (points of
  // compressed series, snippet points, feature values) was published.
  void AddSent(uint64_t samples, uint64_t payload_bytes) {
    sent_samples_.fetch_add(samples, std::memory_order_relaxed);
    sent_bytes_.fetch_add(payload_bytes, std::memory_order_relaxed);
  }

  uint64_t raw_samples() const { return raw_samples_.load(std::memory_order_relaxed); }
  uint64_t raw_bytes() const { return raw_samples() * kRawBytesPerSample; }
  uint64_t sent_samples() const { return sent_samples_.load(std::memory_order_relaxed); }
  uint64_t sent_bytes() const { return sent_bytes_.load(std::memory_order_relaxed); }

  // raw_bytes / sent_bytes; 0 while nothing was sent.
  double ratio() const;
  // raw_samples / sent_samples; 0 while nothing was sent.
  double sample_ratio() const;

 private:
  std::atomic<uint64_t> raw_samples_{0};
  std::atomic<uint64_t> sent_samples_{0};
  std::atomic<uint64_t> sent_bytes_{0};
};

}  // namespace keel::edge::reduction
