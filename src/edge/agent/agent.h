// Agent: one running keel-edge device.
//
//   sampler thread:   every batch interval, read the sensors -> one
//                     TelemetryBatch -> Outbox::Append (durable) -> wake the
//                     publisher. With [analytics], the sensors are read every
//                     tick_ms and go through EdgeAnalytics (windows, model,
//                     rules, local actions, data reduction); its events are
//                     appended at once, the reduced series every interval.
//   publisher thread: publish unacknowledged batches in seq order, at most
//                     max_inflight beyond the last ack; resend from the last
//                     ack after a reconnect or when no ack came for
//                     ack_timeout_ms; report drop notices and state; renew
//                     the certificate at 2/3 of its lifetime
//   MQTT thread:      acks from keel/v1/<id>/cmd/ack -> Outbox::Ack; raw
//                     requests from keel/v1/<id>/cmd/raw -> EdgeAnalytics
//   OTA thread:       with [ota] (agent_ota.cpp): OtaManager::Step every poll
//                     interval (rollout directives, install reports, KPIs);
//                     a model that changed is built into a new EdgeAnalytics
//                     here and handed to the sampler, which swaps it in
//                     between two ticks (the new instance learns again, as at
//                     start)
//   attestation thread: with [attest] (agent_attest.cpp, AttestationWorker):
//                     quotes what the agent loaded (MeasuredLoad: its binary,
//                     its configuration, each model bundle) to the hub on
//                     every (re)connect, after every model change and every
//                     interval_s, re-measuring the files each time
//
// A batch leaves the outbox only when the hub says it is durably stored, so
// a crash of the agent, the broker or the hub loses nothing; redelivered
// batches are dropped by the hub by (device, seq).
#pragma once

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "common/random.h"
#include "common/status.h"
#include "edge/agent/agent_measurements.h"
#include "edge/agent/attestation_worker.h"
#include "edge/analytics/edge_analytics.h"
#include "edge/attest/attestor.h"
#include "edge/attest/measured_load.h"
#include "edge/config/agent_config.h"
#include "edge/ota/hub_https.h"
#include "edge/ota/ota_manager.h"
#include "edge/outbox/outbox.h"
#include "edge/sensors/sensor_driver.h"
#include "mqtt/client.h"
#include "wire/telemetry_codec.h"

namespace keel::edge {

// The version of the provisioned keel-edge binary (a binary installed by a
// rollout is named by its agent slot instead).
inline constexpr std::string_view kAgentRelease = "0.1.0";

struct AgentStats {
  uint64_t samples_read = 0;
  uint64_t batches_appended = 0;
  uint64_t batches_published = 0;  // including resends
  uint64_t resends = 0;
  uint64_t acked_seq = 0;
  uint64_t renewals = 0;
  uint64_t events_appended = 0;   // device events written to the outbox
  uint64_t bytes_appended = 0;    // encoded payload bytes written to the outbox
  uint64_t anomalies_raised = 0;  // "anomaly.raised" events from the analytics
  uint64_t analytics_errors = 0;  // EdgeAnalytics::Process calls that failed
  uint64_t model_swaps = 0;       // models swapped in after an OTA change
  bool connected = false;
  // The sampler thread runs under SCHED_FIFO ([analytics] realtime_priority
  // set and permitted).
  bool sampler_realtime = false;
  OutboxStats outbox;
  // With [analytics]: windows, events, decision latency, and raw_bytes,
  // whose ratio to bytes_appended is the data reduction achieved.
  std::optional<analytics::AnalyticsStats> analytics;
  // With [attest] enabled.
  std::optional<AttestationStats> attestation;
};

// The first seq of a new outbox: the wall clock in microseconds, which no
// earlier outbox of the device can have reached (it would have needed more
// than one batch per microsecond). 1 when the clock is before 2020, i.e. not
// set yet; then a re-installed device's first batches may be taken for
// duplicates of its earlier outbox's (docs/protocol.md).
uint64_t FirstSeqForNewOutbox(const Clock& clock);

class Agent {
 public:
  // `clock` and `random` must outlive the agent.
  Agent(AgentConfig config, const Clock& clock, Random& random);
  ~Agent();
  Agent(const Agent&) = delete;
  Agent& operator=(const Agent&) = delete;

  // Opens the outbox, creates the sensors, connects. Fails on a bad identity
  // directory, an unreadable outbox or an unknown sensor kind.
  Status Start();
  // Stops reading sensors; publishing goes on so the outbox drains.
  void StopSampling();
  // Stops sampling and publishing and disconnects; the outbox keeps whatever
  // was not acknowledged. Idempotent.
  void Stop();

  AgentStats stats() const;
  // An agent binary was installed (on trial) or reverted by a rollout: the
  // process should Stop() and exit with supervisor::kRestartRequested so
  // that `keel-edge supervise` starts the slot to run.
  bool restart_requested() const { return restart_requested_; }
  const std::string& device_id() const { return config_.device.id; }
  // The agent starts with configuration overlay `overlay` on trial
  // (ota::LoadEffectiveAgentConfig counted the start): it is committed in the
  // config slots in `slots_dir` once the agent has kept its connection to the
  // hub's broker for [ota] config_soak_s (the first connect also tells
  // `keel-edge supervise` that the agent is healthy), and the OTA thread
  // polls at once to report it. Without that soak within [ota]
  // config_health_timeout_s of Start, the OTA thread rolls the trial back
  // and asks for a restart (restart_requested), so that the previous
  // configuration runs and the next start reports it. Call before Start.
  void CommitConfigTrialWhenHealthy(std::filesystem::path slots_dir, ota::SlotManifest overlay);
  // The configuration was loaded with `overlay` applied
  // (ota::LoadEffectiveAgentConfig): attestation measures it instead of the
  // local file. Without this call the local file is what runs and is
  // measured. Call before Start.
  void SetConfigOverlay(ConfigOverlay overlay) { config_overlay_ = std::move(overlay); }

 private:
  Status StartMqtt();
  void SamplerLoop();
  // Encodes `output` into batches (events in the first) and appends them to
  // the outbox; wakes the publisher.
  void AppendBatches(analytics::AnalyticsOutput output);
  void PublisherLoop();
  void PublishPending();
  void PublishState(bool online);
  void PublishDropNotices();
  void MaybeRenew();
  void OnMessage(const mqtt::Message& message);
  // keel/v1/<id>/cmd/raw: send raw samples for a while (wire::RawRequest).
  void OnRawRequest(const mqtt::Message& message);
  void OnConnect(mqtt::Client& client);
  // agent_ota.cpp: opens the OtaManager when [ota] is on (errors are logged:
  // telemetry runs without OTA); the model slot to start with, if any.
  void StartOta();
  // agent_attest.cpp: measures the binary and the configuration and starts
  // the attestation thread (with [attest] enabled; nothing otherwise).
  void StartAttestation();
  // Records the model bundle in `dir` as loaded (errors are logged: the
  // hub then sees the previous model, or none, and quarantines if it
  // expected this one) and asks for an attestation when `why` is set.
  void RecordModelLoad(const std::filesystem::path& dir, std::string_view why);
  void OtaLoop();
  // Commits config_trial_ once the agent kept its broker connection
  // [ota] config_soak_s (on the OTA thread; without one, at the connect).
  void CommitConfigTrial();
  // Rolls config_trial_ back ([ota] config_health_timeout_s passed without
  // its soak) and requests a restart; on the OTA thread.
  void RollBackConfigTrial();
  // On the OTA thread: builds analytics for the bundle in `slot` (null: the
  // model the configuration names) and hands it to the sampler. An error
  // (the bundle does not fit the configuration) leaves the running
  // analytics alone.
  Status OnModelChanged(const ota::Slot* slot);
  // On the sampler thread: flushes the running analytics into *pending and
  // swaps in `next`.
  void SwapAnalytics(std::unique_ptr<analytics::EdgeAnalytics> next,
                     analytics::AnalyticsOutput* pending);
  wire::DeviceKpis KpiTotals() const;

  AgentConfig config_;
  const Clock& clock_;
  Random& random_;
  const wire::Encoding encoding_;

  std::unique_ptr<Outbox> outbox_;
  std::vector<std::unique_ptr<SensorDriver>> sensors_;
  // With [analytics] only. Replaced only by the sampler thread, under
  // analytics_mu_; other threads use it under analytics_mu_.
  std::unique_ptr<analytics::EdgeAnalytics> analytics_;
  mutable std::mutex analytics_mu_;
  uint64_t windows_before_swap_ = 0;   // of the replaced instances; under analytics_mu_
  std::vector<ChannelSpec> channels_;  // of the sensors, for rebuilding the analytics

  // [ota]: null when off. The sources outlive the manager that uses them.
  std::shared_ptr<ota::HubConnection> ota_hub_;  // one connection per poll
  std::unique_ptr<ota::UpdateSource> ota_source_;
  std::unique_ptr<ota::PollTransport> ota_transport_;
  std::unique_ptr<ota::OtaManager> ota_;
  std::atomic<bool> ota_stopping_{false};  // cuts a download short on Stop
  std::atomic<bool> restart_requested_{false};
  // CommitConfigTrialWhenHealthy; set before Start, read by the MQTT thread.
  std::optional<std::pair<std::filesystem::path, ota::SlotManifest>> config_trial_;
  std::atomic<bool> config_trial_resolved_{false};
  std::optional<ConfigOverlay> config_overlay_;  // SetConfigOverlay; set before Start
  int64_t started_ms_ = 0;  // monotonic, set by Start: a config trial's timeout counts from it
  // Monotonic ms of the current broker connection's start; -1 while not
  // connected. The configuration trial's soak counts from it.
  std::atomic<int64_t> connected_since_ms_{-1};
  std::atomic<bool> ota_poll_now_{false};  // the OTA thread polls at its next turn

  // What the agent loaded, for attestation (recorded by Start and the OTA
  // thread). The worker is null without [attest]; set before the MQTT
  // client starts (OnConnect requests an attestation) and never replaced.
  attest::MeasuredLoad measured_;
  std::unique_ptr<attest::AttestTransport> attest_transport_;
  std::unique_ptr<attest::Attestor> attestor_;
  std::unique_ptr<AttestationWorker> attestation_;

  mutable std::mutex mqtt_mu_;  // guards mqtt_ replacement during renewal
  std::unique_ptr<mqtt::Client> mqtt_;

  mutable std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;
  bool sampling_stopped_ = false;
  bool resend_from_ack_ = true;   // set on (re)connect: start again after the last ack
  uint64_t last_sent_ = 0;        // highest seq published on this connection
  int64_t last_progress_ms_ = 0;  // monotonic time of the last ack progress or first send
  int64_t next_state_ms_ = 0;
  int64_t renew_due_ms_ = 0;
  int64_t cert_not_after_ms_ = 0;
  uint64_t dropped_notified_ = 0;  // dropped_total when notices were last sent
  AgentStats stats_;
  // Built by the OTA thread, swapped in by the sampler (under mu_).
  std::unique_ptr<analytics::EdgeAnalytics> next_analytics_;

  std::thread sampler_;
  std::thread publisher_;
  std::thread ota_thread_;
};

}  // namespace keel::edge
