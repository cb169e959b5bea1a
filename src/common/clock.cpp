#include "common/clock.h"

#include <thread>

namespace keel {
namespace {

class RealClock : public Clock {
 public:
  int64_t NowMs() const override {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
  int64_t MonotonicMs() const override {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }
  void SleepMs(int64_t ms) const override {
    if (ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(ms));
  }
};

}  // namespace

Clock& SystemClock() {
  static RealClock clock;
  return clock;
}

int64_t FakeClock::NowMs() const {
  std::lock_guard lock(mu_);
  return now_ms_;
}

int64_t FakeClock::MonotonicMs() const { return NowMs(); }

void FakeClock::SleepMs(int64_t ms) const {
  std::unique_lock lock(mu_);
  const int64_t wake = now_ms_ + ms;
  advanced_.wait(lock, [&] { return now_ms_ >= wake; });
}

void FakeClock::AdvanceMs(int64_t ms) {
  {
    std::lock_guard lock(mu_);
    now_ms_ += ms;
  }
  advanced_.notify_all();
}

void FakeClock::SetMs(int64_t now_ms) {
  {
    std::lock_guard lock(mu_);
    now_ms_ = now_ms;
  }
  advanced_.notify_all();
}

}  // namespace keel
