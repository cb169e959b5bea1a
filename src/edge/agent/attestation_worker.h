// AttestationWorker: when and how the agent attests (docs/security.md,
// "Attestation"). The agent asks for an attestation when it (re)connects to
// the hub's broker and after every install it loaded (Request); one also
// runs `interval_ms` after the last one that reached the hub (periodic).
// Each attestation quotes MeasuredLoad::QuoteSnapshot, so it re-measures
// what the agent runs: a file swapped on disk is reported (and the device
// quarantined by the hub) within one interval.
//
// An attestation that fails (hub unreachable, nonce refused, key files
// unreadable) is retried after a back-off doubling from retry_min_ms up to
// min(retry_max_ms, interval_ms), with +-25% jitter (so a fleet does not
// retry in step after a hub restart). A Request is served at once, whatever
// the wait (a connect means the hub is likely reachable again); a success
// resets the back-off. Verdicts are logged: info when trusted, warn when
// quarantined.
//
// RunDue() does one turn on the calling thread (tests drive it with a fake
// clock); Start() runs turns on a thread of its own, so an attestation (TLS
// round trips, hashing the agent binary) never delays the agent's sampling.
// Thread-safe.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include "common/clock.h"
#include "common/random.h"
#include "edge/attest/attestor.h"

namespace keel::edge {

// One attestation: Attestor::Attest in the agent.
using AttestFn = std::function<Result<attest::Verdict>()>;

struct AttestationWorkerOptions {
  int64_t interval_ms = 300'000;  // [attest] interval_s
  int64_t retry_min_ms = 1'000;
  int64_t retry_max_ms = 60'000;
};

struct AttestationStats {
  uint64_t attempts = 0;     // quotes attempted
  uint64_t trusted = 0;      // verdicts "trusted"
  uint64_t quarantined = 0;  // verdicts "quarantined"
  uint64_t failures = 0;     // attempts without a verdict
  std::optional<attest::Verdict> last_verdict;
};

class AttestationWorker {
 public:
  // `clock` and `random` (the jitter) must outlive the worker; `device`
  // names the device in logs. `attest` is called on one thread at a time.
  AttestationWorker(AttestFn attest, const Clock& clock, Random& random,
                    AttestationWorkerOptions options, std::string device);
  ~AttestationWorker();
  AttestationWorker(const AttestationWorker&) = delete;
  AttestationWorker& operator=(const AttestationWorker&) = delete;

  // Attest at the next turn (`why` is logged: "connect", "install", ...).
  // Never blocks on an attestation in progress.
  void Request(std::string_view why);

  // Attests if one is requested, the periodic one is due, or a retry is
  // due; returns whether it attested (successfully or not).
  bool RunDue();

  // Runs turns on a thread of its own until Stop(). Stop is idempotent and
  // waits for an attestation in progress.
  void Start();
  void Stop();

  AttestationStats stats() const;

 private:
  const AttestFn attest_;
  const Clock& clock_;
  Random& random_;
  const AttestationWorkerOptions options_;
  const std::string device_;

  mutable std::mutex mu_;
  std::condition_variable wake_;
  std::string requested_;  // why; empty: nothing requested
  int64_t next_due_ms_;    // monotonic: the periodic attestation or the retry
  int64_t backoff_ms_ = 0;
  bool stopping_ = false;
  AttestationStats stats_;
  std::mutex run_mu_;  // one attestation at a time
  std::thread thread_;
};

}  // namespace keel::edge
