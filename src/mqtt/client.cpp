#include "mqtt/client.h"

#include <fmt/format.h>
#include <mosquitto.h>
#include <mqtt_protocol.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <exception>
#include <fstream>
#include <system_error>

#include "mqtt/mosquitto_adapter.h"

namespace keel::mqtt {
namespace {

constexpr int kLoopTimeoutMs = 100;
constexpr int kStopPollMs = 50;
constexpr int kDrainLoopTimeoutMs = 20;
constexpr int kDrainLoops = 10;
constexpr size_t kMaxPayloadBytes = 268'435'455;  // MQTT's variable byte integer limit

Status CheckReadable(const std::string& path, std::string_view what) {
  if (path.empty()) return Status::InvalidArgument(fmt::format("mqtt: {} is not set", what));
  if (!std::ifstream(path).good()) {
    return Status::NotFound(fmt::format("mqtt: {} \"{}\" cannot be read", what, path));
  }
  return Status::Ok();
}

template <typename Fn, typename... Args>
void InvokeCallback(const std::string& client_id, std::string_view name, const Fn& fn,
                    Args&&... args) {
  if (!fn) return;
  try {
    fn(std::forward<Args>(args)...);
  } catch (const std::exception& e) {
    spdlog::error("mqtt {}: {} callback threw: {}", client_id, name, e.what());
  } catch (...) {
    spdlog::error("mqtt {}: {} callback threw a non-standard exception", client_id, name);
  }
}

}  // namespace

struct ClientCallbacks {
  static Client& Self(void* obj) { return *static_cast<Client*>(obj); }

  static void OnConnect(mosquitto* /*mosq*/, void* obj, int rc, int flags,
                        const mosquitto_property* /*props*/) {
    Client& c = Self(obj);
    const ClientOptions& o = c.options_;
    if (rc != 0) {
      c.RecordError(Status::Unauthenticated(
          fmt::format("mqtt {}: broker {}:{} refused the connection: {}", o.client_id, o.host,
                      o.port, mosquitto_reason_string(rc))));
      return;
    }
    c.connack_ok_ = true;
    c.connected_ = true;
    {
      std::lock_guard lock(c.error_mu_);
      c.last_error_ = Status::Ok();
      c.last_tls_detail_.clear();
    }
    const bool session_present = (flags & 1) != 0;
    spdlog::info("mqtt {}: connected to {}:{} (session present: {})", o.client_id, o.host, o.port,
                 session_present);
    InvokeCallback(o.client_id, "on_connect", c.on_connect_, session_present);
  }

  static void OnDisconnect(mosquitto* /*mosq*/, void* obj, int rc,
                           const mosquitto_property* /*props*/) {
    Client& c = Self(obj);
    if (!c.connected_.exchange(false)) return;
    if (rc == 0) {
      spdlog::info("mqtt {}: disconnected", c.options_.client_id);
    } else {
      spdlog::warn("mqtt {}: connection to {}:{} lost: {}", c.options_.client_id, c.options_.host,
                   c.options_.port, mosquitto_strerror(rc));
    }
    InvokeCallback(c.options_.client_id, "on_disconnect", c.on_disconnect_, rc);
  }

  static void OnMessage(mosquitto* /*mosq*/, void* obj, const mosquitto_message* m,
                        const mosquitto_property* props) {
    Client& c = Self(obj);
    Message message;
    message.topic = m->topic;
    if (m->payloadlen > 0) {
      message.payload.assign(static_cast<const char*>(m->payload),
                             static_cast<size_t>(m->payloadlen));
    }
    message.qos = m->qos;
    message.retain = m->retain;
    internal::ReadMessageProperties(props, &message);
    InvokeCallback(c.options_.client_id, "on_message", c.on_message_, message);
  }

  static void OnPublish(mosquitto* /*mosq*/, void* obj, int mid, int reason_code,
                        const mosquitto_property* /*props*/) {
    Client& c = Self(obj);
    if (reason_code >= 0x80) {
      spdlog::warn("mqtt {}: broker rejected publish {}: {}", c.options_.client_id, mid,
                   mosquitto_reason_string(reason_code));
      InvokeCallback(c.options_.client_id, "on_publish_rejected", c.on_publish_rejected_, mid,
                     reason_code);
      return;
    }
    InvokeCallback(c.options_.client_id, "on_publish_ack", c.on_publish_ack_, mid);
  }

  static void OnLog(mosquitto* /*mosq*/, void* obj, int level, const char* text) {
    Client& c = Self(obj);
    if (level != MOSQ_LOG_ERR) return;
    spdlog::debug("mqtt {}: libmosquitto: {}", c.options_.client_id, text);
    std::lock_guard lock(c.error_mu_);
    c.last_tls_detail_ = text;
  }
};

Client::Client(ClientOptions options, const Clock& clock, Random& random)
    : options_(std::move(options)),
      clock_(clock),
      random_(random),
      backoff_(options_.reconnect_min_ms, options_.reconnect_max_ms) {}

Client::~Client() {
  Stop();
  if (mosq_ != nullptr) mosquitto_destroy(mosq_);
}

void Client::on_connect(std::function<void(bool)> fn) { on_connect_ = std::move(fn); }
void Client::on_disconnect(std::function<void(int)> fn) { on_disconnect_ = std::move(fn); }
void Client::on_message(std::function<void(const Message&)> fn) { on_message_ = std::move(fn); }
void Client::on_publish_ack(std::function<void(int)> fn) { on_publish_ack_ = std::move(fn); }
void Client::on_publish_rejected(std::function<void(int, int)> fn) {
  on_publish_rejected_ = std::move(fn);
}
void Client::on_backoff(std::function<void(int, int)> fn) { on_backoff_ = std::move(fn); }

Status Client::ValidateOptions() const {
  const ClientOptions& o = options_;
  if (o.client_id.empty()) return Status::InvalidArgument("mqtt: client_id is empty");
  const std::string where = fmt::format("mqtt {}: ", o.client_id);
  if (o.host.empty()) return Status::InvalidArgument(where + "host is empty");
  if (o.port < 1 || o.port > 65535) {
    return Status::InvalidArgument(where + fmt::format("port {} is outside 1..65535", o.port));
  }
  if (o.keepalive_s < 5 || o.keepalive_s > 65535) {
    return Status::InvalidArgument(
        where + fmt::format("keepalive_s {} is outside 5..65535", o.keepalive_s));
  }
  if (o.reconnect_min_ms < 1 || o.reconnect_max_ms < o.reconnect_min_ms) {
    return Status::InvalidArgument(
        where + fmt::format("reconnect backoff {}..{} ms is not a range of positive durations",
                            o.reconnect_min_ms, o.reconnect_max_ms));
  }
  if (o.max_inflight < 1 || o.max_inflight > 65535) {
    return Status::InvalidArgument(
        where + fmt::format("max_inflight {} is outside 1..65535", o.max_inflight));
  }
  KEEL_RETURN_IF_ERROR(CheckReadable(o.ca_file, "ca_file").WithContext(o.client_id));
  KEEL_RETURN_IF_ERROR(CheckReadable(o.cert_file, "cert_file").WithContext(o.client_id));
  KEEL_RETURN_IF_ERROR(CheckReadable(o.key_file, "key_file").WithContext(o.client_id));
  return Status::Ok();
}

Status Client::ConfigureLibrary() {
  const ClientOptions& o = options_;
  const std::string where = fmt::format("mqtt {}", o.client_id);
  int rc = mosquitto_int_option(mosq_, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V5);
  if (rc == MOSQ_ERR_SUCCESS) rc = mosquitto_threaded_set(mosq_, true);
  if (rc == MOSQ_ERR_SUCCESS)
    rc = mosquitto_int_option(mosq_, MOSQ_OPT_SEND_MAXIMUM, o.max_inflight);
  if (rc == MOSQ_ERR_SUCCESS && o.will) {
    rc = mosquitto_will_set_v5(mosq_, o.will->topic.c_str(),
                               static_cast<int>(o.will->payload.size()), o.will->payload.data(),
                               o.will->qos, o.will->retain, nullptr);
  }
  if (rc != MOSQ_ERR_SUCCESS) return internal::StatusFromMosquitto(rc, where + ": options");
  rc = mosquitto_tls_set(mosq_, o.ca_file.c_str(), nullptr, o.cert_file.c_str(), o.key_file.c_str(),
                         nullptr);
  if (rc == MOSQ_ERR_SUCCESS) rc = mosquitto_tls_opts_set(mosq_, 1, "tlsv1.2", nullptr);
  if (rc == MOSQ_ERR_SUCCESS) rc = mosquitto_tls_insecure_set(mosq_, false);
  if (rc != MOSQ_ERR_SUCCESS) return internal::StatusFromMosquitto(rc, where + ": TLS setup");
  mosquitto_connect_v5_callback_set(mosq_, &ClientCallbacks::OnConnect);
  mosquitto_disconnect_v5_callback_set(mosq_, &ClientCallbacks::OnDisconnect);
  mosquitto_message_v5_callback_set(mosq_, &ClientCallbacks::OnMessage);
  mosquitto_publish_v5_callback_set(mosq_, &ClientCallbacks::OnPublish);
  mosquitto_log_callback_set(mosq_, &ClientCallbacks::OnLog);
  return Status::Ok();
}

Status Client::Start() {
  std::lock_guard lock(lifecycle_mu_);
  if (started_) {
    return Status::FailedPrecondition(fmt::format(
        "mqtt {}: Start() called twice (a client cannot be restarted)", options_.client_id));
  }
  KEEL_RETURN_IF_ERROR(ValidateOptions());
  internal::EnsureLibraryInitialized();
  mosq_ = mosquitto_new(options_.client_id.c_str(), options_.clean_start, this);
  if (mosq_ == nullptr) {
    return Status::Internal(fmt::format("mqtt {}: mosquitto_new failed", options_.client_id));
  }
  if (Status s = ConfigureLibrary(); !s.ok()) {
    mosquitto_destroy(mosq_);
    mosq_ = nullptr;
    return s;
  }
  try {
    thread_ = std::thread(&Client::Run, this);
  } catch (const std::system_error& e) {
    return Status::Internal(
        fmt::format("mqtt {}: cannot start the network thread: {}", options_.client_id, e.what()));
  }
  started_ = true;
  return Status::Ok();
}

void Client::Stop() {
  std::lock_guard lock(lifecycle_mu_);
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
  connected_ = false;
}

Status Client::last_error() const {
  std::lock_guard lock(error_mu_);
  return last_error_;
}

void Client::RecordError(int rc, std::string_view what) {
  Status status = internal::StatusFromMosquitto(
      rc, fmt::format("mqtt {}: {} {}:{}", options_.client_id, what, options_.host, options_.port));
  std::string detail;
  {
    std::lock_guard lock(error_mu_);
    detail = std::move(last_tls_detail_);
    last_tls_detail_.clear();
  }
  if (!detail.empty()) {
    // A peer that rejects our certificate during a TLS 1.3 handshake shows up
    // as a lost connection; the OpenSSL error names the real cause.
    const bool tls_failure = !connack_ok_ && detail.find("OpenSSL Error") != std::string::npos;
    status = Status(tls_failure ? StatusCode::kUnauthenticated : status.code(),
                    status.message() + " (" + detail + ")");
  }
  RecordError(std::move(status));
}

void Client::RecordError(Status error) {
  spdlog::warn("{}", error.ToString());
  std::lock_guard lock(error_mu_);
  last_error_ = std::move(error);
}

void Client::Run() {
  int attempt = 0;
  while (!stopping_) {
    connack_ok_ = false;
    if (ConnectOnce()) RunSession();
    connected_ = false;
    if (stopping_) break;
    if (connack_ok_) attempt = 0;
    attempt = std::min(attempt + 1, 1'000'000);
    const int delay_ms = backoff_.DelayMs(attempt, random_);
    spdlog::debug("mqtt {}: reconnect attempt {} in {} ms", options_.client_id, attempt, delay_ms);
    InvokeCallback(options_.client_id, "on_backoff", on_backoff_, attempt, delay_ms);
    WaitBackoff(delay_ms);
  }
}

bool Client::ConnectOnce() {
  auto props = internal::MakeConnectProperties(options_.session_expiry_s);
  if (!props.ok()) {
    RecordError(props.status());
    return false;
  }
  const int rc = mosquitto_connect_bind_v5(mosq_, options_.host.c_str(), options_.port,
                                           options_.keepalive_s, nullptr, props->get());
  if (rc != MOSQ_ERR_SUCCESS) {
    RecordError(rc, "connecting to");
    return false;
  }
  return true;
}

void Client::RunSession() {
  while (!stopping_) {
    const int rc = mosquitto_loop(mosq_, kLoopTimeoutMs, 1);
    if (rc == MOSQ_ERR_SUCCESS) continue;
    if (!stopping_ && rc != MOSQ_ERR_CONN_REFUSED) {
      RecordError(rc, connack_ok_ ? "connection to" : "handshake with");
    }
    return;
  }
  DisconnectAndDrain();
}

void Client::DisconnectAndDrain() {
  // With a will that is meant for every end of the session (e.g. "offline"),
  // ask the broker to publish it on this clean disconnect too.
  const int reason = options_.will && options_.will->on_clean_disconnect
                         ? MQTT_RC_DISCONNECT_WITH_WILL_MSG
                         : MQTT_RC_NORMAL_DISCONNECTION;
  if (mosquitto_disconnect_v5(mosq_, reason, nullptr) != MOSQ_ERR_SUCCESS) {
    return;
  }
  for (int i = 0; i < kDrainLoops; ++i) {
    if (mosquitto_loop(mosq_, kDrainLoopTimeoutMs, 1) != MOSQ_ERR_SUCCESS) return;
  }
}

void Client::WaitBackoff(int delay_ms) {
  const int64_t deadline = clock_.MonotonicMs() + delay_ms;
  while (!stopping_) {
    const int64_t left = deadline - clock_.MonotonicMs();
    if (left <= 0) return;
    clock_.SleepMs(std::min<int64_t>(left, kStopPollMs));
  }
}

Result<int> Client::Publish(const std::string& topic, std::string_view payload, int qos,
                            bool retain, std::string_view content_type,
                            const UserProperties& user_properties) {
  const std::string where = fmt::format("mqtt {}: publish to \"{}\"", options_.client_id, topic);
  if (qos < 0 || qos > 2) {
    return Status::InvalidArgument(fmt::format("{}: qos {} is outside 0..2", where, qos));
  }
  if (payload.size() > kMaxPayloadBytes) {
    return Status::InvalidArgument(
        fmt::format("{}: payload of {} bytes exceeds MQTT's limit", where, payload.size()));
  }
  if (!connected_) return Status::Unavailable(where + ": not connected");
  auto props = internal::MakePublishProperties(content_type, user_properties);
  if (!props.ok()) return props.status().WithContext(where);
  int mid = 0;
  const int rc = mosquitto_publish_v5(mosq_, &mid, topic.c_str(), static_cast<int>(payload.size()),
                                      payload.data(), qos, retain, props->get());
  if (rc != MOSQ_ERR_SUCCESS) return internal::StatusFromMosquitto(rc, where);
  return mid;
}

Status Client::Subscribe(const std::string& filter, int qos) {
  const std::string where = fmt::format("mqtt {}: subscribe to \"{}\"", options_.client_id, filter);
  if (qos < 0 || qos > 2) {
    return Status::InvalidArgument(fmt::format("{}: qos {} is outside 0..2", where, qos));
  }
  if (!connected_) return Status::Unavailable(where + ": not connected");
  const int rc = mosquitto_subscribe_v5(mosq_, nullptr, filter.c_str(), qos, 0, nullptr);
  return internal::StatusFromMosquitto(rc, where);
}

}  // namespace keel::mqtt
