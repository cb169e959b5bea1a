// RolloutController::Tick: timeouts, the failure threshold, wave gates.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "hub/rollout/rollout_controller.h"

namespace keel::hub::rollout {

Status RolloutController::Tick() {
  std::lock_guard lock(mu_);
  const int64_t now = clock_.NowMs();
  for (auto& [id, e] : entries_) {
    if (e.d.Active()) KEEL_RETURN_IF_ERROR(TickOne(e, now));
  }
  return Status::Ok();
}

Status RolloutController::TickOne(Entry& e, int64_t now) {
  // A device that does not answer in time counts as failed.
  std::vector<std::string> changed;
  for (auto& [device, row] : e.rows) {
    const bool waiting = AwaitsInstall(row.state) || row.state == "reverting";
    if (!waiting || now - row.assigned_ms <= e.d.spec.device_timeout_ms) continue;
    row.detail =
        fmt::format("no {} report within {} s", row.state == "reverting" ? "revert" : "install",
                    e.d.spec.device_timeout_ms / 1000);
    row.state = "timed_out";
    row.updated_ms = now;
    changed.push_back(device);
  }
  if (!changed.empty()) KEEL_RETURN_IF_ERROR(Save(e, changed));

  if (e.d.state == kRollingBack) {
    for (const auto& [device, row] : e.rows) {
      if (row.state == "reverting") return Status::Ok();
    }
    e.d.state = std::string(kRolledBack);
    spdlog::warn("rollout: deployment {} rolled back ({})", e.d.id, e.d.reason);
    return Save(e, {});
  }
  if (e.d.state != kRunning) return Status::Ok();  // paused: no new wave, no gate

  int assigned = 0, failed = 0;
  bool settled = true;
  int64_t settled_ms = e.d.wave_started_ms;
  for (const auto& [device, row] : e.rows) {
    if (row.state == "pending" || (row.state == "cancelled" && row.assigned_ms == 0)) continue;
    ++assigned;
    if (row.state == "failed" || row.state == "timed_out") ++failed;
    if (row.wave == e.d.wave) {
      settled = settled && (row.state == "committed" || row.state == "failed" ||
                            row.state == "timed_out" || row.state == "cancelled");
      settled_ms = std::max(settled_ms, row.updated_ms);
    }
  }
  if (assigned > 0 && failed > e.d.spec.max_failures * assigned) {
    return StartRollback(
        e,
        fmt::format("{} of {} device(s) failed ({:.0f}% > max {:.0f}%)", failed, assigned,
                    100.0 * failed / assigned, 100 * e.d.spec.max_failures),
        now);
  }
  if (!settled || now < settled_ms + e.d.spec.wave_soak_ms) return Status::Ok();

  std::string note;
  const std::string refused = Gate(e, &note);
  if (!refused.empty()) {
    return StartRollback(e, fmt::format("wave {} health gate: {}", e.d.wave, refused), now);
  }
  e.d.reason = note.empty() ? fmt::format("wave {} passed its health gate", e.d.wave)
                            : fmt::format("wave {} passed: {}", e.d.wave, note);
  // The next wave that has devices (small fleets leave some waves empty).
  int next = e.d.wave + 1;
  while (next < WaveCount(e.d.spec) &&
         std::none_of(e.rows.begin(), e.rows.end(), [&](const auto& row) {
           return row.second.wave == next && row.second.state == "pending";
         })) {
    ++next;
  }
  if (next >= WaveCount(e.d.spec)) {
    e.d.state = std::string(kCompleted);
    spdlog::info("rollout: deployment {} completed", e.d.id);
    return Save(e, {});
  }
  return StartWave(e, next, now);
}

std::string RolloutController::Gate(const Entry& e, std::string* note) const {
  if (e.d.spec.kind != ArtifactKind::kModel) return "";
  const std::string version = e.d.spec.artifact + "@" + e.d.spec.version;
  Kpis updated, others;
  for (const auto& [device, k] : kpis_) {
    auto row = e.rows.find(device);
    const bool runs_it =
        k.version == version && row != e.rows.end() && row->second.state == "committed";
    // Baseline: devices running another version of the same model.
    const bool same_model = k.version.starts_with(e.d.spec.artifact + "@");
    Kpis& side = runs_it ? updated : others;
    if (!runs_it && !same_model) continue;
    side.windows += k.windows;
    side.anomalies += k.anomalies;
    side.errors += k.errors;
  }
  if (updated.windows < options_.min_windows) {
    *note = fmt::format("too few windows on updated devices to compare KPIs ({} < {})",
                        updated.windows, options_.min_windows);
    return "";
  }
  const double error_rate = static_cast<double>(updated.errors) / updated.windows;
  if (error_rate > options_.max_error_rate) {
    return fmt::format("inference error rate {:.3f} > {:.3f}", error_rate, options_.max_error_rate);
  }
  const double rate = static_cast<double>(updated.anomalies) / updated.windows;
  if (others.windows < options_.min_windows) {
    *note = fmt::format("no baseline to compare the anomaly rate {:.3f} with", rate);
    return "";
  }
  const double baseline = static_cast<double>(others.anomalies) / others.windows;
  const double limit = baseline * options_.anomaly_factor + options_.anomaly_margin;
  if (rate > limit) {
    return fmt::format(
        "anomaly rate {:.3f} on updated devices vs {:.3f} on the others (limit {:.3f})", rate,
        baseline, limit);
  }
  return "";
}

}  // namespace keel::hub::rollout
