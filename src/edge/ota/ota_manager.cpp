#include "edge/ota/ota_manager.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "edge/model/model_bundle.h"
#include "edge/ota/agent_install.h"
#include "edge/ota/config_install.h"
#include "edge/ota/installed_check.h"
#include "edge/ota/model_install.h"

namespace keel::edge::ota {
namespace {

constexpr const char* kInstall = "install";
constexpr const char* kRevert = "revert";
constexpr const char* kNotSupported = "not supported by this agent yet";
constexpr const char* kAgentUnsupervised = "the agent does not run under keel-edge supervise";
constexpr const char* kConfigUnsupervised = "config updates need keel-edge supervise";

// The first report seq of a new queue: the wall clock in microseconds, which
// an earlier queue of the device (before a re-install) cannot have reached
// at one report per microsecond; 1 without a plausible clock (before 2020).
// A hub that holds higher seqs moves the queue past them (ReportQueue::Ack).
int64_t FirstReportSeq(const Clock& clock) {
  constexpr int64_t k2020Ms = 1'577'836'800'000;
  const int64_t now_ms = clock.NowMs();
  return now_ms < k2020Ms ? 1 : now_ms * 1000;
}

// The health gate of a bundle in `dir`, as InstallModel runs it.
Status CheckBundle(const std::filesystem::path& dir, const model::HealthCheckOptions& health) {
  KEEL_ASSIGN_OR_RETURN(model::LoadedModel loaded, model::LoadModelBundle(dir));
  if (loaded.manifest.backend != model::Backend::kOnnx) return Status::Ok();
  return model::CheckModelHealth(loaded, health);
}

bool IsActive(const SlotStatus& status, const std::string& name, const std::string& version) {
  return status.active && status.active->name == name && status.active->version == version;
}

int64_t Growth(int64_t total, int64_t baseline) { return std::max<int64_t>(total - baseline, 0); }

}  // namespace

OtaManager::OtaManager(FileSystem& fs, const Clock& clock, UpdateSource& source,
                       PollTransport& transport, OtaManagerOptions options, KpiTotals kpis,
                       ModelChanged model_changed)
    : fs_(fs),
      clock_(clock),
      source_(source),
      transport_(transport),
      options_(std::move(options)),
      kpis_(std::move(kpis)),
      model_changed_(std::move(model_changed)) {}

Result<std::unique_ptr<OtaManager>> OtaManager::Open(FileSystem& fs, const Clock& clock,
                                                     UpdateSource& source, PollTransport& transport,
                                                     OtaManagerOptions options, KpiTotals kpis,
                                                     ModelChanged model_changed) {
  std::unique_ptr<OtaManager> m(new OtaManager(fs, clock, source, transport, std::move(options),
                                               std::move(kpis), std::move(model_changed)));
  const std::filesystem::path& dir = m->options_.dir;
  KEEL_ASSIGN_OR_RETURN(m->updater_, Updater::Open(fs, dir, m->options_.pinned_root, clock));
  KEEL_ASSIGN_OR_RETURN(SlotStore slots, SlotStore::Open(fs, dir / "model"));
  m->model_slots_ = std::make_unique<SlotStore>(std::move(slots));
  KEEL_ASSIGN_OR_RETURN(m->queue_, ReportQueue::Open(fs, dir, FirstReportSeq(clock)));
  KEEL_RETURN_IF_ERROR(m->Recover());
  return m;
}

Status OtaManager::FinishTrial() {
  KEEL_ASSIGN_OR_RETURN(bool on_trial, model_slots_->RecordStart());
  if (!on_trial) return Status::Ok();  // crashed too often: rolled back by itself
  auto slot = model_slots_->Current();
  const Status healthy = slot.ok() ? CheckBundle(slot->dir, options_.health) : slot.status();
  if (!healthy.ok()) return model_slots_->Rollback(healthy.message());
  if (options_.model_soak_ms <= 0) return model_slots_->Commit();
  // Restarted during the soak: the agent runs the trial again (it loads the
  // current slot) and the soak starts over; this start was counted above.
  StartSoak(TrialDirective());
  spdlog::info("ota: model {} {} is on trial (start {}); its soak starts again",
               slot->manifest.name, slot->manifest.version, model_slots_->status().trial_attempts);
  return Status::Ok();
}

std::optional<wire::Directive> OtaManager::TrialDirective() const {
  const auto trial = model_slots_->status().trial;
  if (!trial) return std::nullopt;
  for (const auto& [key, p] : queue_->AllProgress()) {
    if (p.kind == "model" && key.second == kInstall && !wire::IsFinalOtaState(p.state) &&
        p.name == trial->name && p.version == trial->version) {
      return wire::Directive{key.first, p.kind, p.name, p.version, key.second};
    }
  }
  return std::nullopt;
}

bool OtaManager::IsSoakDirective(const DirectiveKey& key) const {
  return soak_ && soak_->directive && soak_->directive->deployment == key.first &&
         soak_->directive->action == key.second;
}

void OtaManager::StartSoak(std::optional<wire::Directive> d) {
  soak_ = ModelSoak{std::move(d), clock_.MonotonicMs(), kpis_ ? kpis_().inference_errors : 0};
}

Status OtaManager::HandOverCurrentModel() {
  if (!model_changed_) return Status::Ok();
  auto slot = model_slots_->Current();
  if (slot.ok()) return model_changed_(&*slot);
  if (slot.status().code() == StatusCode::kNotFound) return model_changed_(nullptr);
  return slot.status();
}

Status OtaManager::EndModelTrial(const std::string& reason) {
  KEEL_RETURN_IF_ERROR(model_slots_->Rollback(reason));
  soak_.reset();
  spdlog::warn("ota: {}", model_slots_->status().last_result);
  // The slots are decided; an agent that cannot build the previous model
  // keeps running what it runs, which the report and attestation show.
  if (Status used = HandOverCurrentModel(); !used.ok()) {
    spdlog::error("ota: the agent cannot run the model it had before the trial: {}",
                  used.ToString());
  }
  return Status::Ok();
}

Result<bool> OtaManager::CheckModelSoak() {
  if (!soak_) return false;
  const int64_t errors = kpis_ ? kpis_().inference_errors : 0;
  if (errors <= soak_->errors_before) {
    const int64_t now = clock_.MonotonicMs();
    const int64_t since =
        options_.connected_since_ms ? options_.connected_since_ms() : soak_->started_ms;
    if (since < 0 || now - std::max(since, soak_->started_ms) < options_.model_soak_ms) {
      return false;
    }
  }
  const std::optional<wire::Directive> d = soak_->directive;
  if (!model_slots_->status().trial) {  // cannot happen: only this manager ends a trial
    soak_.reset();
    return false;
  }
  if (errors > soak_->errors_before) {
    KEEL_RETURN_IF_ERROR(
        EndModelTrial(fmt::format("{} inference error(s) during its soak of {} s",
                                  errors - soak_->errors_before, options_.model_soak_ms / 1000)));
    if (d) KEEL_RETURN_IF_ERROR(Report(*d, "rolled_back", model_slots_->status().last_result));
    return true;
  }
  KEEL_RETURN_IF_ERROR(model_slots_->Commit());
  soak_.reset();
  spdlog::info("ota: {} after a soak of {} s", model_slots_->status().last_result,
               options_.model_soak_ms / 1000);
  if (d) KEEL_RETURN_IF_ERROR(Report(*d, "committed", ""));
  return true;
}

Status OtaManager::RollBackModelTrial(const std::string& reason) {
  if (!model_slots_->status().trial) return Status::Ok();
  const std::optional<wire::Directive> d = soak_ ? soak_->directive : TrialDirective();
  KEEL_RETURN_IF_ERROR(EndModelTrial(reason));
  if (d) return Report(*d, "rolled_back", model_slots_->status().last_result);
  return Status::Ok();
}

Status OtaManager::Recover() {
  if (model_slots_->status().trial) KEEL_RETURN_IF_ERROR(FinishTrial());
  const SlotStatus status = model_slots_->status();
  for (const auto& [key, progress] : queue_->AllProgress()) {
    // An agent install is decided by the supervisor: resolved in Step. A
    // model soaking again is decided by CheckModelSoak.
    if (wire::IsFinalOtaState(progress.state) || progress.kind != "model" || IsSoakDirective(key)) {
      continue;
    }
    const wire::Directive d{key.first, progress.kind, progress.name, progress.version, key.second};
    const std::string what = fmt::format("{} {}", progress.name, progress.version);
    std::string state = "failed", reason = "interrupted";
    if (status.last_result == "committed " + what) {
      state = "committed";
      reason.clear();
    } else if (status.last_result.starts_with("rolled back " + what)) {
      state = "rolled_back";
      reason = status.last_result;
    }
    spdlog::info("ota: deployment {}: install of {} was interrupted; {}", d.deployment, what,
                 state);
    KEEL_RETURN_IF_ERROR(Report(d, state, reason));
  }
  return Status::Ok();
}

wire::PollRequest OtaManager::MakeRequest(wire::DeviceKpis* totals) const {
  wire::PollRequest request;
  // The model that runs, on trial or committed: the hub counts the KPIs
  // under it.
  const SlotStatus model = model_slots_->status();
  if (const auto& running = model.trial ? model.trial : model.active) {
    request.installed.push_back({"model", running->name, running->version});
  }
  if (!options_.agent_slots_dir.empty() && fs_.Exists(options_.agent_slots_dir)) {
    auto agent_slots = SlotStore::Open(fs_, options_.agent_slots_dir);
    const auto active = agent_slots.ok() ? agent_slots->status().active : std::nullopt;
    if (active) request.installed.push_back({"agent", active->name, active->version});
  }
  if (const auto config_dir = ConfigSlotsDir(options_.dir); fs_.Exists(config_dir)) {
    auto config_slots = SlotStore::Open(fs_, config_dir);
    const auto active = config_slots.ok() ? config_slots->status().active : std::nullopt;
    if (active) request.installed.push_back({"config", active->name, active->version});
  }
  *totals = kpis_ ? kpis_() : wire::DeviceKpis{};
  wire::DeviceKpis& k = request.kpis;
  k.windows = Growth(totals->windows, kpi_baseline_.windows);
  // The hub refuses more anomalies or errors than windows; counters read at
  // slightly different moments could disagree by a little.
  k.anomalies = std::min(Growth(totals->anomalies, kpi_baseline_.anomalies), k.windows);
  k.inference_errors =
      std::min(Growth(totals->inference_errors, kpi_baseline_.inference_errors), k.windows);
  k.latency_p99_us = std::isfinite(totals->latency_p99_us) && totals->latency_p99_us > 0
                         ? totals->latency_p99_us
                         : 0;
  request.reports = queue_->Pending();
  return request;
}

Status OtaManager::Step() {
  if (auto decided = CheckModelSoak(); !decided.ok()) {
    spdlog::warn("ota: ending the model soak: {}", decided.status().ToString());
  }
  if (Status refreshed = updater_->RefreshMetadata(source_); !refreshed.ok()) {
    spdlog::warn("ota: refreshing update metadata: {}", refreshed.ToString());
  }
  wire::DeviceKpis totals;
  const wire::PollRequest request = MakeRequest(&totals);
  KEEL_ASSIGN_OR_RETURN(wire::PollReply reply, transport_.Poll(request));
  kpi_baseline_ = totals;
  poll_after_ms_ = reply.poll_after_ms;
  KEEL_RETURN_IF_ERROR(queue_->Ack(reply.acked));
  std::set<DirectiveKey> directed;
  for (const auto& d : reply.directives) directed.insert({d.deployment, d.action});
  KEEL_RETURN_IF_ERROR(queue_->Prune(reply.acked, directed));
  // An install left "installing" (its download was cut) that the hub no
  // longer directs was cancelled or superseded: it ends here, truthfully.
  for (const auto& [key, progress] : queue_->AllProgress()) {
    if (wire::IsFinalOtaState(progress.state) || directed.contains(key)) continue;
    const wire::Directive d{key.first, progress.kind, progress.name, progress.version, key.second};
    // A model soaking for it must not be committed later.
    if (IsSoakDirective(key)) KEEL_RETURN_IF_ERROR(EndModelTrial("no longer directed by the hub"));
    KEEL_RETURN_IF_ERROR(Report(d, "failed", "no longer directed by the hub"));
  }
  for (const auto& d : reply.directives) {
    if (restart_requested_) break;  // the next binary carries on
    KEEL_RETURN_IF_ERROR(Carry(d));
  }
  return Status::Ok();
}

Status OtaManager::Carry(const wire::Directive& d) {
  const auto progress = queue_->Progress({d.deployment, d.action});
  if (progress && wire::IsFinalOtaState(progress->state)) return Status::Ok();  // done
  if (d.kind == "agent") {
    if (d.action == kInstall) return InstallAgentDirective(d, progress.has_value());
    if (options_.agent_slots_dir.empty()) return Report(d, "reverted", "not installed");
    return RevertThenRestart(d, options_.agent_slots_dir, kAgentUnsupervised,
                             /*end_own_trial=*/false);
  }
  if (d.kind == "config") {
    if (d.action == kInstall) return InstallConfigDirective(d, progress.has_value());
    return RevertThenRestart(d, ConfigSlotsDir(options_.dir), kConfigUnsupervised,
                             /*end_own_trial=*/true);
  }
  if (d.kind != "model") return Report(d, "failed", kNotSupported);
  if (d.action == kInstall) {
    // The soaking install is decided by CheckModelSoak; another one waits
    // (a model on trial cannot be replaced before it is decided).
    if (soak_) return Status::Ok();
    return InstallModelDirective(d, progress.has_value());
  }
  return RevertModelDirective(d);
}

Status OtaManager::InstallModelDirective(const wire::Directive& d, bool announced) {
  if (!announced) {
    if (IsActive(model_slots_->status(), d.name, d.version)) {
      // The hub directs the version this device runs again: a re-deploy, or
      // the remediation of files attestation found changed. Intact files
      // (or metadata that cannot tell) need nothing; changed ones are
      // installed again from the signed targets.
      if (!NeedsRepair(d, *model_slots_)) return Report(d, "committed", "already installed");
    }
    KEEL_RETURN_IF_ERROR(Report(d, "installing", ""));
  }
  spdlog::info("ota: deployment {}: installing model {} {}", d.deployment, d.name, d.version);
  const bool soak = options_.model_soak_ms > 0;
  auto outcome =
      InstallModel(*updater_, source_, *model_slots_, d.name, d.version, options_.health, soak);
  if (!outcome.ok()) {
    if (outcome.status().code() == StatusCode::kUnavailable) {
      // Nothing changed; the download resumes on the next poll.
      spdlog::warn("ota: deployment {}: {} (will retry)", d.deployment,
                   outcome.status().ToString());
      return Status::Ok();
    }
    return Report(d, "failed", outcome.status().message());
  }
  if (!outcome->committed && !outcome->on_trial) return Report(d, "rolled_back", outcome->result);
  auto slot = model_slots_->Current();
  Status used =
      slot.ok() ? (model_changed_ ? model_changed_(&*slot) : Status::Ok()) : slot.status();
  if (!used.ok()) {
    const std::string why = "the agent cannot run it: " + used.message();
    if (outcome->on_trial) {  // the agent kept what it runs
      KEEL_RETURN_IF_ERROR(model_slots_->Rollback(why));
      return Report(d, "rolled_back", model_slots_->status().last_result);
    }
    if (Status reverted = model_slots_->Revert(why); !reverted.ok()) {
      return Report(d, "rolled_back", fmt::format("{}; {}", why, reverted.message()));
    }
    return Report(d, "rolled_back", model_slots_->status().last_result);
  }
  if (outcome->on_trial) {
    StartSoak(d);
    spdlog::info(
        "ota: deployment {}: model {} {} passed its health check; on trial for a soak of {} s "
        "({} of {} bytes downloaded)",
        d.deployment, d.name, d.version, options_.model_soak_ms / 1000, outcome->downloaded_bytes,
        outcome->target_bytes);
    return Status::Ok();
  }
  spdlog::info("ota: deployment {}: model {} {} committed ({} of {} bytes downloaded)",
               d.deployment, d.name, d.version, outcome->downloaded_bytes, outcome->target_bytes);
  return Report(d, "committed", "");
}

bool OtaManager::NeedsRepair(const wire::Directive& d, const SlotStore& slots) const {
  auto intact = InstalledMatchesSigned(*updater_, slots);
  if (!intact.ok()) {
    spdlog::warn("ota: deployment {}: cannot check the installed {}: {}", d.deployment, d.kind,
                 intact.status().ToString());
    return false;  // nothing to go by: the running version stays
  }
  if (*intact) return false;
  spdlog::warn(
      "ota: deployment {}: the files of {} {} {} differ from the signed ones; installing it again",
      d.deployment, d.kind, d.name, d.version);
  return true;
}

Status OtaManager::RevertModelDirective(const wire::Directive& d) {
  const SlotStatus status = model_slots_->status();
  if (status.trial && status.trial->name == d.name && status.trial->version == d.version) {
    // Soaking: it must never be committed. Its install directive, no longer
    // directed, then ends "failed".
    KEEL_RETURN_IF_ERROR(EndModelTrial(fmt::format("reverted by deployment {}", d.deployment)));
    return Report(d, "reverted", model_slots_->status().last_result);
  }
  if (!IsActive(status, d.name, d.version)) {
    // Reverted already (a kill came before the report), rolled back from its
    // trial, or never installed.
    const bool done =
        status.last_result.starts_with(fmt::format("reverted {} {}:", d.name, d.version)) ||
        status.last_result.starts_with(fmt::format("rolled back {} {}:", d.name, d.version));
    return Report(d, "reverted", done ? status.last_result : "not installed");
  }
  if (Status s = model_slots_->Revert(fmt::format("deployment {}", d.deployment)); !s.ok()) {
    return Report(d, "failed", s.message());
  }
  spdlog::info("ota: deployment {}: {}", d.deployment, model_slots_->status().last_result);
  if (auto slot = model_slots_->Current(); slot.ok() && model_changed_) {
    if (Status used = model_changed_(&*slot); !used.ok()) {
      spdlog::error("ota: the agent cannot run the reverted model: {}", used.ToString());
    }
  }
  return Report(d, "reverted", model_slots_->status().last_result);
}

Status OtaManager::InstallAgentDirective(const wire::Directive& d, bool announced) {
  if (!options_.supervised || options_.agent_slots_dir.empty()) {
    return Report(d, "failed", kAgentUnsupervised);
  }
  return InstallThenRestart(
      d, announced, options_.agent_slots_dir, [&](SlotStore& slots) -> Result<SwitchedInstall> {
        KEEL_ASSIGN_OR_RETURN(AgentInstallOutcome outcome,
                              InstallAgentBinary(*updater_, source_, slots, d.name, d.version));
        return SwitchedInstall{outcome.restart_required, outcome.result};
      });
}

Status OtaManager::InstallConfigDirective(const wire::Directive& d, bool announced) {
  // Without a supervisor nothing would start the agent again with it.
  if (!options_.supervised) return Report(d, "failed", kConfigUnsupervised);
  if (options_.local_config.empty()) {
    return Report(d, "failed", "the agent's configuration was not loaded from a file");
  }
  return InstallThenRestart(
      d, announced, ConfigSlotsDir(options_.dir), [&](SlotStore& slots) -> Result<SwitchedInstall> {
        KEEL_ASSIGN_OR_RETURN(
            ConfigInstallOutcome outcome,
            InstallConfig(*updater_, source_, slots, d.name, d.version, options_.local_config));
        return SwitchedInstall{outcome.restart_required, outcome.result};
      });
}

std::optional<Status> OtaManager::ReportAfterRestart(const wire::Directive& d,
                                                     const SlotStatus& status) {
  const std::string what = fmt::format("{} {}", d.name, d.version);
  if (status.last_result == "committed " + what) return Report(d, "committed", "");
  if (status.last_result.starts_with("rolled back " + what)) {
    return Report(d, "rolled_back", status.last_result);
  }
  if (status.trial) return Status::Ok();  // on trial: decided after a start
  return std::nullopt;
}

Status OtaManager::InstallThenRestart(
    const wire::Directive& d, bool announced, const std::filesystem::path& slots_dir,
    const std::function<Result<SwitchedInstall>(SlotStore&)>& install) {
  KEEL_ASSIGN_OR_RETURN(SlotStore slots, SlotStore::Open(fs_, slots_dir));
  const SlotStatus status = slots.status();
  if (announced) {
    // Installed by an earlier run: the decision after its restart is the outcome.
    if (auto reported = ReportAfterRestart(d, status)) return *reported;
    // Otherwise the earlier attempt stopped before its switch: try again.
  } else {
    // The same version again: a re-deploy, or the remediation of files
    // attestation found changed (as for models).
    if (IsActive(status, d.name, d.version) && !NeedsRepair(d, slots)) {
      return Report(d, "committed", "already installed");
    }
    KEEL_RETURN_IF_ERROR(Report(d, "installing", ""));
  }
  spdlog::info("ota: deployment {}: installing {} {} {}", d.deployment, d.kind, d.name, d.version);
  auto outcome = install(slots);
  if (!outcome.ok()) {
    if (outcome.status().code() == StatusCode::kUnavailable) {
      spdlog::warn("ota: deployment {}: {} (will retry)", d.deployment,
                   outcome.status().ToString());
      return Status::Ok();
    }
    return Report(d, "failed", outcome.status().message());
  }
  if (!outcome->restart_required) return Report(d, "failed", outcome->result);
  spdlog::info("ota: deployment {}: {}; restarting into it", d.deployment, outcome->result);
  return RequestRestart();
}

Status OtaManager::RevertThenRestart(const wire::Directive& d,
                                     const std::filesystem::path& slots_dir,
                                     const std::string& unsupervised, bool end_own_trial) {
  KEEL_ASSIGN_OR_RETURN(SlotStore slots, SlotStore::Open(fs_, slots_dir));
  const SlotStatus status = slots.status();
  const bool on_trial =
      status.trial && status.trial->name == d.name && status.trial->version == d.version;
  if (on_trial && end_own_trial && options_.supervised) {
    // This agent runs that version on trial: it must not be committed later.
    const std::string why = fmt::format("reverted by deployment {}", d.deployment);
    if (Status s = slots.Rollback(why); !s.ok()) return Report(d, "failed", s.message());
    KEEL_RETURN_IF_ERROR(Report(d, "reverted", slots.status().last_result));
    return RequestRestart();
  }
  if (!IsActive(status, d.name, d.version)) {
    const bool done =
        status.last_result.starts_with(fmt::format("reverted {} {}:", d.name, d.version));
    return Report(d, "reverted", done ? status.last_result : "not installed");
  }
  if (!options_.supervised) return Report(d, "failed", unsupervised);
  if (Status s = slots.Revert(fmt::format("deployment {}", d.deployment)); !s.ok()) {
    return Report(d, "failed", s.message());
  }
  KEEL_RETURN_IF_ERROR(Report(d, "reverted", slots.status().last_result));
  return RequestRestart();
}

Status OtaManager::RequestRestart() {
  restart_requested_ = true;
  if (options_.request_restart) options_.request_restart();
  return Status::Ok();
}

Status OtaManager::Report(const wire::Directive& d, const std::string& state,
                          const std::string& reason) {
  wire::OtaReport report;
  report.deployment = d.deployment;
  report.kind = d.kind;
  report.name = d.name;
  report.version = d.version;
  report.state = state;
  report.reason = reason;
  report.t_ms = clock_.NowMs();
  return queue_->Add(std::move(report), d.action).status();
}

}  // namespace keel::edge::ota
