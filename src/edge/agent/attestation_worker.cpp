#include "edge/agent/attestation_worker.h"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace keel::edge {

AttestationWorker::AttestationWorker(AttestFn attest, const Clock& clock, Random& random,
                                     AttestationWorkerOptions options, std::string device)
    : attest_(std::move(attest)),
      clock_(clock),
      random_(random),
      options_(options),
      device_(std::move(device)),
      next_due_ms_(clock.MonotonicMs() + options.interval_ms) {}

AttestationWorker::~AttestationWorker() { Stop(); }

void AttestationWorker::Request(std::string_view why) {
  {
    std::lock_guard lock(mu_);
    if (requested_.empty()) requested_ = why;
  }
  wake_.notify_all();
}

bool AttestationWorker::RunDue() {
  std::lock_guard run(run_mu_);
  std::string why;
  {
    std::lock_guard lock(mu_);
    const int64_t now = clock_.MonotonicMs();
    if (requested_.empty() && now < next_due_ms_) return false;
    why = requested_.empty() ? (backoff_ms_ > 0 ? "retry" : "periodic") : requested_;
    requested_.clear();
  }
  const auto verdict = attest_();
  std::lock_guard lock(mu_);
  ++stats_.attempts;
  const int64_t now = clock_.MonotonicMs();
  if (!verdict.ok()) {
    ++stats_.failures;
    const int64_t cap = std::min(options_.retry_max_ms, options_.interval_ms);
    backoff_ms_ = std::min(backoff_ms_ == 0 ? options_.retry_min_ms : backoff_ms_ * 2, cap);
    const auto delay =
        static_cast<int64_t>(static_cast<double>(backoff_ms_) * (0.75 + 0.5 * random_.Uniform()));
    next_due_ms_ = now + delay;
    spdlog::warn("{}: attestation ({}): {}; retrying in {} ms", device_, why,
                 verdict.status().ToString(), delay);
    return true;
  }
  backoff_ms_ = 0;
  next_due_ms_ = now + options_.interval_ms;
  stats_.last_verdict = *verdict;
  if (verdict->trusted) {
    ++stats_.trusted;
    spdlog::info("{}: attestation ({}): trusted{}{}", device_, why,
                 verdict->reason.empty() ? "" : ": ", verdict->reason);
  } else {
    ++stats_.quarantined;
    spdlog::warn("{}: attestation ({}): QUARANTINED by the hub: {}", device_, why, verdict->reason);
  }
  return true;
}

void AttestationWorker::Start() {
  thread_ = std::thread([this] {
    std::unique_lock lock(mu_);
    while (!stopping_) {
      lock.unlock();
      const bool ran = RunDue();
      lock.lock();
      if (ran || stopping_ || !requested_.empty()) continue;
      const int64_t wait = std::clamp<int64_t>(next_due_ms_ - clock_.MonotonicMs(), 1, 100);
      wake_.wait_for(lock, std::chrono::milliseconds(wait));
    }
  });
}

void AttestationWorker::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

AttestationStats AttestationWorker::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

}  // namespace keel::edge
