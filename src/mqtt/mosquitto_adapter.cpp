#include "mqtt/mosquitto_adapter.h"

#include <fmt/format.h>
#include <mqtt_protocol.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <mutex>

namespace keel::mqtt::internal {
namespace {

struct FreeDeleter {
  void operator()(char* p) const { std::free(p); }
};
using MallocString = std::unique_ptr<char, FreeDeleter>;

}  // namespace

void EnsureLibraryInitialized() {
  static std::once_flag once;
  std::call_once(once, [] { mosquitto_lib_init(); });
}

Result<PropertyList> MakePublishProperties(std::string_view content_type,
                                           const UserProperties& user_properties) {
  mosquitto_property* raw = nullptr;
  PropertyList list;
  if (!content_type.empty()) {
    const std::string value(content_type);
    const int rc = mosquitto_property_add_string(&raw, MQTT_PROP_CONTENT_TYPE, value.c_str());
    (void)list.release();
    list.reset(raw);
    if (rc != MOSQ_ERR_SUCCESS) {
      return StatusFromMosquitto(rc, fmt::format("content type \"{}\"", value));
    }
  }
  for (const auto& [name, value] : user_properties) {
    const int rc = mosquitto_property_add_string_pair(&raw, MQTT_PROP_USER_PROPERTY, name.c_str(),
                                                      value.c_str());
    (void)list.release();
    list.reset(raw);
    if (rc != MOSQ_ERR_SUCCESS) {
      return StatusFromMosquitto(rc, fmt::format("user property \"{}\"", name));
    }
  }
  return list;
}

Result<PropertyList> MakeConnectProperties(uint32_t session_expiry_s) {
  PropertyList list;
  if (session_expiry_s == 0) return list;
  mosquitto_property* raw = nullptr;
  const int rc =
      mosquitto_property_add_int32(&raw, MQTT_PROP_SESSION_EXPIRY_INTERVAL, session_expiry_s);
  list.reset(raw);
  if (rc != MOSQ_ERR_SUCCESS) return StatusFromMosquitto(rc, "session expiry property");
  return list;
}

void ReadMessageProperties(const mosquitto_property* props, Message* message) {
  char* raw = nullptr;
  if (mosquitto_property_read_string(props, MQTT_PROP_CONTENT_TYPE, &raw, false) != nullptr) {
    MallocString owned(raw);
    message->content_type = owned.get();
  }
  bool skip_first = false;
  for (const mosquitto_property* p = props; p != nullptr; skip_first = true) {
    char* name = nullptr;
    char* value = nullptr;
    p = mosquitto_property_read_string_pair(p, MQTT_PROP_USER_PROPERTY, &name, &value, skip_first);
    if (p == nullptr) break;
    MallocString owned_name(name);
    MallocString owned_value(value);
    message->user_properties.emplace_back(owned_name.get(), owned_value.get());
  }
}

Status StatusFromMosquitto(int rc, std::string_view what) {
  const std::string message = fmt::format("{}: {}", what, mosquitto_strerror(rc));
  switch (rc) {
    case MOSQ_ERR_SUCCESS:
      return Status::Ok();
    case MOSQ_ERR_INVAL:
    case MOSQ_ERR_MALFORMED_UTF8:
    case MOSQ_ERR_PAYLOAD_SIZE:
    case MOSQ_ERR_OVERSIZE_PACKET:
    case MOSQ_ERR_QOS_NOT_SUPPORTED:
    case MOSQ_ERR_RETAIN_NOT_SUPPORTED:
    case MOSQ_ERR_DUPLICATE_PROPERTY:
    case MOSQ_ERR_PROTOCOL:
      return Status::InvalidArgument(message);
    case MOSQ_ERR_NOMEM:
      return Status::ResourceExhausted(message);
    case MOSQ_ERR_TLS:
    case MOSQ_ERR_TLS_HANDSHAKE:
    case MOSQ_ERR_AUTH:
    case MOSQ_ERR_CONN_REFUSED:
      return Status::Unauthenticated(message);
    case MOSQ_ERR_ACL_DENIED:
      return Status::PermissionDenied(message);
    case MOSQ_ERR_ERRNO:
      return Status::Unavailable(fmt::format("{}: {}", what, std::strerror(errno)));
    case MOSQ_ERR_NO_CONN:
    case MOSQ_ERR_CONN_LOST:
    case MOSQ_ERR_KEEPALIVE:
    case MOSQ_ERR_EAI:
    case MOSQ_ERR_LOOKUP:
    case MOSQ_ERR_TIMEOUT:
      return Status::Unavailable(message);
    default:
      return Status::Internal(message);
  }
}

}  // namespace keel::mqtt::internal
