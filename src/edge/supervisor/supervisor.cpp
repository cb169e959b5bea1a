#include "edge/supervisor/supervisor.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <optional>

#include "edge/ota/slot_store.h"
#include "edge/supervisor/health_notifier.h"

namespace keel::edge::supervisor {
namespace {

// How long a committed child is waited for between checks; nothing depends
// on it but how often the loop turns.
constexpr int64_t kIdleWaitMs = 60'000;

std::string DurationText(int64_t ms) {
  return ms % 1000 == 0 ? fmt::format("{} s", ms / 1000) : fmt::format("{} ms", ms);
}

std::string ExitText(const ChildEvent& e) {
  return e.signal != 0 ? fmt::format("was killed by signal {}", e.signal)
                       : fmt::format("exited with status {}", e.exit_code);
}

}  // namespace

struct Supervisor::Launch {
  std::optional<ota::SlotStore> store;  // set when a slot runs
  std::filesystem::path program;
  bool on_trial = false;
  std::string what;  // for the log: "agent keel-edge 1.2.0 (slot b, trial start 1 of 3)"
};

void Supervisor::Run() {
  int64_t backoff_ms = 0;
  while (true) {
    Launch launch = Choose();
    const int64_t started_ms = clock_->MonotonicMs();
    Ending ending = Ending::kCrashed;
    if (Status s = children_->Start(launch.program, options_.agent_args); !s.ok()) {
      spdlog::error("supervise: starting {}: {}", launch.what, s.ToString());
    } else {
      spdlog::info("supervise: started {}", launch.what);
      ending = Watch(launch);
    }
    if (ending == Ending::kStop) return;
    if (ending == Ending::kRolledBack) {
      backoff_ms = 0;
      continue;
    }
    if (ending == Ending::kRestartNow) {
      if (TrialPending()) {
        backoff_ms = 0;
        continue;
      }
      spdlog::warn("supervise: the agent asked to be restarted, but no new agent is on trial");
    }
    // A trial that crashed starts again at once: RecordStart counts it.
    if (launch.on_trial) continue;
    if (clock_->MonotonicMs() - started_ms >= options_.stable_run_ms) backoff_ms = 0;
    backoff_ms = backoff_ms == 0 ? options_.backoff_min_ms
                                 : std::min(backoff_ms * 2, options_.backoff_max_ms);
    spdlog::warn("supervise: restarting in {}", DurationText(backoff_ms));
    if (children_->Wait(backoff_ms).kind == ChildEvent::Kind::kStopRequested) return;
  }
}

Supervisor::Launch Supervisor::Choose() {
  Launch fallback;
  fallback.program = options_.fallback_program;
  fallback.what = "the fallback agent " + options_.fallback_program.string();
  auto store = ota::SlotStore::Open(*fs_, options_.slots_dir, options_.max_attempts);
  if (!store.ok()) {
    spdlog::error("supervise: agent slots: {}; running the fallback", store.status().ToString());
    return fallback;
  }
  if (store->status().trial) {
    Result<bool> goes_on = store->RecordStart();
    if (!goes_on.ok()) {
      // An uncounted start could crash-loop forever: the trial does not run
      // this time, the committed slot (the other one) does if there is one.
      spdlog::error("supervise: cannot count the trial's start: {}", goes_on.status().ToString());
      return CommittedInsteadOfTrial(*store).value_or(fallback);
    }
    if (!*goes_on) spdlog::warn("supervise: {}", store->status().last_result);
  }
  Result<ota::Slot> slot = store->Current();
  if (!slot.ok()) {
    if (slot.status().code() != StatusCode::kNotFound) {
      spdlog::error("supervise: {}; running the fallback", slot.status().ToString());
    }
    return fallback;
  }
  if (!slot->manifest.files.contains(kAgentFileName)) {
    spdlog::error("supervise: slot {} in {} has no {}; running the fallback", slot->id,
                  options_.slots_dir.string(), kAgentFileName);
    return fallback;
  }
  Launch launch;
  const ota::SlotStatus status = store->status();
  launch.on_trial = status.trial.has_value();
  launch.program = slot->dir / kAgentFileName;
  launch.what = fmt::format(
      "agent {} {} (slot {}{})", slot->manifest.name, slot->manifest.version, slot->id,
      launch.on_trial
          ? fmt::format(", trial start {} of {}", status.trial_attempts, options_.max_attempts)
          : "");
  launch.store = std::move(store).value();
  return launch;
}

Supervisor::Ending Supervisor::Watch(Launch& launch) {
  const int64_t deadline_ms = clock_->MonotonicMs() + options_.healthy_timeout_ms;
  std::optional<int64_t> soak_end_ms;  // set by the health line of a trial
  const auto commit = [&] {
    // Without a durable commit the trial stays a trial on disk (the next
    // start is counted); this child is healthy, so it keeps running.
    launch.on_trial = false;
    if (Status s = launch.store->Commit(); !s.ok()) {
      spdlog::error("supervise: {} is healthy but the commit failed: {}", launch.what,
                    s.ToString());
    } else {
      spdlog::info("supervise: {}", launch.store->status().last_result);
    }
  };
  while (true) {
    const int64_t until_ms = soak_end_ms.value_or(deadline_ms);
    const int64_t timeout_ms =
        launch.on_trial ? std::max<int64_t>(until_ms - clock_->MonotonicMs(), 0) : kIdleWaitMs;
    const ChildEvent event = children_->Wait(timeout_ms);
    switch (event.kind) {
      case ChildEvent::Kind::kStopRequested:
        spdlog::info("supervise: stopping {}", launch.what);
        children_->Stop(options_.stop_grace_ms);
        return Ending::kStop;
      case ChildEvent::Kind::kHealthy:
        if (!launch.on_trial || soak_end_ms) break;
        if (options_.soak_ms <= 0) {
          commit();
          break;
        }
        soak_end_ms = clock_->MonotonicMs() + options_.soak_ms;
        spdlog::info("supervise: {} is healthy; committed if it keeps running {}", launch.what,
                     DurationText(options_.soak_ms));
        break;
      case ChildEvent::Kind::kExited:
        if (event.exit_code == kRestartRequested && !launch.on_trial) return Ending::kRestartNow;
        spdlog::warn("supervise: {} {}{}", launch.what, ExitText(event),
                     !launch.on_trial ? ""
                     : soak_end_ms    ? " during its soak, before the commit"
                                      : " before it reported healthy");
        return Ending::kCrashed;
      case ChildEvent::Kind::kTimedOut:
        if (!launch.on_trial || clock_->MonotonicMs() < until_ms) break;
        if (soak_end_ms) {
          commit();
          break;
        }
        children_->Stop(options_.stop_grace_ms);
        if (Status s = launch.store->Rollback("not healthy within " +
                                              DurationText(options_.healthy_timeout_ms));
            !s.ok()) {
          spdlog::error("supervise: rolling back {}: {}", launch.what, s.ToString());
        } else {
          spdlog::warn("supervise: {}", launch.store->status().last_result);
        }
        return Ending::kRolledBack;
    }
  }
}

std::optional<Supervisor::Launch> Supervisor::CommittedInsteadOfTrial(
    const ota::SlotStore& store) const {
  const ota::SlotStatus status = store.status();
  Result<ota::Slot> trial = store.Current();
  if (!status.active || !trial.ok() || !status.active->files.contains(kAgentFileName)) {
    return std::nullopt;
  }
  // SlotStore's layout: the committed slot is the other of slot-a, slot-b.
  const std::string id = trial->id == "a" ? "b" : "a";
  Launch launch;
  launch.program = options_.slots_dir / ("slot-" + id) / kAgentFileName;
  launch.what = fmt::format("agent {} {} (slot {}, instead of the trial)", status.active->name,
                            status.active->version, id);
  return launch;
}

bool Supervisor::TrialPending() const {
  auto store = ota::SlotStore::Open(*fs_, options_.slots_dir, options_.max_attempts);
  return store.ok() && store->status().trial.has_value();
}

}  // namespace keel::edge::supervisor
