// RolloutController::Tick: timeouts, the failure threshold, wave gates.
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "hub/rollout/rollout_controller.h"

namespace keel::hub::rollout {
namespace {

// The upper median (values is not empty).
double Median(std::vector<double> values) {
  auto middle = values.begin() + static_cast<std::ptrdiff_t>(values.size() / 2);
  std::nth_element(values.begin(), middle, values.end());
  return *middle;
}

}  // namespace

Status RolloutController::Tick() {
  PublishOnExit publish(*this);
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
  const HealthGate& gate = e.d.spec.gate;
  const std::string version = e.d.spec.artifact + "@" + e.d.spec.version;
  Kpis updated, others;
  std::vector<double> updated_latency, others_latency;
  for (const auto& [device, k] : kpis_) {
    auto row = e.rows.find(device);
    const bool runs_it =
        k.version == version && row != e.rows.end() && row->second.state == "committed";
    // Baseline: devices running another version of the same model.
    const bool same_model = k.version.starts_with(e.d.spec.artifact + "@");
    if (!runs_it && !same_model) continue;
    Kpis& side = runs_it ? updated : others;
    side.windows += k.windows;
    side.anomalies += k.anomalies;
    side.errors += k.errors;
    if (k.latency_p99_us > 0)
      (runs_it ? updated_latency : others_latency).push_back(k.latency_p99_us);
  }
  std::vector<std::string> notes;
  const auto done = [&](std::string refused) {
    *note = fmt::format("{}", fmt::join(notes, "; "));
    return refused;
  };
  if (updated.windows < gate.min_windows) {
    notes.push_back(fmt::format("too few windows on updated devices to compare KPIs ({} < {})",
                                updated.windows, gate.min_windows));
    return done("");
  }
  const double error_rate = static_cast<double>(updated.errors) / updated.windows;
  if (error_rate > gate.max_error_rate) {
    return done(
        fmt::format("inference error rate {:.3f} > {:.3f}", error_rate, gate.max_error_rate));
  }
  const double rate = static_cast<double>(updated.anomalies) / updated.windows;
  if (others.windows < gate.min_windows) {
    notes.push_back(fmt::format("no baseline to compare the anomaly rate {:.3f} with", rate));
  } else {
    const double baseline = static_cast<double>(others.anomalies) / others.windows;
    const double limit = baseline * gate.anomaly_factor + gate.anomaly_margin;
    if (rate > limit) {
      return done(fmt::format(
          "anomaly rate {:.3f} on updated devices vs {:.3f} on the others (limit {:.3f})", rate,
          baseline, limit));
    }
  }
  if (updated_latency.empty() || others_latency.empty()) {
    notes.push_back("no scoring latency on both sides to compare");
    return done("");
  }
  const double latency = Median(updated_latency), baseline = Median(others_latency);
  const double limit = baseline * gate.latency_factor + static_cast<double>(gate.latency_margin_us);
  if (latency > limit) {
    return done(fmt::format(
        "scoring latency p99 {:.0f} us on updated devices vs {:.0f} us on the others (limit "
        "{:.0f} us)",
        latency, baseline, limit));
  }
  return done("");
}

}  // namespace keel::hub::rollout
