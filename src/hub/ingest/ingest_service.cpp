#include "hub/ingest/ingest_service.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <optional>

#include "wire/messages.h"
#include "wire/topics.h"

namespace keel::hub {
namespace {

constexpr std::string_view kIdentityProperty = "keel-identity";

const std::string* FindUserProperty(const mqtt::Message& message, std::string_view key) {
  const std::string* found = nullptr;
  for (const auto& [k, v] : message.user_properties) {
    if (k == key) found = &v;
  }
  return found;
}

// The bus events of a stored batch: its summary, then its device events.
void AddBatchEvents(const IngestBatch& stored, size_t index,
                    const std::function<bool(const std::string&)>& attach_points,
                    std::vector<std::pair<size_t, bus::Event>>* out) {
  const wire::TelemetryBatch& batch = stored.batch;
  bus::Event summary{bus::EventKind::kTelemetry, stored.device_id, batch.seq, 0, "telemetry.batch"};
  std::optional<int64_t> newest;
  nlohmann::json series = nlohmann::json::array();
  nlohmann::json points = nlohmann::json::object();
  for (const auto& s : batch.series) {
    series.push_back(s.name);
    for (const auto& p : s.points) newest = std::max(newest.value_or(p.t_ms), p.t_ms);
    if (attach_points && attach_points(s.name)) {
      auto& list = points[s.name] = nlohmann::json::array();
      for (const auto& p : s.points) list.push_back({p.t_ms, p.value});
    }
  }
  summary.t_ms = newest.value_or(stored.received_ms);
  summary.data = {{"samples", batch.SampleCount()},
                  {"events", batch.events.size()},
                  {"series", std::move(series)}};
  if (!points.empty()) summary.data["points"] = std::move(points);
  out->emplace_back(index, std::move(summary));
  for (const auto& e : batch.events) {
    out->emplace_back(index, bus::Event{bus::KindOfDeviceEvent(e.type), stored.device_id, batch.seq,
                                        e.t_ms, e.type, e.data});
  }
}

}  // namespace

IngestService::IngestService(DeviceStore& devices, TelemetryStore& telemetry, const Clock& clock,
                             MetricsRegistry& metrics, IngestOptions options, AckSender send_ack)
    : devices_(devices),
      telemetry_(telemetry),
      clock_(clock),
      metrics_(metrics),
      options_(std::move(options)),
      send_ack_(std::move(send_ack)),
      messages_(metrics.GetCounter("keel_ingest_messages_total",
                                   "Telemetry messages stored (not counting duplicates)")),
      samples_(metrics.GetCounter("keel_ingest_samples_total", "Samples stored")),
      events_(metrics.GetCounter("keel_ingest_events_total",
                                 "Device events stored (carried in telemetry batches)")),
      duplicates_(metrics.GetCounter("keel_ingest_duplicates_total",
                                     "Telemetry messages dropped as already stored (redelivery)")),
      shed_(metrics.GetCounter("keel_ingest_shed_total",
                               "Messages shed because the ingest queue was full (device resends)")),
      commits_(metrics.GetCounter("keel_ingest_commits_total", "Store transactions committed")),
      quarantined_(metrics.GetCounter(
          "keel_ingest_quarantined_total",
          "Messages of quarantined devices dropped unacknowledged (the device resends later)")) {
  for (const auto reason : wire::kAllRejectReasons) {
    if (reason == wire::RejectReason::kDuplicate) continue;  // keel_ingest_duplicates_total
    metrics_.GetCounter("keel_ingest_rejected_total", "Messages rejected, by reason",
                        {{"reason", std::string(wire::RejectReasonName(reason))}});
  }
}

IngestService::~IngestService() { Stop(); }

void IngestService::Start() {
  std::lock_guard lock(mu_);
  if (started_) return;
  started_ = true;
  stopping_ = false;
  writer_ = std::thread([this] { WriterLoop(); });
}

void IngestService::Stop() {
  {
    std::lock_guard lock(mu_);
    if (!started_) return;
    stopping_ = true;
  }
  work_ready_.notify_all();
  writer_.join();
  std::lock_guard lock(mu_);
  started_ = false;
}

void IngestService::OnDeviceRevoked(const std::string& device_id) {
  std::lock_guard lock(mu_);
  device_cache_[device_id] = DeviceState::kRevoked;
  online_.erase(device_id);
}

size_t IngestService::ConnectedDevices() const {
  std::lock_guard lock(mu_);
  size_t n = 0;
  for (const auto& [id, online] : online_) n += online ? 1 : 0;
  return n;
}

void IngestService::Flush() {
  std::unique_lock lock(mu_);
  const uint64_t target = enqueued_;
  drained_.wait(lock, [&] { return committed_ >= target || !started_; });
}

void IngestService::Reject(wire::RejectReason reason, const std::string& topic,
                           const std::string& why) {
  metrics_
      .GetCounter("keel_ingest_rejected_total", "Messages rejected, by reason",
                  {{"reason", std::string(wire::RejectReasonName(reason))}})
      .Increment();
  spdlog::debug("ingest: rejected message on {}: {}: {}", topic, wire::RejectReasonName(reason),
                why);
}

bool IngestService::DeviceAllowed(const std::string& device_id, wire::RejectReason* reason) {
  {
    std::lock_guard lock(mu_);
    auto it = device_cache_.find(device_id);
    if (it != device_cache_.end()) {
      if (it->second == DeviceState::kRevoked) {
        *reason = wire::RejectReason::kRevokedDevice;
        return false;
      }
      return true;
    }
  }
  auto device = devices_.GetDevice(device_id);
  if (!device.ok()) {
    *reason = wire::RejectReason::kUnknownDevice;
    return false;
  }
  std::lock_guard lock(mu_);
  device_cache_[device_id] = device->state;
  if (device->state == DeviceState::kRevoked) {
    *reason = wire::RejectReason::kRevokedDevice;
    return false;
  }
  return true;
}

void IngestService::OnMessage(const mqtt::Message& message) {
  auto topic = wire::ParseTopic(message.topic);
  if (!topic.ok()) {
    Reject(wire::RejectReason::kBadTopic, message.topic, topic.status().message());
    return;
  }
  const std::string* identity = FindUserProperty(message, kIdentityProperty);
  // The broker publishes a device's last will itself, without stamping it;
  // Mosquitto checked the will topic against the ACL when the device
  // connected. So an unstamped message is accepted only as an offline state.
  const bool unstamped_will = identity == nullptr && topic->kind == wire::TopicKind::kState;
  if (identity == nullptr && options_.require_identity_property && !unstamped_will) {
    Reject(wire::RejectReason::kIdentityMismatch, message.topic, "no broker-stamped identity");
    return;
  }
  if (identity != nullptr && *identity != topic->device_id) {
    Reject(wire::RejectReason::kIdentityMismatch, message.topic,
           "published by \"" + *identity + "\"");
    return;
  }
  wire::RejectReason reason{};
  if (!DeviceAllowed(topic->device_id, &reason)) {
    Reject(reason, message.topic, "device \"" + topic->device_id + "\" may not send");
    return;
  }
  const bool upload =
      topic->kind == wire::TopicKind::kTelemetry || topic->kind == wire::TopicKind::kEvents;
  if (upload && options_.is_quarantined && options_.is_quarantined(topic->device_id)) {
    quarantined_.Increment();
    spdlog::debug("ingest: dropped a message on {}: device \"{}\" is quarantined", message.topic,
                  topic->device_id);
    return;
  }
  switch (topic->kind) {
    case wire::TopicKind::kTelemetry:
      HandleTelemetry(topic->device_id, message);
      return;
    case wire::TopicKind::kEvents:
      HandleEvent(topic->device_id, message);
      return;
    case wire::TopicKind::kState:
      HandleState(topic->device_id, message, unstamped_will && options_.require_identity_property);
      return;
    case wire::TopicKind::kCommand:
      return;  // our own commands echoed by a wildcard subscription
  }
}

void IngestService::HandleTelemetry(const std::string& device_id, const mqtt::Message& message) {
  auto encoding = wire::EncodingForContentType(message.content_type);
  if (!encoding) {
    Reject(wire::RejectReason::kUnsupportedContentType, message.topic,
           "content type \"" + message.content_type + "\"");
    return;
  }
  IngestBatch batch;
  batch.device_id = device_id;
  batch.received_ms = clock_.NowMs();
  if (auto rejection = wire::DecodeTelemetry(*encoding, message.payload, batch.received_ms,
                                             options_.limits, &batch.batch)) {
    Reject(rejection->reason, message.topic, rejection->message);
    return;
  }
  Enqueue(std::move(batch));
}

void IngestService::HandleEvent(const std::string& device_id, const mqtt::Message& message) {
  auto event = wire::DecodeEvent(message.payload);
  if (!event.ok()) {
    Reject(wire::RejectReason::kMalformed, message.topic, event.status().message());
    return;
  }
  if (event->type == wire::kOutboxSyncEventType) {
    auto acked = wire::DecodeOutboxSync(*event);
    if (!acked.ok()) {
      Reject(wire::RejectReason::kMalformed, message.topic, acked.status().message());
      return;
    }
    Enqueue(SyncNotice{device_id, *acked});
    return;
  }
  if (event->type != wire::kOutboxDroppedEventType) return;
  auto range = wire::DecodeDroppedRange(*event);
  if (!range.ok()) {
    Reject(wire::RejectReason::kMalformed, message.topic, range.status().message());
    return;
  }
  Enqueue(GapNotice{device_id, range->from, range->to, event->t_ms});
}

void IngestService::HandleState(const std::string& device_id, const mqtt::Message& message,
                                bool only_offline) {
  if (message.payload.empty()) return;  // a cleared retained message
  auto state = wire::DecodeDeviceState(message.payload);
  if (!state.ok()) {
    Reject(wire::RejectReason::kMalformed, message.topic, state.status().message());
    return;
  }
  if (only_offline && state->online) {
    Reject(wire::RejectReason::kIdentityMismatch, message.topic,
           "an unstamped state message may only report offline");
    return;
  }
  bool changed = false;
  {
    std::lock_guard lock(mu_);
    auto [it, inserted] = online_.try_emplace(device_id, state->online);
    changed = inserted || it->second != state->online;
    it->second = state->online;
  }
  DeviceReport report;
  report.t_ms = state->t_ms;
  report.outbox_depth = state->outbox_depth;
  report.outbox_bytes = state->outbox_bytes;
  report.dropped_total = state->dropped_total;
  report.cert_not_after_ms = state->cert_not_after_ms;
  report.agent = state->agent;
  metrics_
      .GetGauge("keel_device_outbox_depth", "Outbox depth (batches) as last reported by the device",
                {{"device", device_id}})
      .Set(static_cast<double>(report.outbox_depth));
  Enqueue(StateReport{device_id, std::move(report), state->online, changed});
}

void IngestService::Enqueue(Work work) {
  {
    std::lock_guard lock(mu_);
    if (queue_.size() >= options_.queue_capacity) {
      shed_.Increment();
      return;
    }
    queue_.push_back(std::move(work));
    ++enqueued_;
  }
  work_ready_.notify_one();
}

void IngestService::WriterLoop() {
  std::vector<Work> work;
  for (;;) {
    {
      std::unique_lock lock(mu_);
      work_ready_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty() && stopping_) return;
      // Linger briefly so that one transaction carries many messages.
      if (queue_.size() < options_.max_batch_messages && !stopping_) {
        work_ready_.wait_for(lock, std::chrono::milliseconds(options_.max_batch_delay_ms), [&] {
          return stopping_ || queue_.size() >= options_.max_batch_messages;
        });
      }
      while (!queue_.empty() && work.size() < options_.max_batch_messages) {
        work.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    Commit(work);
    {
      std::lock_guard lock(mu_);
      committed_ += work.size();
    }
    drained_.notify_all();
    work.clear();
  }
}

void IngestService::Commit(std::vector<Work>& work) {
  std::vector<IngestBatch> batches;
  std::vector<size_t> batch_index;  // the index in `work` of each of `batches`
  std::vector<std::pair<std::string, uint64_t>> acks;
  std::vector<std::pair<size_t, bus::Event>> stored_events;  // published once durable
  const bool publish = options_.bus != nullptr;
  for (size_t index = 0; index < work.size(); ++index) {
    auto& item = work[index];
    if (auto* batch = std::get_if<IngestBatch>(&item)) {
      batches.push_back(std::move(*batch));
      batch_index.push_back(index);
    } else if (auto* gap = std::get_if<GapNotice>(&item)) {
      auto watermark = telemetry_.RecordGap(gap->device_id, gap->from, gap->to, clock_.NowMs());
      if (watermark.ok()) {
        acks.emplace_back(gap->device_id, *watermark);
        if (publish) {
          stored_events.emplace_back(index, bus::Event{bus::EventKind::kDeviceEvent,
                                                       gap->device_id,
                                                       0,
                                                       gap->t_ms,
                                                       std::string(wire::kOutboxDroppedEventType),
                                                       {{"from", gap->from},
                                                        {"to", gap->to},
                                                        {"count", gap->to - gap->from + 1}}});
        }
      } else {
        spdlog::warn("ingest: gap {}..{} from {}: {}", gap->from, gap->to, gap->device_id,
                     watermark.status().ToString());
      }
    } else if (auto* sync = std::get_if<SyncNotice>(&item)) {
      auto watermark = telemetry_.SettleUpTo(sync->device_id, sync->acked, clock_.NowMs());
      if (watermark.ok()) {
        acks.emplace_back(sync->device_id, *watermark);
      } else {
        spdlog::warn("ingest: sync {} from {}: {}", sync->acked, sync->device_id,
                     watermark.status().ToString());
      }
    } else if (auto* state = std::get_if<StateReport>(&item)) {
      Status s = devices_.RecordDeviceReport(state->device_id, state->report);
      if (!s.ok()) {
        spdlog::warn("ingest: state of {}: {}", state->device_id, s.ToString());
      } else if (publish && state->connectivity_changed) {
        const bool online = state->online;
        stored_events.emplace_back(
            index,
            bus::Event{
                online ? bus::EventKind::kDeviceOnline : bus::EventKind::kDeviceOffline,
                state->device_id,
                0,
                state->report.t_ms,
                online ? "device.online" : "device.offline",
                {{"agent", state->report.agent}, {"outbox_depth", state->report.outbox_depth}}});
      }
    }
  }
  if (!batches.empty()) {
    auto result = telemetry_.WriteBatches(batches);
    if (!result.ok()) {
      // Nothing is acked, so every device sends these batches again.
      spdlog::error("ingest: store write of {} batches failed: {}", batches.size(),
                    result.status().ToString());
      Publish(stored_events);  // what the other messages recorded is durable
      return;
    }
    commits_.Increment();
    for (size_t i = 0; i < result->outcomes.size(); ++i) {
      switch (result->outcomes[i]) {
        case BatchOutcome::kStored:
          messages_.Increment();
          if (publish) {
            AddBatchEvents(batches[i], batch_index[i], options_.attach_points, &stored_events);
          }
          break;
        case BatchOutcome::kDuplicate:
          duplicates_.Increment();
          break;
        case BatchOutcome::kUnknownDevice:
          Reject(wire::RejectReason::kUnknownDevice, batches[i].device_id, "not registered");
          break;
        case BatchOutcome::kInvalid:
          Reject(wire::RejectReason::kBadSeq, batches[i].device_id, "refused by the store");
          break;
      }
    }
    samples_.Increment(result->samples_stored);
    events_.Increment(result->events_stored);
    for (auto& watermark : result->watermarks) acks.push_back(std::move(watermark));
  }
  for (const auto& [device, seq] : acks) {
    if (seq > 0) send_ack_(device, seq);
  }
  Publish(stored_events);
}

void IngestService::Publish(std::vector<std::pair<size_t, bus::Event>>& events) {
  if (options_.bus == nullptr) return;
  std::stable_sort(events.begin(), events.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  for (auto& [index, event] : events) options_.bus->Publish(std::move(event));
}

}  // namespace keel::hub
