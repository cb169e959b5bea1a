#include "hub/broker/broker_supervisor.h"

#include <signal.h>
#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <system_error>
#include <thread>

#include "common/files.h"
#include "common/logging.h"
#include "hub/broker/broker_process.h"

namespace keel::hub {
namespace {

using namespace broker_internal;

constexpr int64_t kStartTimeoutMs = 10'000;
constexpr int64_t kStopTimeoutMs = 5'000;
constexpr int64_t kFirstBackoffMs = 200;
constexpr int64_t kMaxBackoffMs = 5'000;
constexpr int64_t kHealthyUptimeMs = 10'000;
// mosquitto logs this once every listener (including its TLS key) is set up;
// the socket itself starts accepting earlier.
constexpr std::string_view kRunningMarker = " running\n";

bool FileExists(const std::filesystem::path& path) {
  std::error_code ec;
  return !path.empty() && std::filesystem::exists(path, ec);
}

void ReapBlocking(pid_t pid) {
  while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
  }
}

// A mosquitto left running by a hub that was killed (SIGKILL leaves its
// child behind) still holds the port. It is ours if its command line names
// our config file: stop it gracefully, so it saves its persistence file
// (queued messages for the hub's session) before the new one loads it.
void StopStaleBroker(const BrokerConfig& config) {
  auto pid_text = ReadFile(BrokerPidPath(config));
  if (!pid_text.ok()) return;
  const pid_t pid = static_cast<pid_t>(std::atol(pid_text->c_str()));
  if (pid <= 1) return;
  auto cmdline = ReadFile("/proc/" + std::to_string(pid) + "/cmdline");
  if (!cmdline.ok() || cmdline->find(BrokerConfigPath(config).string()) == std::string::npos) {
    return;
  }
  spdlog::warn("broker: stopping mosquitto pid {} left by an earlier hub", pid);
  ::kill(pid, SIGTERM);
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(kStopTimeoutMs);
  while (::kill(pid, 0) == 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (::kill(pid, 0) == 0) ::kill(pid, SIGKILL);
  while (::kill(pid, 0) == 0 &&
         std::chrono::steady_clock::now() < deadline + std::chrono::seconds(2)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

}  // namespace

BrokerSupervisor::BrokerSupervisor(BrokerConfig config, const Clock& clock)
    : config_(std::move(config)), clock_(clock) {}

BrokerSupervisor::~BrokerSupervisor() { Stop(); }

int BrokerSupervisor::pid() const {
  std::lock_guard lock(mu_);
  return pid_;
}

uint64_t BrokerSupervisor::restarts() const {
  std::lock_guard lock(mu_);
  return restarts_;
}

Status BrokerSupervisor::SpawnLocked() {
  std::error_code ec;
  const auto log_size = std::filesystem::file_size(BrokerLogPath(config_), ec);
  log_offset_ = ec ? 0 : static_cast<uint64_t>(log_size);
  auto pid = SpawnMosquitto(config_);
  if (!pid.ok()) return pid.status();
  pid_ = *pid;
  ++generation_;
  changed_.notify_all();
  const Status written = WriteFileAtomic(BrokerPidPath(config_), std::to_string(pid_) + "\n",
                                         std::filesystem::perms(0644));
  if (!written.ok()) spdlog::warn("broker: {}", written.ToString());
  return Status::Ok();
}

Status BrokerSupervisor::WaitUntilListening(pid_t pid, uint64_t log_offset, int64_t timeout_ms) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  const std::string where = config_.bind_address + ":" + std::to_string(config_.port);
  for (;;) {
    if (auto exited = ExitedWithoutReaping(pid)) {
      return Status::Unavailable("broker: mosquitto (pid " + std::to_string(pid) + ") " + *exited +
                                 " before listening on " + where + "; log tail:\n" +
                                 FileTail(BrokerLogPath(config_), 10));
    }
    if (PortAccepting(config_.bind_address, config_.port) &&
        LogContainsSince(BrokerLogPath(config_), log_offset, kRunningMarker)) {
      return Status::Ok();
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      return Status::Unavailable("broker: mosquitto (pid " + std::to_string(pid) +
                                 ") is not listening on " + where + " after " +
                                 std::to_string(timeout_ms) + " ms; log tail:\n" +
                                 FileTail(BrokerLogPath(config_), 10));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

void BrokerSupervisor::KillAndReap(pid_t pid) {
  ::kill(pid, SIGKILL);
  ReapBlocking(pid);
}

Status BrokerSupervisor::Start() {
  std::lock_guard lock(mu_);
  if (running_) return Status::FailedPrecondition("broker: already running");
  StopStaleBroker(config_);
  KEEL_RETURN_IF_ERROR(CheckPortFree(config_.bind_address, config_.port));
  KEEL_RETURN_IF_ERROR(WriteMosquittoConfig(config_));
  crl_in_use_ = FileExists(config_.crl_file);
  KEEL_RETURN_IF_ERROR(SpawnLocked());
  const Status listening = WaitUntilListening(pid_, log_offset_, kStartTimeoutMs);
  if (!listening.ok()) {
    KillAndReap(pid_);
    pid_ = -1;
    return listening;
  }
  running_ = true;
  stopping_ = false;
  restarts_ = 0;
  monitor_ = std::thread([this] { Monitor(); });
  spdlog::info("broker: mosquitto pid {} listening on {}:{}", pid_, config_.bind_address,
               config_.port);
  return Status::Ok();
}

void BrokerSupervisor::Monitor() {
  int64_t backoff_ms = kFirstBackoffMs;
  int64_t started_ms = clock_.MonotonicMs();
  for (;;) {
    pid_t pid;
    {
      std::lock_guard lock(mu_);
      pid = pid_;
    }
    if (pid > 0) {
      siginfo_t info{};
      while (::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOWAIT) != 0 &&
             errno == EINTR) {
      }
      std::lock_guard lock(mu_);
      ReapBlocking(pid);
      pid_ = -1;
      changed_.notify_all();
      if (stopping_) return;
      if (restart_requested_) {
        restart_requested_ = false;
        const Status spawned = SpawnLocked();
        if (spawned.ok()) {
          started_ms = clock_.MonotonicMs();
          continue;
        }
        spdlog::error("{}", spawned.ToString());
      } else {
        ++restarts_;
        spdlog::warn("broker: mosquitto pid {} {} unexpectedly; restarting", pid,
                     info.si_code == CLD_EXITED
                         ? "exited with status " + std::to_string(info.si_status)
                         : "was killed by signal " + std::to_string(info.si_status));
        if (clock_.MonotonicMs() - started_ms >= kHealthyUptimeMs) backoff_ms = kFirstBackoffMs;
      }
    }
    for (int64_t slept = 0; slept < backoff_ms;) {
      {
        std::lock_guard lock(mu_);
        if (stopping_) return;
      }
      const int64_t step = std::min<int64_t>(50, backoff_ms - slept);
      clock_.SleepMs(step);
      slept += step;
    }
    backoff_ms = std::min(backoff_ms * 2, kMaxBackoffMs);
    std::lock_guard lock(mu_);
    if (stopping_) return;
    const Status spawned = SpawnLocked();
    if (!spawned.ok()) spdlog::error("{}", spawned.ToString());
    started_ms = clock_.MonotonicMs();
  }
}

Status BrokerSupervisor::Reload() {
  std::unique_lock lock(mu_);
  if (!running_ || stopping_ || pid_ <= 0) {
    return Status::FailedPrecondition("broker: cannot reload, mosquitto is not running");
  }
  const bool crl_now = FileExists(config_.crl_file);
  if (crl_now == crl_in_use_) {
    if (::kill(pid_, SIGHUP) != 0) {
      return Status::Internal("broker: SIGHUP to pid " + std::to_string(pid_) + " failed");
    }
    return Status::Ok();
  }
  KEEL_RETURN_IF_ERROR(WriteMosquittoConfig(config_));
  crl_in_use_ = crl_now;
  restart_requested_ = true;
  const uint64_t generation = generation_;
  ::kill(pid_, SIGTERM);
  const bool respawned =
      changed_.wait_for(lock, std::chrono::milliseconds(kStopTimeoutMs + kStartTimeoutMs),
                        [&] { return stopping_ || (generation_ != generation && pid_ > 0); });
  if (!respawned || stopping_) {
    return Status::Unavailable("broker: mosquitto did not come back after a config reload");
  }
  const pid_t pid = pid_;
  const uint64_t log_offset = log_offset_;
  lock.unlock();
  return WaitUntilListening(pid, log_offset, kStartTimeoutMs);
}

void BrokerSupervisor::Stop() {
  std::unique_lock lock(mu_);
  if (!running_) return;
  if (stopping_) {
    changed_.wait(lock, [&] { return !running_; });
    return;
  }
  stopping_ = true;
  if (pid_ > 0) ::kill(pid_, SIGTERM);
  if (!changed_.wait_for(lock, std::chrono::milliseconds(kStopTimeoutMs),
                         [&] { return pid_ <= 0; })) {
    spdlog::warn("broker: mosquitto pid {} ignored SIGTERM; sending SIGKILL", pid_);
    ::kill(pid_, SIGKILL);
  }
  lock.unlock();
  if (monitor_.joinable()) monitor_.join();
  lock.lock();
  running_ = false;
  stopping_ = false;
  restart_requested_ = false;
  changed_.notify_all();
  std::error_code ec;
  std::filesystem::remove(BrokerPidPath(config_), ec);
}

}  // namespace keel::hub
