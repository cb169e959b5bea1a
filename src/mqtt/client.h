// keel::mqtt::Client: an MQTT 5 client over TLS (libmosquitto), used by the
// device agent and the hub.
//
// Always TLS 1.2 or newer with mutual authentication: the broker's
// certificate must chain to `ca_file` and name `host` (hostname verification
// cannot be turned off), and the client presents `cert_file`/`key_file`.
// There is no plaintext mode.
//
// Once started, the client owns one network thread that connects, runs the
// MQTT session and, whenever the connection fails or drops, waits a jittered
// exponential backoff (see BackoffPolicy) before trying again, until Stop().
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "common/random.h"
#include "common/status.h"
#include "mqtt/backoff_policy.h"

struct mosquitto;

namespace keel::mqtt {

// MQTT 5 user properties, in wire order; names may repeat.
using UserProperties = std::vector<std::pair<std::string, std::string>>;

// The MQTT "last will": published by the broker when the connection ends
// without a clean DISCONNECT (crash, lost link, keepalive timeout).
struct Will {
  std::string topic;
  std::string payload;
  int qos = 1;
  bool retain = true;
  // Also publish it when Stop() disconnects cleanly (MQTT 5 reason 0x04).
  bool on_clean_disconnect = false;
};

struct ClientOptions {
  std::string client_id;  // required; also the MQTT session identity
  std::string host;       // must match the broker certificate's SAN or CN
  int port = 8883;        // 1..65535
  std::string ca_file;    // PEM CA bundle that the broker certificate chains to
  std::string cert_file;  // PEM client certificate
  std::string key_file;   // PEM private key of cert_file (unencrypted)
  int keepalive_s = 30;   // >= 5 (libmosquitto's minimum)
  bool clean_start = true;
  uint32_t session_expiry_s = 0;  // MQTT 5 session expiry interval; 0 = ends with the connection
  int reconnect_min_ms = 500;     // backoff floor, >= 1
  int reconnect_max_ms = 30000;   // backoff cap, >= reconnect_min_ms
  int max_inflight = 64;          // outgoing QoS 1/2 messages awaiting ack, 1..65535
  std::optional<Will> will;       // none by default
};

struct Message {
  std::string topic;
  std::string payload;  // raw bytes
  int qos = 0;
  bool retain = false;
  std::string content_type;  // MQTT 5 content-type property, "" if absent
  UserProperties user_properties;
};

// Thread-safety: every public method may be called from any thread, except
// the on_* setters, which must be called before Start().
//
// Callbacks run on the client's network thread, one at a time. They must
// return quickly (no blocking I/O, no waiting on other threads): while one
// runs, no packets are sent or received and keepalives stall. They may call
// Publish() and Subscribe(), but never Stop() or the destructor.
class Client {
 public:
  // `clock` times the reconnect backoff (waited in slices of <= 50 ms, so
  // with a FakeClock the backoff and Stop() need the clock to be advanced);
  // `random` draws its jitter. Both must outlive the client.
  Client(ClientOptions options, const Clock& clock, Random& random);
  ~Client();  // Stop()s
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // After a successful CONNACK. `session_present` is the broker's flag: when
  // false, subscriptions are gone and must be made again here.
  void on_connect(std::function<void(bool session_present)> fn);
  // After a connection that had reported on_connect ends. `reason` is 0 when
  // Stop() asked for it, otherwise a libmosquitto error code (MOSQ_ERR_*) or
  // the broker's MQTT 5 DISCONNECT reason code.
  void on_disconnect(std::function<void(int reason)> fn);
  // For every incoming PUBLISH. For QoS 1, libmosquitto has already sent the
  // PUBACK: an ack does not mean the message was processed.
  void on_message(std::function<void(const Message&)> fn);
  // When the broker accepted a publish returned by Publish(): PUBACK (QoS 1)
  // or PUBCOMP (QoS 2) with a success reason code; QoS 0 messages are
  // "acked" once written to the socket. May run before Publish() has
  // returned that mid, so don't hold a lock across Publish() that this
  // callback needs.
  void on_publish_ack(std::function<void(int mid)> fn);
  // When the broker refused a publish with an MQTT 5 reason code >= 0x80
  // (e.g. 0x87 not authorized by the ACL). on_publish_ack is not called then.
  void on_publish_rejected(std::function<void(int mid, int reason_code)> fn);
  // Before each backoff wait: `attempt` counts consecutive failures since the
  // last successful connect (1, 2, ...), `delay_ms` is the chosen wait.
  // Meant for metrics and tests.
  void on_backoff(std::function<void(int attempt, int delay_ms)> fn);

  // Validates the options, sets up TLS and starts the network thread, which
  // connects in the background; connected() tells when it succeeded.
  // InvalidArgument for bad options, NotFound for an unreadable CA,
  // certificate or key file, FailedPrecondition when already started.
  Status Start();

  // Disconnects cleanly (DISCONNECT, reason 0) if connected, and joins the
  // network thread. Returns within ~100 ms of clock time plus the time to
  // finish an in-progress TCP connect, also while waiting out a long backoff.
  // Idempotent; the client cannot be started again.
  void Stop();

  // True between a successful CONNACK and the end of that connection.
  bool connected() const { return connected_.load(); }

  // Why the latest connection attempt or connection failed (e.g. a TLS
  // handshake or certificate verification error, a refused CONNACK);
  // OK before any failure and again after each successful connect.
  // Unauthenticated for TLS and authorization failures, Unavailable for
  // network failures.
  Status last_error() const;

  // Queues a PUBLISH and returns its message id (what on_publish_ack later
  // reports). Unavailable when not connected; InvalidArgument for a bad topic
  // (empty, wildcards, invalid UTF-8), qos outside 0..2, or a payload or
  // properties larger than MQTT allows. A QoS 1/2 message accepted just
  // before the connection drops is retried by libmosquitto on reconnect;
  // callers that need delivery should still track mids and time out.
  Result<int> Publish(const std::string& topic, std::string_view payload, int qos,
                      bool retain = false, std::string_view content_type = "",
                      const UserProperties& user_properties = {});

  // Sends a SUBSCRIBE. Unavailable when not connected, InvalidArgument for a
  // malformed filter or qos outside 0..2. The broker's answer (SUBACK) is not
  // reported; a filter the ACL forbids simply receives nothing.
  Status Subscribe(const std::string& filter, int qos);

 private:
  void Run();
  Status ValidateOptions() const;
  Status ConfigureLibrary();
  bool ConnectOnce();
  void RunSession();
  void DisconnectAndDrain();
  void WaitBackoff(int delay_ms);
  void RecordError(int rc, std::string_view what);
  void RecordError(Status error);

  friend struct ClientCallbacks;

  const ClientOptions options_;
  const Clock& clock_;
  Random& random_;
  const BackoffPolicy backoff_;

  std::function<void(bool)> on_connect_;
  std::function<void(int)> on_disconnect_;
  std::function<void(const Message&)> on_message_;
  std::function<void(int)> on_publish_ack_;
  std::function<void(int, int)> on_publish_rejected_;
  std::function<void(int, int)> on_backoff_;

  std::mutex lifecycle_mu_;  // serializes Start() and Stop()
  bool started_ = false;     // guarded by lifecycle_mu_
  mosquitto* mosq_ = nullptr;
  std::thread thread_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> connected_{false};
  bool connack_ok_ = false;  // network thread only

  mutable std::mutex error_mu_;
  Status last_error_;            // guarded by error_mu_
  std::string last_tls_detail_;  // guarded by error_mu_; latest libmosquitto error log line
};

}  // namespace keel::mqtt
