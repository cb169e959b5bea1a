#include "hub/rollout/rollout_controller.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <set>
#include <utility>

#include "crypto/tokens.h"
#include "hub/rollout/target_query.h"

namespace keel::hub::rollout {
namespace {

using nlohmann::json;

bool IsFinalRow(std::string_view state) {
  return state == "committed" || state == "failed" || state == "timed_out" || state == "reverted" ||
         state == "cancelled";
}

// The type of the event of a deployment's recorded state change.
std::string DeploymentEventType(std::string_view recorded, std::string_view state) {
  if (recorded.empty()) return "deployment.created";
  if (state == kRunning) return "deployment.resumed";  // the only way back to running
  return "deployment." + std::string(state);
}

}  // namespace

bool AwaitsInstall(std::string_view state) { return state == "assigned" || state == "installing"; }

Result<std::unique_ptr<RolloutController>> RolloutController::Open(RolloutStore& store,
                                                                   DeviceStore& devices,
                                                                   ArtifactStore& artifacts,
                                                                   const Clock& clock,
                                                                   RolloutOptions options) {
  std::unique_ptr<RolloutController> c(
      new RolloutController(store, devices, artifacts, clock, options));
  KEEL_RETURN_IF_ERROR(c->Load());
  return c;
}

Status RolloutController::Load() {
  KEEL_ASSIGN_OR_RETURN(auto stored, store_.ListDeployments());
  for (const auto& s : stored) {
    const json body = json::parse(s.body, nullptr, false);
    KEEL_ASSIGN_OR_RETURN(Deployment d, DeploymentFromJson(body));
    d.id = s.id;  // the document is written before its id is known
    const std::string state = d.state;
    Entry e{std::move(d), {}, state};
    KEEL_ASSIGN_OR_RETURN(auto rows, store_.ListDeploymentRows(s.id));
    for (const auto& [device, row_body] : rows) {
      KEEL_ASSIGN_OR_RETURN(e.rows[device],
                            DeviceRolloutFromJson(json::parse(row_body, nullptr, false)));
    }
    entries_[s.id] = std::move(e);
  }
  KEEL_ASSIGN_OR_RETURN(auto all_devices, devices_.ListDevices());
  for (const auto& device : all_devices) {
    KEEL_ASSIGN_OR_RETURN(DeviceOtaRecord record, store_.GetDeviceOta(device.id));
    const json body = json::parse(record.body, nullptr, false);
    if (!body.is_object() || !body.contains("kpi")) continue;
    const json& k = body["kpi"];
    kpis_[device.id] = {k.value("version", ""), k.value("windows", int64_t{0}),
                        k.value("anomalies", int64_t{0}), k.value("errors", int64_t{0}),
                        k.value("latency_p99_us", 0.0)};
  }
  return Status::Ok();
}

Result<RolloutController::Entry*> RolloutController::Find(int64_t id) {
  auto it = entries_.find(id);
  if (it == entries_.end()) return Status::NotFound(fmt::format("no deployment {}", id));
  return &it->second;
}

Status RolloutController::Save(Entry& e, const std::vector<std::string>& changed_rows,
                               bool by_operator) {
  e.d.updated_ms = clock_.NowMs();
  DeploymentRows rows;
  for (const auto& device : changed_rows)
    rows.emplace_back(device, ToJson(e.rows.at(device)).dump());
  KEEL_RETURN_IF_ERROR(store_.UpdateDeployment(e.d.id, ToJson(e.d).dump(), rows));
  Record(e, changed_rows, by_operator);
  return Status::Ok();
}

void RolloutController::Record(Entry& e, const std::vector<std::string>& changed_rows,
                               bool by_operator) {
  const std::string recorded = std::exchange(e.recorded_state, e.d.state);
  if (options_.bus == nullptr) return;
  const json about = {{"deployment", e.d.id},
                      {"kind", ArtifactKindName(e.d.spec.kind)},
                      {"artifact", e.d.spec.artifact},
                      {"version", e.d.spec.version}};
  if (recorded != e.d.state) {
    json data = about;
    data["wave"] = e.d.wave;
    data["reason"] = e.d.reason;
    unpublished_.push_back(
        {by_operator ? bus::EventKind::kOperatorAction : bus::EventKind::kOtaState, "", 0,
         e.d.updated_ms, DeploymentEventType(recorded, e.d.state), std::move(data)});
  }
  for (const auto& device : changed_rows) {
    const DeviceRollout& row = e.rows.at(device);
    json data = about;
    data["wave"] = row.wave;
    data["reason"] = row.detail;
    unpublished_.push_back({bus::EventKind::kOtaState, device, 0, row.updated_ms,
                            "ota." + row.state, std::move(data)});
  }
}

void RolloutController::PublishRecorded() {
  if (options_.bus == nullptr) return;
  std::lock_guard publishing(publish_mu_);
  std::vector<bus::Event> events;
  {
    std::lock_guard lock(mu_);
    events.swap(unpublished_);
  }
  for (auto& event : events) options_.bus->Publish(std::move(event));
}

DeploymentStatus RolloutController::StatusOf(const Entry& e) const {
  DeploymentStatus s{e.d, e.rows, {}, WaveCount(e.d.spec)};
  for (const auto& [device, row] : e.rows) ++s.counts[row.state];
  return s;
}

int RolloutController::WaveOf(const DeploymentSpec& spec, size_t i, size_t n) {
  const size_t canary = std::min(n, static_cast<size_t>(spec.canary));
  if (i < canary) return 0;
  for (size_t k = 0; k < spec.waves.size(); ++k) {
    const auto upto = static_cast<size_t>(std::ceil(spec.waves[k] * static_cast<double>(n) / 100));
    if (i < std::max(upto, canary)) return static_cast<int>(k) + 1;
  }
  return static_cast<int>(spec.waves.size());
}

Result<DeploymentStatus> RolloutController::Create(DeploymentSpec spec,
                                                   const std::string& created_by) {
  PublishOnExit publish(*this);
  KEEL_ASSIGN_OR_RETURN(ArtifactRecord artifact,
                        artifacts_.GetArtifact(spec.artifact, spec.version));
  spec.kind = artifact.kind;
  KEEL_ASSIGN_OR_RETURN(TargetQuery query, ParseTargetQuery(spec.target));
  KEEL_ASSIGN_OR_RETURN(auto devices, devices_.ListDevices());
  KEEL_ASSIGN_OR_RETURN(auto tags, store_.ListDeviceTags());
  std::vector<std::string> targets;
  for (const auto& device : devices) {
    if (device.state != DeviceState::kActive) continue;
    const auto it = tags.find(device.id);
    DeviceTags labels = options_.context ? options_.context(device.id) : DeviceTags{};
    if (it != tags.end()) labels.insert(it->second.begin(), it->second.end());  // never overrides
    if (query.Matches(device.id, labels)) {
      targets.push_back(device.id);
    }
  }
  if (targets.empty()) {
    return Status::FailedPrecondition(fmt::format(
        "deployment: no enrolled, unrevoked device matches target \"{}\"", spec.target));
  }
  std::lock_guard lock(mu_);
  const int64_t now = clock_.NowMs();
  Deployment d;
  d.spec = spec;
  d.created_ms = d.updated_ms = d.wave_started_ms = now;
  d.created_by = created_by;
  // Spread the waves over the fleet: order by a hash of the device and of
  // this deployment (what it deploys, when it was created).
  const std::string salt = fmt::format("{}@{}/{}", spec.artifact, spec.version, now);
  std::sort(targets.begin(), targets.end(), [&](const std::string& a, const std::string& b) {
    return crypto::Sha256Hex(salt + "/" + a) < crypto::Sha256Hex(salt + "/" + b);
  });
  // The rows, with wave 0 already assigned, are created with the deployment
  // in one transaction, so a crash never leaves a deployment without them.
  Entry e{d, {}, ""};  // recorded_state "": Record publishes "deployment.created"
  DeploymentRows rows;
  for (size_t i = 0; i < targets.size(); ++i) {
    DeviceRollout row{WaveOf(spec, i, targets.size()), "pending", 0, now, ""};
    if (row.wave == 0) {
      row.state = "assigned";
      row.assigned_ms = now;
    }
    rows.emplace_back(targets[i], ToJson(row).dump());
    e.rows[targets[i]] = row;
  }
  KEEL_ASSIGN_OR_RETURN(e.d.id, store_.CreateDeployment(ToJson(d).dump(), rows));
  d.id = e.d.id;
  std::vector<std::string> assigned;
  for (const auto& [device, row] : e.rows) {
    if (row.state == "assigned") assigned.push_back(device);
  }
  Record(e, assigned, /*by_operator=*/true);  // "deployment.created", then wave 0
  // One active deployment per device and kind: the newest wins.
  for (auto& [other_id, other] : entries_) {
    if (!other.d.Active() || other.d.spec.kind != spec.kind) continue;
    std::vector<std::string> superseded;
    for (const auto& device : targets) {
      auto row = other.rows.find(device);
      if (row == other.rows.end() || IsFinalRow(row->second.state)) continue;
      row->second.state = "cancelled";
      row->second.updated_ms = now;
      row->second.detail = fmt::format("superseded by deployment {}", d.id);
      superseded.push_back(device);
    }
    if (!superseded.empty()) KEEL_RETURN_IF_ERROR(Save(other, superseded));
  }
  Entry& stored = entries_[d.id] = std::move(e);
  KEEL_RETURN_IF_ERROR(Save(stored, {}));  // the document with its id
  spdlog::info("rollout: deployment {} of {}@{} to {} device(s) in {} wave(s), by \"{}\"", d.id,
               spec.artifact, spec.version, targets.size(), WaveCount(spec), created_by);
  return StatusOf(stored);
}

Status RolloutController::StartWave(Entry& e, int wave, int64_t now) {
  e.d.wave = wave;
  e.d.wave_started_ms = now;
  std::vector<std::string> changed;
  for (auto& [device, row] : e.rows) {
    if (row.wave != wave || row.state != "pending") continue;
    row.state = "assigned";
    row.assigned_ms = row.updated_ms = now;
    changed.push_back(device);
  }
  spdlog::info("rollout: deployment {} wave {}/{}: {} device(s) assigned", e.d.id, wave,
               WaveCount(e.d.spec) - 1, changed.size());
  return Save(e, changed);
}

Status RolloutController::StartRollback(Entry& e, const std::string& reason, int64_t now,
                                        bool by_operator) {
  e.d.state = std::string(kRollingBack);
  e.d.reason = reason;
  std::vector<std::string> changed;
  for (auto& [device, row] : e.rows) {
    if (row.state == "pending") {
      row.state = "cancelled";
      row.detail = "rolled back before its wave";
    } else if (row.state == "committed" || AwaitsInstall(row.state)) {
      row.state = "reverting";
      row.assigned_ms = now;
    } else {
      continue;
    }
    row.updated_ms = now;
    changed.push_back(device);
  }
  spdlog::warn("rollout: deployment {} rolls back: {}", e.d.id, reason);
  return Save(e, changed, by_operator);
}

namespace {

Result<DeploymentStatus> Refuse(const Deployment& d, std::string_view action) {
  return Status::FailedPrecondition(
      fmt::format("deployment {} is {}: cannot {}", d.id, d.state, action));
}

}  // namespace

Result<DeploymentStatus> RolloutController::Pause(int64_t id) {
  PublishOnExit publish(*this);
  std::lock_guard lock(mu_);
  KEEL_ASSIGN_OR_RETURN(Entry * e, Find(id));
  if (e->d.state != kRunning) return Refuse(e->d, "pause");
  e->d.state = std::string(kPaused);
  e->d.reason = "paused by the operator";
  KEEL_RETURN_IF_ERROR(Save(*e, {}, /*by_operator=*/true));
  return StatusOf(*e);
}

Result<DeploymentStatus> RolloutController::Resume(int64_t id) {
  PublishOnExit publish(*this);
  std::lock_guard lock(mu_);
  KEEL_ASSIGN_OR_RETURN(Entry * e, Find(id));
  if (e->d.state != kPaused) return Refuse(e->d, "resume");
  e->d.state = std::string(kRunning);
  e->d.reason = "resumed by the operator";
  KEEL_RETURN_IF_ERROR(Save(*e, {}, /*by_operator=*/true));
  return StatusOf(*e);
}

Result<DeploymentStatus> RolloutController::Abort(int64_t id) {
  PublishOnExit publish(*this);
  std::lock_guard lock(mu_);
  KEEL_ASSIGN_OR_RETURN(Entry * e, Find(id));
  if (e->d.state != kRunning && e->d.state != kPaused) return Refuse(e->d, "abort");
  const int64_t now = clock_.NowMs();
  e->d.state = std::string(kAborted);
  e->d.reason = "aborted by the operator";
  std::vector<std::string> changed;
  for (auto& [device, row] : e->rows) {
    if (row.state != "pending" && row.state != "assigned") continue;
    row.state = "cancelled";
    row.detail = "aborted";
    row.updated_ms = now;
    changed.push_back(device);
  }
  KEEL_RETURN_IF_ERROR(Save(*e, changed, /*by_operator=*/true));
  return StatusOf(*e);
}

Result<DeploymentStatus> RolloutController::Rollback(int64_t id) {
  PublishOnExit publish(*this);
  std::lock_guard lock(mu_);
  KEEL_ASSIGN_OR_RETURN(Entry * e, Find(id));
  if (e->d.state == kRollingBack || e->d.state == kRolledBack) return Refuse(e->d, "roll back");
  KEEL_RETURN_IF_ERROR(
      StartRollback(*e, "rolled back by the operator", clock_.NowMs(), /*by_operator=*/true));
  return StatusOf(*e);
}

Result<DeploymentStatus> RolloutController::Get(int64_t id) const {
  std::lock_guard lock(mu_);
  auto it = entries_.find(id);
  if (it == entries_.end()) return Status::NotFound(fmt::format("no deployment {}", id));
  return StatusOf(it->second);
}

std::vector<Deployment> RolloutController::List() const {
  std::lock_guard lock(mu_);
  std::vector<Deployment> out;
  for (const auto& [id, e] : entries_) out.push_back(e.d);
  return out;
}

}  // namespace keel::hub::rollout
