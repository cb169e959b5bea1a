// RolloutController::Poll: a device's update poll — its reports applied,
// its KPIs counted, its directives answered.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "hub/rollout/rollout_controller.h"

namespace keel::hub::rollout {
namespace {

using nlohmann::json;

json ReportJson(const wire::OtaReport& r) {
  return {
      {"seq", r.seq},         {"deployment", r.deployment}, {"kind", r.kind},     {"name", r.name},
      {"version", r.version}, {"state", r.state},           {"reason", r.reason}, {"t", r.t_ms}};
}

}  // namespace

std::optional<int64_t> RolloutController::Apply(const std::string& device,
                                                const wire::OtaReport& report, int64_t now) {
  auto entry = entries_.find(report.deployment);
  if (entry == entries_.end()) return std::nullopt;
  Entry& e = entry->second;
  auto it = e.rows.find(device);
  if (it == e.rows.end() || report.name != e.d.spec.artifact ||
      report.version != e.d.spec.version) {
    return std::nullopt;
  }
  DeviceRollout& row = it->second;
  const std::string before = row.state;
  const std::string& s = report.state;
  if (s == "installing") {
    if (row.state == "assigned") row.state = "installing";
  } else if (s == "committed") {
    // Late reports (after a timeout) still tell the truth about the device.
    if (AwaitsInstallOrLate(row.state)) row.state = "committed";
    // A device that installs after the deployment began rolling back is
    // told to revert at once.
    if (row.state == "committed" && e.d.state == kRollingBack) {
      row.state = "reverting";
      row.assigned_ms = now;
    }
  } else if (s == "rolled_back" || s == "failed") {
    if (AwaitsInstallOrLate(row.state)) row.state = "failed";
  } else if (s == "reverted") {
    if (row.state == "reverting" || row.state == "committed") row.state = "reverted";
  }
  if (row.state == before) return std::nullopt;
  row.detail = report.reason;
  row.updated_ms = now;
  return e.d.id;
}

bool RolloutController::AwaitsInstallOrLate(std::string_view state) {
  return state == "assigned" || state == "installing" || state == "timed_out";
}

Result<wire::PollReply> RolloutController::Poll(const std::string& device,
                                                const wire::PollRequest& request) {
  PublishOnExit publish(*this);
  std::lock_guard lock(mu_);
  const int64_t now = clock_.NowMs();
  KEEL_ASSIGN_OR_RETURN(DeviceOtaRecord record, store_.GetDeviceOta(device));

  // Reports: applied (and their rows saved) before they are acknowledged.
  std::map<int64_t, std::vector<std::string>> changed;  // deployment -> devices
  std::vector<std::pair<int64_t, std::string>> new_reports;
  int64_t acked = record.report_seq;
  for (const auto& report : request.reports) {
    if (report.seq <= record.report_seq) continue;  // stored before: already applied
    if (auto id = Apply(device, report, now)) {
      // Several reports may change the row: it is written (and published) once.
      auto& devices = changed[*id];
      if (devices.empty()) devices.push_back(device);
    }
    new_reports.emplace_back(report.seq, ReportJson(report).dump());
    acked = std::max(acked, report.seq);
    spdlog::info("rollout: {} reports {} {}@{} for deployment {}{}{}", device, report.state,
                 report.name, report.version, report.deployment, report.reason.empty() ? "" : ": ",
                 report.reason);
  }
  for (const auto& [id, devices] : changed) KEEL_RETURN_IF_ERROR(Save(entries_.at(id), devices));

  // KPIs count under the model version that produced them.
  std::string model_version;
  json installed = json::array();
  for (const auto& a : request.installed) {
    installed.push_back({{"kind", a.kind}, {"name", a.name}, {"version", a.version}});
    if (a.kind == "model") model_version = a.name + "@" + a.version;
  }
  Kpis& k = kpis_[device];
  if (k.version != model_version) k = Kpis{model_version};
  k.windows += request.kpis.windows;
  k.anomalies += request.kpis.anomalies;
  k.errors += request.kpis.inference_errors;
  if (request.kpis.latency_p99_us > 0) k.latency_p99_us = request.kpis.latency_p99_us;
  const json body = {{"installed", installed},
                     {"kpi",
                      {{"version", k.version},
                       {"windows", k.windows},
                       {"anomalies", k.anomalies},
                       {"errors", k.errors},
                       {"latency_p99_us", k.latency_p99_us}}},
                     {"polled_ms", now}};
  KEEL_RETURN_IF_ERROR(store_.SaveDeviceOta(device, {acked, body.dump()}, new_reports));

  wire::PollReply reply;
  reply.acked = acked;
  reply.poll_after_ms = options_.poll_interval_ms;
  for (const auto& [id, e] : entries_) {
    auto row = e.rows.find(device);
    if (row == e.rows.end() || reply.directives.size() >= wire::kMaxDirectives) continue;
    const bool install =
        AwaitsInstall(row->second.state) && (e.d.state == kRunning || e.d.state == kPaused);
    const bool revert = row->second.state == "reverting";
    if (!install && !revert) continue;
    reply.directives.push_back({id, std::string(ArtifactKindName(e.d.spec.kind)), e.d.spec.artifact,
                                e.d.spec.version, install ? "install" : "revert"});
  }
  return reply;
}

}  // namespace keel::hub::rollout
