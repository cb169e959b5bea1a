#include "edge/ota/ota_manager.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "edge/model/model_bundle.h"
#include "edge/ota/agent_install.h"
#include "edge/ota/config_install.h"
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
  if (healthy.ok()) return model_slots_->Commit();
  return model_slots_->Rollback(healthy.message());
}

Status OtaManager::Recover() {
  if (model_slots_->status().trial) KEEL_RETURN_IF_ERROR(FinishTrial());
  const SlotStatus status = model_slots_->status();
  for (const auto& [key, progress] : queue_->AllProgress()) {
    // An agent install is decided by the supervisor: resolved in Step.
    if (wire::IsFinalOtaState(progress.state) || progress.kind != "model") continue;
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
  if (const auto active = model_slots_->status().active) {
    request.installed.push_back({"model", active->name, active->version});
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
  if (d.action == kInstall) return InstallModelDirective(d, progress.has_value());
  return RevertModelDirective(d);
}

Status OtaManager::InstallModelDirective(const wire::Directive& d, bool announced) {
  if (!announced) {
    if (IsActive(model_slots_->status(), d.name, d.version)) {
      // The hub directs the version this device runs again: a re-deploy, or
      // the remediation of files attestation found changed. Intact files
      // (or metadata that cannot tell) need nothing; changed ones are
      // installed again from the signed targets.
      auto intact = InstalledModelMatchesSigned(*updater_, *model_slots_);
      if (!intact.ok()) {
        spdlog::warn("ota: deployment {}: cannot check the installed model: {}", d.deployment,
                     intact.status().ToString());
      }
      if (!intact.ok() || *intact) return Report(d, "committed", "already installed");
      spdlog::warn(
          "ota: deployment {}: the files of model {} {} differ from the signed ones; "
          "installing it again",
          d.deployment, d.name, d.version);
    }
    KEEL_RETURN_IF_ERROR(Report(d, "installing", ""));
  }
  spdlog::info("ota: deployment {}: installing model {} {}", d.deployment, d.name, d.version);
  auto outcome =
      InstallModel(*updater_, source_, *model_slots_, d.name, d.version, options_.health);
  if (!outcome.ok()) {
    if (outcome.status().code() == StatusCode::kUnavailable) {
      // Nothing changed; the download resumes on the next poll.
      spdlog::warn("ota: deployment {}: {} (will retry)", d.deployment,
                   outcome.status().ToString());
      return Status::Ok();
    }
    return Report(d, "failed", outcome.status().message());
  }
  if (!outcome->committed) return Report(d, "rolled_back", outcome->result);
  auto slot = model_slots_->Current();
  Status used = slot.ok() ? (model_changed_ ? model_changed_(*slot) : Status::Ok()) : slot.status();
  if (!used.ok()) {
    const std::string why = "the agent cannot run it: " + used.message();
    if (Status reverted = model_slots_->Revert(why); !reverted.ok()) {
      return Report(d, "rolled_back", fmt::format("{}; {}", why, reverted.message()));
    }
    return Report(d, "rolled_back", model_slots_->status().last_result);
  }
  spdlog::info("ota: deployment {}: model {} {} committed ({} of {} bytes downloaded)",
               d.deployment, d.name, d.version, outcome->downloaded_bytes, outcome->target_bytes);
  return Report(d, "committed", "");
}

Status OtaManager::RevertModelDirective(const wire::Directive& d) {
  const SlotStatus status = model_slots_->status();
  if (!IsActive(status, d.name, d.version)) {
    // Reverted already (a kill came before the report) or never installed.
    const bool done =
        status.last_result.starts_with(fmt::format("reverted {} {}:", d.name, d.version));
    return Report(d, "reverted", done ? status.last_result : "not installed");
  }
  if (Status s = model_slots_->Revert(fmt::format("deployment {}", d.deployment)); !s.ok()) {
    return Report(d, "failed", s.message());
  }
  spdlog::info("ota: deployment {}: {}", d.deployment, model_slots_->status().last_result);
  if (auto slot = model_slots_->Current(); slot.ok() && model_changed_) {
    if (Status used = model_changed_(*slot); !used.ok()) {
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
    if (IsActive(status, d.name, d.version)) return Report(d, "committed", "already installed");
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
