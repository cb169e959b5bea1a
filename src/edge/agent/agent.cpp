#include "edge/agent/agent.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "crypto/certificate.h"
#include "edge/agent/analytics_setup.h"
#include "edge/agent/batching.h"
#include "edge/agent/identity.h"
#include "edge/analytics/series_accumulator.h"
#include "edge/sensors/sensor_registry.h"
#include "edge/supervisor/health_notifier.h"
#include "wire/messages.h"
#include "wire/telemetry_codec.h"
#include "wire/topics.h"

namespace keel::edge {
namespace {

constexpr int64_t kStateIntervalMs = 10'000;
constexpr int64_t kRenewRetryMs = 60'000;
constexpr size_t kPeekChunk = 64;
std::string AgentVersion() { return fmt::format("keel-edge/{}", kAgentRelease); }

}  // namespace

uint64_t FirstSeqForNewOutbox(const Clock& clock) {
  constexpr int64_t k2020Ms = 1'577'836'800'000;
  const int64_t now_ms = clock.NowMs();
  if (now_ms < k2020Ms) return 1;  // no trustworthy clock (e.g. no RTC yet)
  return std::min<uint64_t>(static_cast<uint64_t>(now_ms) * 1000, kMaxFirstSeq);
}

Agent::Agent(AgentConfig config, const Clock& clock, Random& random)
    : config_(std::move(config)),
      clock_(clock),
      random_(random),
      encoding_(config_.batch.encoding == BatchEncoding::kJson ? wire::Encoding::kJson
                                                               : wire::Encoding::kCbor) {}

Agent::~Agent() { Stop(); }

Status Agent::Start() {
  started_ms_ = clock_.MonotonicMs();
  KEEL_RETURN_IF_ERROR(RepairInterruptedRenewal(config_.device.dir));
  config_.outbox.first_seq = FirstSeqForNewOutbox(clock_);
  KEEL_ASSIGN_OR_RETURN(outbox_, Outbox::Open(config_.outbox.path, config_.outbox, clock_));
  uint64_t seed = 0;
  for (char c : config_.device.id) seed = seed * 131 + static_cast<unsigned char>(c);
  for (const auto& sensor : config_.sensors) {
    KEEL_ASSIGN_OR_RETURN(auto driver, CreateSensor(sensor, seed++));
    sensors_.push_back(std::move(driver));
  }
  for (const auto& sensor : sensors_) {
    channels_.insert(channels_.end(), sensor->channels().begin(), sensor->channels().end());
  }
  StartOta();  // may set analytics_ from the installed model slot
  if (config_.analytics && !analytics_) {
    KEEL_ASSIGN_OR_RETURN(analytics_, BuildAnalytics(*config_.analytics, channels_));
    if (!config_.analytics->model_dir.empty()) RecordModelLoad(config_.analytics->model_dir, "");
  }
  StartAttestation();
  KEEL_ASSIGN_OR_RETURN(renew_due_ms_, RenewalDueMs(config_.device.dir));
  KEEL_RETURN_IF_ERROR(StartMqtt());
  sampler_ = std::thread([this] { SamplerLoop(); });
  publisher_ = std::thread([this] { PublisherLoop(); });
  if (ota_) ota_thread_ = std::thread([this] { OtaLoop(); });
  return Status::Ok();
}

Status Agent::StartMqtt() {
  const IdentityPaths identity(config_.device.dir);
  const Endpoint& broker = config_.hub.mqtt;
  KEEL_ASSIGN_OR_RETURN(auto cert, crypto::Certificate::LoadFile(identity.cert));
  cert_not_after_ms_ = cert.NotAfterMs();
  mqtt::ClientOptions options;
  options.client_id = config_.device.id;
  options.host = broker.host;
  options.port = broker.port;
  options.ca_file = identity.ca.string();
  options.cert_file = identity.cert.string();
  options.key_file = identity.key.string();
  options.keepalive_s = static_cast<int>(config_.mqtt.keepalive_s);
  options.reconnect_min_ms = static_cast<int>(config_.mqtt.reconnect_min_ms);
  options.reconnect_max_ms = static_cast<int>(config_.mqtt.reconnect_max_ms);
  options.max_inflight = static_cast<int>(config_.mqtt.max_inflight);
  wire::DeviceState offline;
  offline.online = false;
  offline.t_ms = clock_.NowMs();
  offline.cert_not_after_ms = cert_not_after_ms_;
  offline.agent = AgentVersion();
  options.will =
      mqtt::Will{wire::StateTopic(config_.device.id), wire::EncodeDeviceState(offline), 1, true,
                 /*on_clean_disconnect=*/true};
  auto client = std::make_unique<mqtt::Client>(options, clock_, random_);
  client->on_connect([this, c = client.get()](bool) { OnConnect(*c); });
  client->on_disconnect([this](int) { connected_since_ms_ = -1; });
  client->on_message([this](const mqtt::Message& m) { OnMessage(m); });
  std::lock_guard lock(mqtt_mu_);
  mqtt_ = std::move(client);
  return mqtt_->Start();
}

void Agent::StopSampling() {
  {
    std::lock_guard lock(mu_);
    sampling_stopped_ = true;
  }
  wake_.notify_all();
  if (sampler_.joinable()) sampler_.join();
}

void Agent::Stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  ota_stopping_ = true;
  wake_.notify_all();
  if (attestation_) attestation_->Stop();
  if (sampler_.joinable()) sampler_.join();
  if (publisher_.joinable()) publisher_.join();
  if (ota_thread_.joinable()) ota_thread_.join();
  std::unique_ptr<mqtt::Client> client;
  {
    std::lock_guard lock(mqtt_mu_);
    client = std::move(mqtt_);
  }
  if (client) client->Stop();
}

AgentStats Agent::stats() const {
  AgentStats out;
  {
    std::lock_guard lock(mu_);
    out = stats_;
  }
  {
    std::lock_guard lock(mqtt_mu_);
    out.connected = mqtt_ && mqtt_->connected();
  }
  if (outbox_) out.outbox = outbox_->Stats();
  if (attestation_) out.attestation = attestation_->stats();
  std::lock_guard lock(analytics_mu_);
  if (analytics_) out.analytics = analytics_->stats();
  return out;
}

void Agent::SamplerLoop() {
  if (analytics_ && ApplyRealtimePriority(config_.analytics->realtime_priority, "sampler")) {
    std::lock_guard lock(mu_);
    stats_.sampler_realtime = true;
  }
  const int64_t interval = config_.batch.interval_ms;
  const int64_t tick = analytics_ ? std::min(config_.analytics->tick_ms, interval) : interval;
  // Both deadlines come from one reading and advance the same way, so
  // without analytics (tick == interval) every tick closes a batch.
  const int64_t start = clock_.NowMs();
  int64_t next_tick = start + tick;
  int64_t batch_due = start + interval;
  analytics::AnalyticsOutput pending;
  size_t pending_samples = 0;
  for (;;) {
    std::unique_ptr<analytics::EdgeAnalytics> next;
    {
      std::unique_lock lock(mu_);
      if (stopping_ || sampling_stopped_) break;
      next = std::move(next_analytics_);
    }
    if (next) SwapAnalytics(std::move(next), &pending);
    const int64_t now = clock_.NowMs();
    if (now < next_tick) {
      clock_.SleepMs(std::min<int64_t>(next_tick - now, 100));
      continue;
    }
    next_tick += tick;
    if (next_tick < now) next_tick = now + tick;  // fell behind: skip, don't burst

    std::vector<wire::Series> series;
    for (auto& sensor : sensors_) {
      Status s = sensor->Read(now, &series);
      if (!s.ok()) spdlog::warn("{}: sensor {}: {}", device_id(), sensor->kind(), s.ToString());
    }
    size_t samples = 0;
    for (const auto& s : series) samples += s.points.size();
    {
      std::lock_guard lock(mu_);
      stats_.samples_read += samples;
    }
    if (analytics_) {
      const size_t events_before = pending.events.size();
      Status s = analytics_->Process(std::move(series), now, &pending);
      if (!s.ok()) spdlog::warn("{}: analytics: {}", device_id(), s.ToString());
      const auto raised = std::count_if(
          pending.events.begin() + static_cast<std::ptrdiff_t>(events_before), pending.events.end(),
          [](const wire::Event& e) { return e.type == "anomaly.raised"; });
      std::lock_guard lock(mu_);
      stats_.anomalies_raised += static_cast<uint64_t>(raised);
      if (!s.ok()) ++stats_.analytics_errors;
    } else {
      analytics::MergeSeries(std::move(series), &pending.series);
    }
    pending_samples = 0;
    for (const auto& s : pending.series) pending_samples += s.points.size();
    // Events leave at once (their local actions already ran); samples wait
    // for the batch interval or the batch size.
    if (now >= batch_due || !pending.events.empty() ||
        pending_samples >= static_cast<size_t>(config_.batch.max_samples)) {
      AppendBatches(std::move(pending));
      pending = {};
      if (now >= batch_due) {
        batch_due += interval;
        if (batch_due <= now) batch_due = now + interval;
      }
    }
  }
  if (analytics_) analytics_->Flush(&pending);
  AppendBatches(std::move(pending));
}

void Agent::AppendBatches(analytics::AnalyticsOutput output) {
  auto batches =
      SplitIntoBatches(std::move(output), static_cast<size_t>(config_.batch.max_samples));
  if (batches.empty()) return;
  for (auto& batch : batches) {
    size_t bytes = 0;
    auto appended = outbox_->Append(
        [&](uint64_t seq) {
          batch.seq = seq;
          std::string payload = wire::EncodeTelemetry(batch, encoding_);
          bytes = payload.size();
          return payload;
        },
        wire::ContentTypeFor(encoding_));
    if (!appended.ok()) {
      spdlog::warn("{}: outbox: {}", device_id(), appended.status().ToString());
      continue;
    }
    std::lock_guard lock(mu_);
    ++stats_.batches_appended;
    stats_.events_appended += batch.events.size();
    stats_.bytes_appended += bytes;
  }
  wake_.notify_all();
}

void Agent::OnRawRequest(const mqtt::Message& message) {
  auto request = wire::DecodeRawRequest(message.payload);
  if (!request.ok()) {
    spdlog::warn("{}: bad raw request: {}", device_id(), request.status().ToString());
    return;
  }
  std::lock_guard lock(analytics_mu_);
  if (!analytics_) {
    spdlog::info("{}: raw request: every raw sample is sent already (no [analytics])", device_id());
    return;
  }
  spdlog::info("{}: sending raw samples for {} s on request", device_id(), request->seconds);
  analytics_->SendRawUntil(clock_.NowMs() + request->seconds * 1000);
}

void Agent::OnConnect(mqtt::Client& client) {
  Status s = client.Subscribe(wire::CommandFilter(config_.device.id), 1);
  if (!s.ok()) spdlog::warn("{}: subscribe: {}", device_id(), s.ToString());
  // Reaching the hub's broker is what makes a new agent version healthy for
  // `keel-edge supervise`; only the first connect reports (idempotent).
  supervisor::NotifySupervisorHealthy();
  connected_since_ms_ = clock_.MonotonicMs();
  const bool soak_on_ota_thread = ota_ != nullptr && config_.ota.config_soak_s > 0;
  if (config_trial_ && !soak_on_ota_thread && !config_trial_resolved_.exchange(true)) {
    CommitConfigTrial();
  }
  if (attestation_) attestation_->Request("connect");
  {
    std::lock_guard state_lock(mu_);
    resend_from_ack_ = true;
    next_state_ms_ = 0;
  }
  wake_.notify_all();
}

void Agent::OnMessage(const mqtt::Message& message) {
  if (message.topic == wire::CommandTopic(config_.device.id, wire::kRawCommand)) {
    OnRawRequest(message);
    return;
  }
  if (message.topic != wire::CommandTopic(config_.device.id, wire::kAckCommand)) return;
  auto ack = wire::DecodeAck(message.payload);
  if (!ack.ok()) {
    spdlog::warn("{}: bad ack: {}", device_id(), ack.status().ToString());
    return;
  }
  Status s = outbox_->Ack(ack->seq);
  if (!s.ok()) {
    spdlog::warn("{}: ack {}: {}", device_id(), ack->seq, s.ToString());
    return;
  }
  {
    std::lock_guard lock(mu_);
    if (ack->seq > stats_.acked_seq) {
      stats_.acked_seq = ack->seq;
      last_progress_ms_ = clock_.MonotonicMs();
    }
  }
  wake_.notify_all();
}

void Agent::PublisherLoop() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    wake_.wait_for(lock, std::chrono::milliseconds(100));
    if (stopping_) return;
    lock.unlock();
    PublishPending();
    MaybeRenew();
    lock.lock();
  }
}

void Agent::PublishPending() {
  std::lock_guard client_lock(mqtt_mu_);
  if (!mqtt_ || !mqtt_->connected()) return;
  const int64_t now = clock_.MonotonicMs();
  const OutboxStats outbox = outbox_->Stats();
  uint64_t from = 0;
  {
    std::lock_guard lock(mu_);
    const bool stalled =
        last_sent_ > outbox.acked_seq && now - last_progress_ms_ > config_.mqtt.ack_timeout_ms;
    if (resend_from_ack_ || stalled || last_sent_ < outbox.acked_seq) {
      if (stalled && !resend_from_ack_) ++stats_.resends;
      last_sent_ = outbox.acked_seq;
      last_progress_ms_ = now;
      // A notice the hub lost stalls its ack just like a lost batch: resend both.
      if (resend_from_ack_ || stalled) PublishDropNotices();
      // Tell the hub where this outbox's sequence stands, so that a fresh
      // outbox (re-install) or a hub restored from an older backup does not
      // mistake new batches for old ones or wait for seqs that never come.
      if (resend_from_ack_) {
        (void)mqtt_->Publish(wire::EventsTopic(config_.device.id),
                             wire::EncodeOutboxSync(outbox.acked_seq, clock_.NowMs()), 1);
      }
      resend_from_ack_ = false;
    }
    from = last_sent_;
  }
  if (clock_.NowMs() >= next_state_ms_) PublishState(true);
  const uint64_t limit_seq = outbox.acked_seq + config_.mqtt.max_inflight;
  while (from < limit_seq) {
    auto entries = outbox_->PeekAfter(from, std::min<uint64_t>(kPeekChunk, limit_seq - from));
    if (!entries.ok() || entries->empty()) break;
    for (const auto& entry : *entries) {
      auto sent = mqtt_->Publish(wire::TelemetryTopic(config_.device.id), entry.payload, 1, false,
                                 entry.content_type);
      if (!sent.ok()) return;  // disconnected: everything after the ack is sent again later
      std::lock_guard lock(mu_);
      last_sent_ = entry.seq;
      ++stats_.batches_published;
      from = entry.seq;
    }
  }
}

// Caller holds mqtt_mu_.
void Agent::PublishDropNotices() {
  dropped_notified_ = outbox_->Stats().dropped_total;
  auto notices = outbox_->PendingDropNotices();
  if (!notices.ok()) return;
  for (const auto& range : *notices) {
    (void)mqtt_->Publish(wire::EventsTopic(config_.device.id),
                         wire::EncodeDroppedRange({range.from, range.to}, clock_.NowMs()), 1);
  }
}

// Caller holds mqtt_mu_.
void Agent::PublishState(bool online) {
  const OutboxStats outbox = outbox_->Stats();
  wire::DeviceState state;
  state.online = online;
  state.t_ms = clock_.NowMs();
  state.outbox_depth = outbox.depth;
  state.outbox_bytes = outbox.bytes;
  state.dropped_total = outbox.dropped_total;
  state.cert_not_after_ms = cert_not_after_ms_;
  state.agent = AgentVersion();
  (void)mqtt_->Publish(wire::StateTopic(config_.device.id), wire::EncodeDeviceState(state), 1,
                       /*retain=*/true);
  next_state_ms_ = clock_.NowMs() + kStateIntervalMs;
  // Notices go out on every (re)connect and whenever new drops happened.
  if (outbox.dropped_total > dropped_notified_) PublishDropNotices();
}

void Agent::MaybeRenew() {
  if (clock_.NowMs() < renew_due_ms_) return;
  auto renewed = RenewCertificate(config_.hub.api.ToString(), config_.device.dir);
  if (!renewed.ok()) {
    spdlog::warn("{}: certificate renewal failed: {}", device_id(), renewed.status().ToString());
    renew_due_ms_ = clock_.NowMs() + kRenewRetryMs / 2 +
                    static_cast<int64_t>(random_.Uniform() * kRenewRetryMs);
    return;
  }
  spdlog::info("{}: certificate renewed", device_id());
  std::unique_ptr<mqtt::Client> old;
  {
    std::lock_guard lock(mqtt_mu_);
    old = std::move(mqtt_);
  }
  old->Stop();  // outside mqtt_mu_: its callbacks may be waiting for it
  Status s = StartMqtt();
  if (!s.ok()) spdlog::error("{}: reconnect after renewal: {}", device_id(), s.ToString());
  auto due = RenewalDueMs(config_.device.dir);
  std::lock_guard lock(mu_);
  ++stats_.renewals;
  renew_due_ms_ = due.ok() ? *due : clock_.NowMs() + kRenewRetryMs;
}

}  // namespace keel::edge
