// Clock: the injectable source of time. Production code never reads the
// system clock directly, so tests can run time forward deterministically.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>

namespace keel {

// Thread-safe. Times are milliseconds since the Unix epoch (UTC) unless a
// name says otherwise.
class Clock {
 public:
  virtual ~Clock() = default;
  // Wall-clock time, ms since the Unix epoch.
  virtual int64_t NowMs() const = 0;
  // Monotonic time in ms from an arbitrary origin; never goes backwards.
  virtual int64_t MonotonicMs() const = 0;
  // Blocks for `ms` of this clock's time (a fake clock returns once advanced).
  virtual void SleepMs(int64_t ms) const = 0;
};

// The process-wide real clock.
Clock& SystemClock();

// A clock that only moves when told to. SleepMs blocks until another thread
// advances the clock past the wake-up time.
class FakeClock : public Clock {
 public:
  explicit FakeClock(int64_t start_ms = 1'732'470'000'000) : now_ms_(start_ms) {}
  int64_t NowMs() const override;
  int64_t MonotonicMs() const override;
  void SleepMs(int64_t ms) const override;
  void AdvanceMs(int64_t ms);
  void SetMs(int64_t now_ms);

 private:
  mutable std::mutex mu_;
  mutable std::condition_variable advanced_;
  int64_t now_ms_;
};

}  // namespace keel
