// Helpers for the bus tests: a handler that records what it got, and a
// gate that holds a handler until the test opens it (a stalled consumer).
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <vector>

#include "hub/bus/event.h"

namespace keel::hub::bus {

inline Event MakeEvent(EventKind kind, const std::string& device, uint64_t seq,
                       std::string type = "") {
  Event e;
  e.kind = kind;
  e.device = device;
  e.seq = seq;
  e.type = type.empty() ? std::string(EventKindName(kind)) : std::move(type);
  return e;
}

class Recorder {
 public:
  void Add(const Event& e) {
    {
      std::lock_guard lock(mu_);
      events_.push_back(e);
    }
    cv_.notify_all();
  }
  // Waits (real time, bounded) until `n` events were recorded.
  bool WaitFor(size_t n) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(10), [&] { return events_.size() >= n; });
  }
  std::vector<Event> events() const {
    std::lock_guard lock(mu_);
    return events_;
  }
  std::vector<uint64_t> seqs() const {
    std::vector<uint64_t> out;
    for (const auto& e : events()) out.push_back(e.seq);
    return out;
  }

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Event> events_;
};

class Gate {
 public:
  // Called by a handler: blocks until Open().
  void Pass() {
    std::unique_lock lock(mu_);
    ++entered_;
    cv_.notify_all();
    cv_.wait(lock, [&] { return open_; });
  }
  bool WaitEntered(int n) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(10), [&] { return entered_ >= n; });
  }
  void Open() {
    {
      std::lock_guard lock(mu_);
      open_ = true;
    }
    cv_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int entered_ = 0;
  bool open_ = false;
};

}  // namespace keel::hub::bus
