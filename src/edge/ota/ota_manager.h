// OtaManager: the device's participant in the hub's rollouts (docs/ota.md,
// "Device rollout participation"). One Step() per poll:
//
//   1. refresh the signed update metadata (Updater; a failure is logged and
//      the poll goes on, so reports still flow)
//   2. poll the hub (PollTransport) with the installed versions, the KPIs
//      counted since the last answered poll, and the oldest unacknowledged
//      reports (ReportQueue)
//   3. drop the reports the hub acknowledged
//   4. carry out each directive not carried out yet:
//        model install: report "installing", InstallModel (deltas, health
//          gate, automatic rollback), hand the new slot to the agent
//          (ModelChanged), report "committed", "rolled_back" (reason: the
//          slots' last_result) or "failed" (the error); a download cut by
//          the network (Unavailable) is retried on the next poll. With
//          options.model_soak_ms the model that passed its health check
//          runs on trial first and is reported only when its soak ends
//          (CheckModelSoak: "committed", or "rolled_back" with the reason)
//        install of the version active (any kind): "committed, already
//          installed" when its files are the signed ones, else installed
//          again as above (a remediation after attestation)
//        model revert: SlotStore::Revert, hand the slot to the agent, report
//          "reverted" ("not installed" when the version is not the active one);
//          a revert of the version on trial rolls the trial back
//        agent install (only under `keel-edge supervise`): report
//          "installing", InstallAgentBinary (the new binary goes on trial),
//          then ask the agent to exit with kRestartRequested; the final report
//          ("committed" once the supervisor committed the trial, "rolled_back"
//          when it rolled it back) is made by whichever binary runs next
//        agent revert: SlotStore::Revert of the agent slots, report
//          "reverted", ask for a restart (the supervisor runs the active slot)
//        config install (only under `keel-edge supervise`): report
//          "installing", InstallConfig (validated against the local
//          configuration file, then on trial in <dir>/config), ask for a
//          restart; the agent that starts next counts the trial, commits it
//          once healthy (edge/ota/config_install.h), and its manager reports
//          "committed" or "rolled_back" as for agent binaries
//        config revert: SlotStore::Revert of the config slots, report
//          "reverted", ask for a restart (the agent starts with the previous
//          configuration)
//        other kinds: report "failed", not supported by this agent yet
//      an install still "installing" (download cut) that the hub no longer
//      directs (cancelled, superseded) is reported "failed"
//
// Exactly once: every report is added to the queue, durably and together
// with the directive's progress, before the next action, and a directive
// whose last report is final is never acted on again. Open() resolves what a
// kill interrupted: a model slot on trial is started and health-checked as
// InstallModel does (RecordStart, then Commit or Rollback), and a directive
// whose "installing" has no final report gets one from the slots' state
// ("committed", "rolled_back", or "failed: interrupted"); the final report of
// an agent or config install comes from its slots, decided after the restart
// (by the supervisor, or by the agent started with the configuration).
//
// Model soak (options.model_soak_ms > 0, [ota] model_soak_s). A model that
// passed its health check is handed to the agent on trial; it is committed
// once the agent has kept its broker connection for model_soak_ms without a
// break, counted from when the model was handed over, with no inference
// error since (KpiTotals::inference_errors); the first new error rolls it
// back. A restart during the soak (a crash, a kill, a power cut) is a start
// of the trial: Open counts it (RecordStart, so 3 starts without a commit
// roll it back), runs the health check again, and the soak starts over; the
// directive's report stays "installing" until the soak ends. While a model
// soaks, other model install directives wait; the soaking install no longer
// directed by the hub (superseded, or the deployment rolls back) rolls the
// trial back and ends "failed".
//
// Layout under options.dir: metadata/, downloads/ (Updater), model/ (the
// model SlotStore), config/ (the configuration SlotStore, opened afresh for
// every use since the agent commits its trial), reports.json (ReportQueue).
// Not thread-safe: one thread (the agent's OTA thread) owns it after Open.
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "common/clock.h"
#include "common/filesystem.h"
#include "common/status.h"
#include "edge/model/model_health.h"
#include "edge/ota/poll_transport.h"
#include "edge/ota/report_queue.h"
#include "edge/ota/slot_store.h"
#include "edge/ota/update_source.h"
#include "edge/ota/updater.h"
#include "wire/ota_messages.h"

namespace keel::edge::ota {

struct OtaManagerOptions {
  std::filesystem::path dir;  // the device's OTA state directory
  std::string pinned_root;    // root.json pinned at enrollment (update-root.json)
  model::HealthCheckOptions health;
  // The agent binary's slots, shared with `keel-edge supervise` (which writes
  // them too; opened afresh for every use): <device.dir>/ota/agent. Empty:
  // agent directives are reported failed.
  std::filesystem::path agent_slots_dir;
  // Whether the agent runs under `keel-edge supervise`; without a supervisor
  // nothing would start an installed binary, so agent installs are refused.
  bool supervised = false;
  // Called (on the stepping thread) when an agent binary was put on trial or
  // reverted: the agent should exit with kRestartRequested. No further
  // directive is carried out by this manager afterwards.
  std::function<void()> request_restart;
  // The agent's local configuration file, which configuration overlays are
  // validated against and merged with (AgentConfig::file). Empty: config
  // directives are reported failed.
  std::filesystem::path local_config;
  // [ota] model_soak_s in ms (see "Model soak" above). 0: a model is
  // committed as soon as it passes its health check (keel-sim's OtaFleet,
  // which has no broker).
  int64_t model_soak_ms = 0;
  // Monotonic ms (Clock::MonotonicMs) since which the agent has been
  // connected to the hub's broker without a break; -1 while it is not
  // connected. Null: always connected (a manager without a broker).
  std::function<int64_t()> connected_since_ms;
};

// The device's KPI totals since the agent started: counts that only grow
// (windows, anomalies, inference errors) and the current scoring latency
// p99. The manager sends the growth since the last answered poll.
using KpiTotals = std::function<wire::DeviceKpis()>;

// The model slot to run changed (an install passed its health check, a
// revert, a trial rolled back): the agent switches its analytics to the
// bundle in slot->dir, or, with a null slot (nothing installed any more), to
// the model its configuration names. An error means the agent cannot run
// that bundle and keeps what it runs; after an install the manager then
// rolls the install back and reports "rolled_back".
using ModelChanged = std::function<Status(const Slot* slot)>;

class OtaManager {
 public:
  // Opens the updater, the model slots and the report queue under
  // options.dir and resolves what a previous run left unfinished (see
  // above). `fs` must be the real file system for model installs (bundles
  // are loaded from the slot directory). `fs`, `clock`, `source` and
  // `transport` must outlive the manager.
  static Result<std::unique_ptr<OtaManager>> Open(FileSystem& fs, const Clock& clock,
                                                  UpdateSource& source, PollTransport& transport,
                                                  OtaManagerOptions options, KpiTotals kpis,
                                                  ModelChanged model_changed);

  // One poll and the directives it brings. Errors: the poll's (nothing was
  // acted on; the next Step sends the same reports again) or the local
  // disk's (IoError: a report could not be recorded, so nothing after it
  // was done).
  Status Step();

  // Ends the soak of the model on trial when it is due (see "Model soak"):
  // commits it, or rolls it back at a new inference error and hands the
  // previous model to the agent, and queues the directive's final report.
  // True when it decided (a report waits: poll soon); false while the soak
  // goes on or nothing soaks. Step calls it first; the agent's OTA thread
  // also calls it between polls. Errors: the slots' or the queue's (IoError;
  // the soak goes on and is decided again at the next call).
  Result<bool> CheckModelSoak();
  // A model is on trial, soaking.
  bool model_soaking() const { return soak_.has_value(); }
  // The agent cannot run the model on trial it started with (the bundle
  // does not build with its configuration): rolls the trial back with
  // `reason`, reports it, and hands the previous model to the agent.
  Status RollBackModelTrial(const std::string& reason);

  // When the hub asked to be polled next (ms from the last answered poll).
  int64_t poll_after_ms() const { return poll_after_ms_; }
  const SlotStore& model_slots() const { return *model_slots_; }
  const ReportQueue& reports() const { return *queue_; }
  // An agent binary or configuration install or revert asked for a restart.
  bool restart_requested() const { return restart_requested_; }

 private:
  OtaManager(FileSystem& fs, const Clock& clock, UpdateSource& source, PollTransport& transport,
             OtaManagerOptions options, KpiTotals kpis, ModelChanged model_changed);

  Status Recover();
  // Starts and health-checks a model slot left on trial (as InstallModel),
  // then commits it, or starts its soak over (model_soak_ms).
  Status FinishTrial();
  // The model on trial runs from now: its soak starts, deciding the final
  // report of directive `d` (none: a trial whose directive is not known is
  // committed unreported).
  void StartSoak(std::optional<wire::Directive> d);
  // Rolls the model trial back with `reason`, hands the slot to run now to
  // the agent and ends the soak; reports nothing.
  Status EndModelTrial(const std::string& reason);
  // The unfinished model install directive whose progress names the version
  // on trial, if any.
  std::optional<wire::Directive> TrialDirective() const;
  bool IsSoakDirective(const DirectiveKey& key) const;
  // Hands the model slot to run now to the agent (none: a null slot).
  Status HandOverCurrentModel();
  wire::PollRequest MakeRequest(wire::DeviceKpis* totals) const;
  Status Carry(const wire::Directive& d);
  Status InstallModelDirective(const wire::Directive& d, bool announced);
  Status RevertModelDirective(const wire::Directive& d);
  // Directive `d` names the version active in `slots`: whether its files
  // differ from the signed targets (InstalledMatchesSigned), so that it is
  // installed again. A check that cannot be made (expired metadata, say) is
  // logged and counts as intact.
  bool NeedsRepair(const wire::Directive& d, const SlotStore& slots) const;
  Status InstallAgentDirective(const wire::Directive& d, bool announced);
  Status InstallConfigDirective(const wire::Directive& d, bool announced);
  // An install that takes effect at the next start (agent binary,
  // configuration): `install` stages and switches the slots in `slots_dir`,
  // then a restart is requested; an install announced by an earlier run is
  // resolved from the slots' state (see ReportAfterRestart).
  struct SwitchedInstall {
    bool restart_required = false;
    std::string result;  // the slots' last_result
  };
  Status InstallThenRestart(const wire::Directive& d, bool announced,
                            const std::filesystem::path& slots_dir,
                            const std::function<Result<SwitchedInstall>(SlotStore&)>& install);
  // The final report of an install announced by an earlier run, from the
  // slots: "committed" / "rolled_back" once decided; nothing while on trial.
  // Null when the earlier attempt stopped before its switch (install again).
  std::optional<Status> ReportAfterRestart(const wire::Directive& d, const SlotStatus& status);
  // Revert of an agent binary or a configuration: SlotStore::Revert of the
  // slots in `slots_dir`, report "reverted", request a restart. With
  // `end_own_trial` (configurations: the trial is the one this agent runs
  // with, and only the agent writes those slots) a trial of the reverted
  // version is rolled back instead, so that it is never committed.
  Status RevertThenRestart(const wire::Directive& d, const std::filesystem::path& slots_dir,
                           const std::string& unsupervised, bool end_own_trial);
  Status RequestRestart();
  Status Report(const wire::Directive& d, const std::string& state, const std::string& reason);

  FileSystem& fs_;
  const Clock& clock_;
  UpdateSource& source_;
  PollTransport& transport_;
  OtaManagerOptions options_;
  KpiTotals kpis_;
  ModelChanged model_changed_;
  std::unique_ptr<Updater> updater_;
  std::unique_ptr<SlotStore> model_slots_;
  std::unique_ptr<ReportQueue> queue_;
  wire::DeviceKpis kpi_baseline_;  // totals sent in the last answered poll
  struct ModelSoak {
    std::optional<wire::Directive> directive;  // whose final report the soak decides
    int64_t started_ms = 0;                    // monotonic: the model was handed over
    int64_t errors_before = 0;                 // inference errors then (KpiTotals)
  };
  std::optional<ModelSoak> soak_;
  int64_t poll_after_ms_ = 30'000;
  bool restart_requested_ = false;
};

}  // namespace keel::edge::ota
