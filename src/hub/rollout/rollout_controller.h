// RolloutController: runs deployments (issue 4, point 4).
//
// A deployment's devices are ordered (a stable hash of deployment id and
// device id, so waves spread across the fleet) and split into waves: wave 0
// holds `canary` devices, wave k the devices up to waves[k-1] % of all.
// Starting a wave assigns its devices: their next update poll gets an
// install directive. Devices report install states (wire/ota_messages.h);
// a device without a final report within device_timeout counts as failed.
//
// Tick() (every second) moves deployments on:
//   - failures (failed + timed out) / devices assigned so far above
//     max_failures: the deployment rolls back — every device that was told
//     to install is told to revert, and the rest are cancelled;
//   - a wave whose devices all reached a final state, wave_soak after the
//     last of them, passes its health gate (KPIs below) and the next wave
//     starts; after the last wave the deployment is completed.
// Health gate (models; thresholds per deployment, HealthGate in
// deployment.h): the devices running the new version must show
//   - an inference error rate <= max_error_rate;
//   - an anomaly rate <= baseline * anomaly_factor + anomaly_margin;
//   - a median (over devices) of their scoring latency p99 <= baseline *
//     latency_factor + latency_margin_us,
// where baseline is the same figure on the devices of the same model not
// running it. KPIs are counted per device from the poll that first reports
// the running version; a device's latency is its latest reported p99. With
// fewer than min_windows on either side (or no latency reported) the gate
// cannot compare that figure and passes, saying so in the reason.
//
// One device has at most one active deployment per artifact kind: creating
// a deployment cancels the device's unfinished part in older ones of that
// kind, so a stuck or aborted deployment never blocks a later one.
//
// Every change is written to the RolloutStore before it takes effect, so a
// hub restart resumes where it was. Reports are applied idempotently and
// only then acknowledged (stored by (device, seq)); a crash between the two
// makes the device resend, which changes nothing twice.
//
// Events (docs/events.md): with a bus (RolloutOptions::bus), every change is
// published once the store recorded it, after the controller's mutex is
// released (a full bus stage never holds up the controller's state), in the
// order the changes were recorded:
//   - a device row's state: kOtaState "ota.<state>" (assigned, installing,
//     committed, failed, timed_out, reverting, reverted, cancelled) for that
//     device, data {"deployment", "kind", "artifact", "version", "wave",
//     "reason": the device's reason or why the hub changed it};
//   - a deployment's state: "deployment.created", "deployment.paused",
//     "deployment.resumed", "deployment.aborted", "deployment.rolling_back",
//     "deployment.rolled_back", "deployment.completed" (device ""), data
//     {"deployment", "kind", "artifact", "version", "wave", "reason"} —
//     kOperatorAction when an operator's API call (Create, Pause, Resume,
//     Abort, Rollback) caused it, kOtaState when the controller did (Tick).
// Thread-safe (one mutex).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "hub/bus/event_bus.h"
#include "hub/rollout/deployment.h"
#include "hub/store/artifact_store.h"
#include "hub/store/device_store.h"
#include "hub/store/rollout_store.h"
#include "wire/ota_messages.h"

namespace keel::hub::rollout {

struct RolloutOptions {
  int64_t poll_interval_ms = 30'000;  // told to devices in every poll reply
  // Where to publish recorded changes (above); null: nowhere. Must outlive
  // the controller.
  bus::EventBus* bus = nullptr;
  // The device's topology labels (hub/topology ContextOf: tenant, site,
  // gateway, asset, criticality, and its tags); null: its tags only.
  // `tag:K=V` targets match these and then the device's own tags, so
  // `tag:site=north` or `tag:gateway=gw-1` targets what the topology puts
  // there. Called on the API thread that creates a deployment.
  std::function<DeviceTags(const std::string& device)> context;
};

// Counts per device state, and the deployment's progress.
struct DeploymentStatus {
  Deployment deployment;
  std::map<std::string, DeviceRollout> devices;
  std::map<std::string, int> counts;  // state -> devices
  int waves = 0;                      // including the canary wave
};

class RolloutController {
 public:
  // Loads every deployment and the devices' KPIs. The stores and `clock`
  // must outlive the controller.
  static Result<std::unique_ptr<RolloutController>> Open(RolloutStore& store, DeviceStore& devices,
                                                         ArtifactStore& artifacts,
                                                         const Clock& clock,
                                                         RolloutOptions options = {});

  // NotFound if the artifact is not published; FailedPrecondition if no
  // active device matches the target. Starts wave 0 at once.
  Result<DeploymentStatus> Create(DeploymentSpec spec, const std::string& created_by);
  // Operator actions; FailedPrecondition when the state does not allow it
  // (e.g. resuming a completed deployment).
  Result<DeploymentStatus> Pause(int64_t id);
  Result<DeploymentStatus> Resume(int64_t id);
  Result<DeploymentStatus> Abort(int64_t id);
  Result<DeploymentStatus> Rollback(int64_t id);

  Result<DeploymentStatus> Get(int64_t id) const;
  std::vector<Deployment> List() const;

  // One update poll of `device` (already authenticated).
  Result<wire::PollReply> Poll(const std::string& device, const wire::PollRequest& request);

  // Timeouts, gates and waves as of now.
  Status Tick();

 private:
  struct Kpis {
    std::string version;  // the model version these were counted under
    int64_t windows = 0, anomalies = 0, errors = 0;
    double latency_p99_us = 0;  // the latest reported; 0: none yet
  };
  struct Entry {
    Deployment d;
    std::map<std::string, DeviceRollout> rows;
    std::string recorded_state;  // d.state as last written to the store
  };
  // Publishes, once the caller's lock on mu_ is released, the events that
  // changes recorded meanwhile queued (declare it before the lock).
  class PublishOnExit {
   public:
    explicit PublishOnExit(RolloutController& c) : c_(c) {}
    ~PublishOnExit() { c_.PublishRecorded(); }
    PublishOnExit(const PublishOnExit&) = delete;
    PublishOnExit& operator=(const PublishOnExit&) = delete;

   private:
    RolloutController& c_;
  };

  RolloutController(RolloutStore& store, DeviceStore& devices, ArtifactStore& artifacts,
                    const Clock& clock, RolloutOptions options)
      : store_(store), devices_(devices), artifacts_(artifacts), clock_(clock), options_(options) {}

  Status Load();
  Result<Entry*> Find(int64_t id);
  // Writes the deployment and the named rows; once written, queues their
  // events (operator: an operator's call caused the deployment's change).
  Status Save(Entry& e, const std::vector<std::string>& changed_rows, bool by_operator = false);
  // Queues the events of recorded changes: the named rows, and the
  // deployment's state if it differs from e.recorded_state (then updated).
  void Record(Entry& e, const std::vector<std::string>& changed_rows, bool by_operator);
  // Publishes what Record queued, in order (outside mu_).
  void PublishRecorded();
  DeploymentStatus StatusOf(const Entry& e) const;
  // The number of waves and the wave of the i-th of n ordered devices.
  static int WaveCount(const DeploymentSpec& spec) {
    return 1 + static_cast<int>(spec.waves.size());
  }
  static int WaveOf(const DeploymentSpec& spec, size_t i, size_t n);

  Status StartWave(Entry& e, int wave, int64_t now);
  Status StartRollback(Entry& e, const std::string& reason, int64_t now, bool by_operator = false);
  Status TickOne(Entry& e, int64_t now);
  // The gate of the settled current wave: "" when it passes, else why not;
  // *note gets a remark for the deployment's reason when it passes blind.
  std::string Gate(const Entry& e, std::string* note) const;
  // Applies one report to the rows it concerns; returns the deployment id
  // changed, if any.
  std::optional<int64_t> Apply(const std::string& device, const wire::OtaReport& report,
                               int64_t now);
  // States a final install report may still change (a late report after a
  // timeout tells the truth about the device).
  static bool AwaitsInstallOrLate(std::string_view state);

  RolloutStore& store_;
  DeviceStore& devices_;
  ArtifactStore& artifacts_;
  const Clock& clock_;
  const RolloutOptions options_;
  mutable std::mutex mu_;
  std::map<int64_t, Entry> entries_;
  std::map<std::string, Kpis> kpis_;     // device -> model KPIs
  std::vector<bus::Event> unpublished_;  // guarded by mu_: recorded, not yet published
  // Held while publishing, so events leave in the order they were recorded
  // even when two calls finish at once.
  std::mutex publish_mu_;
};

}  // namespace keel::hub::rollout
