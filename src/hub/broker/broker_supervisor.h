// BrokerSupervisor: runs one mosquitto process for keel-hub and keeps it up.
#pragma once

#include <sys/types.h>

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

#include "common/clock.h"
#include "common/status.h"
#include "hub/broker/broker_config.h"

namespace keel::hub {

// Thread-safe; every method may be called from any thread. The destructor
// calls Stop(). Backoff sleeps use the injected Clock (tests that restart the
// broker use the real clock); timeouts for "is the port accepting" and
// "did SIGTERM work" are wall-clock waits on real sockets and processes.
class BrokerSupervisor {
 public:
  BrokerSupervisor(BrokerConfig config, const Clock& clock);
  ~BrokerSupervisor();
  BrokerSupervisor(const BrokerSupervisor&) = delete;
  BrokerSupervisor& operator=(const BrokerSupervisor&) = delete;

  // Writes the configuration (WriteMosquittoConfig), spawns
  // `mosquitto -c dir/mosquitto.conf` (stdout/stderr appended to
  // dir/mosquitto.log, own process group), writes dir/mosquitto.pid and
  // returns once the TLS port accepts TCP connections and mosquitto has
  // logged "mosquitto version ... running" (it opens its socket before it
  // loads the TLS key, so an open port alone proves little). Then a monitor thread
  // restarts the broker whenever it exits unexpectedly (backoff 200 ms,
  // doubling to 5 s, reset after 10 s of uptime).
  // Errors: FailedPrecondition if already running or the port is in use;
  // InvalidArgument/IoError from writing the config; Unavailable if the
  // broker exits or does not listen within 10 s (message includes the tail
  // of the broker log). On error no process is left behind.
  Status Start();

  // Makes the running broker re-read its CRL and the plugin its revoked-ids
  // file (SIGHUP). If crl_file appeared or disappeared since the broker was
  // started, the config is rewritten and the broker restarted instead (a
  // running mosquitto cannot add a crlfile); this returns once the new
  // broker accepts connections and does not count in restarts().
  // FailedPrecondition when not running.
  Status Reload();

  // SIGTERM, then SIGKILL after 5 s; reaps the process and joins the
  // monitor. Idempotent.
  void Stop();

  // The broker's pid, or -1 when not running (e.g. during a restart backoff).
  int pid() const;
  // Unexpected exits recovered by the monitor since Start().
  uint64_t restarts() const;

 private:
  Status SpawnLocked();
  // OK once `pid` accepts TCP connections and has logged that it is running
  // (in the log after byte `log_offset`).
  Status WaitUntilListening(pid_t pid, uint64_t log_offset, int64_t timeout_ms);
  void Monitor();
  void KillAndReap(pid_t pid);

  const BrokerConfig config_;
  const Clock& clock_;

  mutable std::mutex mu_;
  std::condition_variable changed_;
  pid_t pid_ = -1;  // a live (or unreaped) child, or -1
  bool running_ = false;
  bool stopping_ = false;
  bool restart_requested_ = false;
  bool crl_in_use_ = false;
  uint64_t restarts_ = 0;
  uint64_t generation_ = 0;  // incremented on every spawn
  uint64_t log_offset_ = 0;  // size of the broker log at the last spawn
  std::thread monitor_;
};

}  // namespace keel::hub
