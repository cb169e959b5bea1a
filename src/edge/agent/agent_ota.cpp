// The agent's part in rollouts ([ota], docs/ota.md "Device rollout
// participation"): the OTA thread, the model hot swap and the KPIs it
// reports. Declared in agent.h.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>

#include "edge/agent/agent.h"
#include "edge/agent/analytics_setup.h"
#include "edge/agent/identity.h"
#include "edge/ota/config_install.h"
#include "edge/ota/https_update_source.h"
#include "edge/ota/poll_transport.h"
#include "edge/supervisor/health_notifier.h"

namespace keel::edge {
namespace {

// An UpdateSource whose transfers stop (Unavailable, so the bytes received
// are kept and resumed on the next start) once `stopping` is set, so that
// Agent::Stop does not wait for a large download.
class StoppableSource final : public ota::UpdateSource {
 public:
  StoppableSource(std::unique_ptr<ota::UpdateSource> inner, const std::atomic<bool>& stopping)
      : inner_(std::move(inner)), stopping_(stopping) {}

  Result<std::string> FetchMetadata(std::string_view file, size_t max_bytes) override {
    return inner_->FetchMetadata(file, max_bytes);
  }
  Status FetchTarget(std::string_view name, int64_t offset,
                     const std::function<Status(std::string_view)>& sink) override {
    return inner_->FetchTarget(name, offset, [&](std::string_view chunk) {
      if (stopping_) return Status::Unavailable("the agent is stopping");
      return sink(chunk);
    });
  }

 private:
  std::unique_ptr<ota::UpdateSource> inner_;
  const std::atomic<bool>& stopping_;
};

}  // namespace

void Agent::StartOta() {
  auto root = LoadUpdateRoot(config_.device.dir);
  if (!root.ok()) {
    spdlog::error("{}: ota: {}; rollouts are off", device_id(), root.status().ToString());
    return;
  }
  const IdentityPaths identity(config_.device.dir);
  if (!config_.ota.enabled.value_or(root->has_value())) {
    spdlog::info("{}: ota: off ({})", device_id(),
                 config_.ota.enabled ? "[ota] enabled = false"
                                     : identity.update_root.string() + " does not exist");
    return;
  }
  if (!root->has_value()) {
    spdlog::error(
        "{}: ota: [ota] enabled = true, but {} does not exist (enroll with a hub that "
        "has signed updates set up); rollouts are off",
        device_id(), identity.update_root.string());
    return;
  }
  const ota::HubHttpsOptions https{config_.hub.api, identity.ca, identity.cert, identity.key};
  ota_hub_ = std::make_shared<ota::HubConnection>(https, clock_);
  ota_source_ = std::make_unique<StoppableSource>(
      std::make_unique<ota::HttpsUpdateSource>(ota_hub_), ota_stopping_);
  ota_transport_ = std::make_unique<ota::HttpsPollTransport>(ota_hub_);
  ota::OtaManagerOptions options;
  // A configuration built in code (keel-sim) may leave the directory unset.
  options.dir = config_.ota.dir.empty() ? config_.device.dir / "ota" : config_.ota.dir;
  options.pinned_root = **root;
  // Where `keel-edge supervise --state-dir <device.dir>` keeps the agent's
  // slots; read before the first broker connection, which consumes the
  // supervisor's descriptor.
  options.agent_slots_dir = config_.device.dir / "ota" / "agent";
  options.local_config = config_.file;
  options.supervised = std::getenv(std::string(supervisor::kSupervisorFdEnv).c_str()) != nullptr;
  options.model_soak_ms = config_.ota.model_soak_s * 1000;
  options.connected_since_ms = [this] { return connected_since_ms_.load(); };
  options.request_restart = [this] {
    restart_requested_ = true;
    spdlog::info("{}: ota: restart requested (exit {})", device_id(),
                 supervisor::kRestartRequested);
  };
  auto manager = ota::OtaManager::Open(
      PosixFileSystem(), clock_, *ota_source_, *ota_transport_, std::move(options),
      [this] { return KpiTotals(); },
      [this](const ota::Slot* slot) { return OnModelChanged(slot); });
  if (!manager.ok()) {
    spdlog::error("{}: ota: {}; rollouts are off", device_id(), manager.status().ToString());
    return;
  }
  ota_ = std::move(manager).value();
  spdlog::info("{}: ota: polling {} every {} s", device_id(), config_.hub.api.ToString(),
               config_.ota.poll_interval_s);

  // A model installed through a rollout replaces [analytics] model.
  auto slot = ota_->model_slots().Current();
  if (!config_.analytics || !slot.ok()) return;
  analytics::AnalyticsConfig with_slot = *config_.analytics;
  with_slot.model_dir = slot->dir;
  auto built = BuildAnalytics(with_slot, channels_);
  if (!built.ok() && ota_->model_soaking()) {
    // A model on trial this agent cannot run must not be committed by its soak.
    const Status rolled_back =
        ota_->RollBackModelTrial("the agent cannot run it: " + built.status().message());
    if (!rolled_back.ok()) {
      spdlog::error("{}: ota: rolling back model {} {}: {}", device_id(), slot->manifest.name,
                    slot->manifest.version, rolled_back.ToString());
    }
    return;  // the previous model, if any, was handed over; Start builds [analytics] meanwhile
  }
  if (!built.ok()) {
    spdlog::error(
        "{}: ota: the installed model {} {} cannot run here ({}); using [analytics] model",
        device_id(), slot->manifest.name, slot->manifest.version, built.status().ToString());
    return;
  }
  spdlog::info("{}: model {} {} (installed by a rollout)", device_id(), slot->manifest.name,
               slot->manifest.version);
  analytics_ = std::move(built).value();
  RecordModelLoad(slot->dir, "");
}

void Agent::OtaLoop() {
  int64_t next_poll_ms = clock_.MonotonicMs();  // the first poll at once
  std::unique_lock lock(mu_);
  while (!stopping_) {
    int64_t now = clock_.MonotonicMs();
    if (config_trial_ && !config_trial_resolved_) {
      const int64_t since = connected_since_ms_;
      const bool soaked = since >= 0 && now - since >= config_.ota.config_soak_s * 1000;
      const bool timed_out =
          !soaked && now - started_ms_ >= config_.ota.config_health_timeout_s * 1000;
      if ((soaked || timed_out) && !config_trial_resolved_.exchange(true)) {
        lock.unlock();  // files and fsyncs: not under mu_
        if (soaked) {
          CommitConfigTrial();
        } else {
          RollBackConfigTrial();
        }
        lock.lock();
        now = clock_.MonotonicMs();
      }
    }
    if (ota_->model_soaking() && !restart_requested_) {
      lock.unlock();  // reads the KPIs (mu_), may write the slots
      const auto decided = ota_->CheckModelSoak();
      lock.lock();
      if (!decided.ok()) spdlog::warn("{}: ota: {}", device_id(), decided.status().ToString());
      if (decided.ok() && *decided) ota_poll_now_ = true;  // report it now
      now = clock_.MonotonicMs();
    }
    if (ota_poll_now_.exchange(false)) next_poll_ms = now;  // e.g. a configuration committed
    if (now < next_poll_ms) {
      wake_.wait_for(lock, std::chrono::milliseconds(std::min<int64_t>(next_poll_ms - now, 100)));
      continue;
    }
    if (ota_->restart_requested() || restart_requested_) {  // the next binary or start carries on
      wake_.wait_for(lock, std::chrono::milliseconds(100));
      continue;
    }
    lock.unlock();
    const Status stepped = ota_->Step();
    ota_hub_->Close();  // no connection held between polls
    int64_t interval_ms = config_.ota.poll_interval_s * 1000;
    if (stepped.ok()) {
      interval_ms = std::max(interval_ms, ota_->poll_after_ms());  // the hub may ask for longer
    } else {
      spdlog::warn("{}: ota: {}", device_id(), stepped.ToString());
    }
    next_poll_ms = clock_.MonotonicMs() + interval_ms;
    lock.lock();
  }
}

void Agent::CommitConfigTrialWhenHealthy(std::filesystem::path slots_dir,
                                         ota::SlotManifest overlay) {
  config_trial_.emplace(std::move(slots_dir), std::move(overlay));
}

void Agent::CommitConfigTrial() {
  const auto& [slots_dir, overlay] = *config_trial_;
  const Status committed = ota::CommitConfigTrial(PosixFileSystem(), slots_dir, overlay);
  if (!committed.ok()) {
    // Stays on trial: the next start counts again (and rolls back after 3).
    spdlog::error("{}: ota: committing configuration {} {}: {}", device_id(), overlay.name,
                  overlay.version, committed.ToString());
    return;
  }
  spdlog::info("{}: ota: configuration {} {} committed (healthy)", device_id(), overlay.name,
               overlay.version);
  ota_poll_now_ = true;
  wake_.notify_all();
}

void Agent::RollBackConfigTrial() {
  const auto& [slots_dir, overlay] = *config_trial_;
  const std::string why =
      fmt::format("not healthy within {} s (the hub's broker connection was not kept {} s)",
                  config_.ota.config_health_timeout_s, config_.ota.config_soak_s);
  const Status rolled_back = ota::RollbackConfigTrial(PosixFileSystem(), slots_dir, overlay, why);
  if (rolled_back.ok()) {
    spdlog::error("{}: ota: configuration {} {} rolled back: {}", device_id(), overlay.name,
                  overlay.version, why);
  } else {
    // Still on trial: the next start counts again (and rolls back after 3).
    spdlog::error("{}: ota: rolling back configuration {} {}: {}", device_id(), overlay.name,
                  overlay.version, rolled_back.ToString());
  }
  // Either way only a restart leaves the configuration this agent runs.
  restart_requested_ = true;
  spdlog::info("{}: ota: restart requested (exit {})", device_id(), supervisor::kRestartRequested);
}

Status Agent::OnModelChanged(const ota::Slot* slot) {
  if (!config_.analytics) {
    if (slot) {
      spdlog::info("{}: ota: model {} {} installed; without [analytics] nothing runs it",
                   device_id(), slot->manifest.name, slot->manifest.version);
    }
    return Status::Ok();
  }
  analytics::AnalyticsConfig with_slot = *config_.analytics;
  if (slot) with_slot.model_dir = slot->dir;
  KEEL_ASSIGN_OR_RETURN(auto next, BuildAnalytics(with_slot, channels_));
  std::unique_ptr<analytics::EdgeAnalytics> superseded;  // one built earlier, never swapped in
  {
    std::lock_guard lock(mu_);
    superseded = std::move(next_analytics_);
    next_analytics_ = std::move(next);
  }
  if (slot) {
    spdlog::info("{}: ota: switching to model {} {}", device_id(), slot->manifest.name,
                 slot->manifest.version);
  } else {
    spdlog::info("{}: ota: no installed model any more; switching to the configured one",
                 device_id());
  }
  // A configured built-in detector has no bundle to measure: attestation
  // then still lists the last bundle recorded (docs/ota.md, "Model soak").
  if (!with_slot.model_dir.empty()) RecordModelLoad(with_slot.model_dir, "model change");
  return Status::Ok();
}

void Agent::SwapAnalytics(std::unique_ptr<analytics::EdgeAnalytics> next,
                          analytics::AnalyticsOutput* pending) {
  if (!analytics_) return;     // cannot happen: next is only built with [analytics]
  analytics_->Flush(pending);  // what the old instance holds back still goes out
  std::unique_ptr<analytics::EdgeAnalytics> old;
  {
    std::lock_guard lock(analytics_mu_);
    windows_before_swap_ += analytics_->stats().windows;
    old = std::move(analytics_);
    analytics_ = std::move(next);
  }
  old.reset();  // outside the lock: joins its action workers
  std::lock_guard lock(mu_);
  ++stats_.model_swaps;
}

wire::DeviceKpis Agent::KpiTotals() const {
  wire::DeviceKpis kpis;
  {
    std::lock_guard lock(analytics_mu_);
    uint64_t windows = windows_before_swap_;
    if (analytics_) {
      const analytics::AnalyticsStats s = analytics_->stats();
      windows += s.windows;
      kpis.latency_p99_us = s.decision_latency.p99_us;
    }
    kpis.windows = static_cast<int64_t>(windows);
  }
  std::lock_guard lock(mu_);
  kpis.anomalies = static_cast<int64_t>(stats_.anomalies_raised);
  kpis.inference_errors = static_cast<int64_t>(stats_.analytics_errors);
  return kpis;
}

}  // namespace keel::edge
