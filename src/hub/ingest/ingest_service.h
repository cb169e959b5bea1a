// IngestService: the hub's path from an MQTT message to durable storage and
// the application-level acknowledgement back to the device.
//
//   broker thread: OnMessage -> parse topic, check identity, decode, validate
//                  -> bounded queue (full: shed and count; the device resends)
//   writer thread: drain up to max_batch_messages or max_batch_delay_ms ->
//                  one store transaction (dedupe by (device, seq)) -> commit ->
//                  ack the highest contiguous seq per device.
//
// An ack is sent only after the transaction that stored the batch committed,
// so a hub crash at any point loses nothing: an unacked batch stays in the
// device's outbox and is sent again; the store drops the duplicate.
// Every rejected message is counted by reason in keel_ingest_rejected_total.
//
// With an event bus (IngestOptions::bus), ingest publishes what it stored,
// only after the transaction that stored it committed (a consumer never sees
// what the store may still lose), in the order the messages arrived
// (docs/events.md):
//   - per stored batch (not a duplicate): one kTelemetry "telemetry.batch"
//     (seq, t = newest sample or receipt time, data {"samples", "events",
//     "series": [names]}), then one event per device event it carries, in
//     batch order: kDetection for "*.raised" / "*.cleared", else
//     kDeviceEvent (seq = the batch's, t and data the event's own);
//   - a gap notice, once recorded: kDeviceEvent "outbox.dropped" (seq 0,
//     data {"from", "to", "count"});
//   - a state message that changes the device's connectivity as this
//     process knew it (the first one after a hub start always does), once
//     recorded: kDeviceOnline "device.online" / kDeviceOffline
//     "device.offline" (t = the device's report time, data {"agent",
//     "outbox_depth"}).
// Device events carried in a telemetry batch take the same path and are
// stored in the batch's transaction (keel_ingest_events_total); a batch of
// events only is acked like any other.
//
// Thread-safe: OnMessage may be called from any thread.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <utility>
#include <variant>

#include "common/clock.h"
#include "common/metrics.h"
#include "hub/bus/event_bus.h"
#include "hub/store/device_store.h"
#include "hub/store/telemetry_store.h"
#include "mqtt/client.h"
#include "wire/reject_reason.h"
#include "wire/telemetry_codec.h"

namespace keel::hub {

struct IngestOptions {
  size_t queue_capacity = 20000;  // messages waiting for the writer
  size_t max_batch_messages = 1000;
  int64_t max_batch_delay_ms = 20;
  // The identity the broker stamped on the message (user property
  // "keel-identity", see docs/security.md). When required, a message without
  // it is rejected; with an external broker that cannot stamp, the broker's
  // ACL is the only check.
  bool require_identity_property = true;
  wire::DecodeLimits limits;
  // Whether a device is quarantined by attestation (hub/attest). Its
  // telemetry and outbox notices (events topic) are then dropped WITHOUT an
  // ack and counted in keel_ingest_quarantined_total: they stay in the
  // device's outbox and are stored once the quarantine is lifted. State
  // messages still count. Null: no device is quarantined. Called on the
  // broker thread; must be fast and thread-safe.
  std::function<bool(const std::string& device_id)> is_quarantined;
  // Where to publish what was stored (see above); null: nowhere. Must
  // outlive the service. Publish runs on the writer thread, after the acks
  // of the commit were sent, and may wait (bounded) on a full bus stage.
  bus::EventBus* bus = nullptr;
  // Series whose samples the telemetry event carries (data.points, for the
  // hub rules: docs/events.md); null: none. Called on the writer thread for
  // every stored series; must be fast and thread-safe.
  std::function<bool(const std::string& series)> attach_points;
};

class IngestService {
 public:
  // Sends `{"ack": seq}` to the device; called on the writer thread.
  using AckSender = std::function<void(const std::string& device_id, uint64_t seq)>;

  IngestService(DeviceStore& devices, TelemetryStore& telemetry, const Clock& clock,
                MetricsRegistry& metrics, IngestOptions options, AckSender send_ack);
  ~IngestService();
  IngestService(const IngestService&) = delete;
  IngestService& operator=(const IngestService&) = delete;

  void Start();
  // Drains what is queued, then stops the writer. Idempotent.
  void Stop();

  void OnMessage(const mqtt::Message& message);
  void OnDeviceRevoked(const std::string& device_id);

  // Devices whose last state message said they are online.
  size_t ConnectedDevices() const;
  // Blocks until every message accepted so far has been committed (tests).
  void Flush();

 private:
  struct GapNotice {
    std::string device_id;
    uint64_t from = 0;
    uint64_t to = 0;
    int64_t t_ms = 0;  // the notice's own time (device clock)
  };
  struct SyncNotice {
    std::string device_id;
    uint64_t acked = 0;
  };
  struct StateReport {
    std::string device_id;
    DeviceReport report;
    bool online = true;
    // Whether this report changes the device's connectivity as ingest knew
    // it (then it is published on the bus once recorded).
    bool connectivity_changed = false;
  };
  using Work = std::variant<IngestBatch, GapNotice, SyncNotice, StateReport>;

  void Reject(wire::RejectReason reason, const std::string& topic, const std::string& why);
  bool DeviceAllowed(const std::string& device_id, wire::RejectReason* reason);
  void HandleTelemetry(const std::string& device_id, const mqtt::Message& message);
  void HandleEvent(const std::string& device_id, const mqtt::Message& message);
  // `only_offline`: the message carries no broker-stamped identity, which is
  // acceptable only for a last will (online = false).
  void HandleState(const std::string& device_id, const mqtt::Message& message, bool only_offline);
  void Enqueue(Work work);
  void WriterLoop();
  void Commit(std::vector<Work>& work);
  // Puts what a commit stored on options_.bus, each event tagged with the
  // index in the commit of the message that carried it: published in that
  // order (arrival), a message's own events in the order they were added.
  void Publish(std::vector<std::pair<size_t, bus::Event>>& events);

  DeviceStore& devices_;
  TelemetryStore& telemetry_;
  const Clock& clock_;
  MetricsRegistry& metrics_;
  const IngestOptions options_;
  AckSender send_ack_;

  Counter& messages_;
  Counter& samples_;
  Counter& events_;
  Counter& duplicates_;
  Counter& shed_;
  Counter& commits_;
  Counter& quarantined_;

  mutable std::mutex mu_;
  std::condition_variable work_ready_;
  std::condition_variable drained_;
  std::deque<Work> queue_;
  uint64_t enqueued_ = 0;
  uint64_t committed_ = 0;
  bool stopping_ = false;
  bool started_ = false;
  std::unordered_map<std::string, DeviceState> device_cache_;
  std::unordered_map<std::string, bool> online_;
  std::thread writer_;
};

}  // namespace keel::hub
