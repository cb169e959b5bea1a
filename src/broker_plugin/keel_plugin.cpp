// The keel Mosquitto broker plugin (plugin API version 5, mosquitto 2.0).
//
// Options (mosquitto.conf):
//   plugin_opt_revoked_file <path>   revoked device ids, see revoked_ids.h
//
// [broker-plugin-1] At most once per second (on MOSQ_EVT_TICK) the revoked
//   file is stat()ed; when it changed it is re-read and every listed identity
//   is disconnected with mosquitto_kick_client_by_username. SIGHUP
//   (MOSQ_EVT_RELOAD) forces a re-read.
// [broker-plugin-2] Every ACL check (publish, delivery, subscribe) of a
//   revoked identity is denied and its messages are dropped. Refusing the
//   connection itself is the job of the broker's crlfile (with
//   use_identity_as_username there is no username/password step to hook);
//   until the hub has reloaded the CRL, a revoked device that reconnects
//   can neither publish nor receive.
// [broker-plugin-3] A device (username with device id syntax) may subscribe
//   only to filters under keel/v1/<id>/cmd/: mosquitto 2.0's acl_file grants
//   any SUBSCRIBE and only filters deliveries; this makes the SUBACK itself
//   a refusal (0x87). Other checks defer to the acl_file.
// [broker-plugin-4] Every published message gets the user property
//   ("keel-identity", <client username>); a message that already carries a
//   "keel-identity" property from the client is rejected (not authorized).
//
// Mosquitto calls plugin callbacks from its single main thread.
#include <mosquitto.h>
#include <mosquitto_broker.h>
#include <mosquitto_plugin.h>
#include <mqtt_protocol.h>

#include <chrono>
#include <cstring>
#include <exception>
#include <string>

#include "revoked_ids.h"

namespace {

constexpr char kIdentityProperty[] = "keel-identity";
constexpr auto kCheckInterval = std::chrono::seconds(1);

struct PluginState {
  mosquitto_plugin_id_t* id = nullptr;
  keel::broker_plugin::RevokedIds revoked;
  std::chrono::steady_clock::time_point next_check{};

  explicit PluginState(std::string path) : revoked(std::move(path)) {}
};

void RefreshRevoked(PluginState& state, bool force) {
  std::string error;
  if (!state.revoked.RefreshIfChanged(force, &error)) {
    if (!error.empty()) mosquitto_log_printf(MOSQ_LOG_WARNING, "keel: %s", error.c_str());
    return;
  }
  mosquitto_log_printf(MOSQ_LOG_NOTICE, "keel: loaded %zu revoked identities from %s",
                       state.revoked.ids().size(), state.revoked.path().c_str());
  for (const std::string& id : state.revoked.ids()) {
    mosquitto_kick_client_by_username(id.c_str(), false);
  }
}

bool HasIdentityProperty(const mosquitto_property* props) {
  char* name = nullptr;
  bool skip_first = false;
  for (const mosquitto_property* p = props; p != nullptr; skip_first = true) {
    p = mosquitto_property_read_string_pair(p, MQTT_PROP_USER_PROPERTY, &name, nullptr, skip_first);
    if (p == nullptr) break;
    const bool match = name != nullptr && std::strcmp(name, kIdentityProperty) == 0;
    mosquitto_free(name);
    name = nullptr;
    if (match) return true;
  }
  return false;
}

int OnTick(int, void*, void* userdata) {
  auto& state = *static_cast<PluginState*>(userdata);
  const auto now = std::chrono::steady_clock::now();
  if (now < state.next_check) return MOSQ_ERR_SUCCESS;
  state.next_check = now + kCheckInterval;
  try {
    RefreshRevoked(state, false);
  } catch (const std::exception& e) {
    mosquitto_log_printf(MOSQ_LOG_ERR, "keel: revoked list refresh failed: %s", e.what());
  }
  return MOSQ_ERR_SUCCESS;
}

int OnReload(int, void*, void* userdata) {
  auto& state = *static_cast<PluginState*>(userdata);
  try {
    RefreshRevoked(state, true);
  } catch (const std::exception& e) {
    mosquitto_log_printf(MOSQ_LOG_ERR, "keel: revoked list reload failed: %s", e.what());
  }
  return MOSQ_ERR_SUCCESS;
}

int OnMessage(int, void* event_data, void* userdata) {
  auto& state = *static_cast<PluginState*>(userdata);
  auto* ev = static_cast<mosquitto_evt_message*>(event_data);
  const char* username = ev->client != nullptr ? mosquitto_client_username(ev->client) : nullptr;
  if (username == nullptr) return MOSQ_ERR_ACL_DENIED;
  try {
    if (state.revoked.Contains(username)) {
      mosquitto_log_printf(MOSQ_LOG_NOTICE, "keel: dropped message on %s from revoked %s",
                           ev->topic, username);
      return MOSQ_ERR_ACL_DENIED;
    }
  } catch (const std::exception&) {
    return MOSQ_ERR_ACL_DENIED;
  }
  if (HasIdentityProperty(ev->properties)) {
    mosquitto_log_printf(MOSQ_LOG_NOTICE,
                         "keel: dropped message on %s from %s: client-supplied %s property",
                         ev->topic, username, kIdentityProperty);
    return MOSQ_ERR_ACL_DENIED;
  }
  const int rc = mosquitto_property_add_string_pair(&ev->properties, MQTT_PROP_USER_PROPERTY,
                                                    kIdentityProperty, username);
  return rc == MOSQ_ERR_SUCCESS ? MOSQ_ERR_SUCCESS : MOSQ_ERR_ACL_DENIED;
}

bool IsDeviceId(const char* name) {
  const size_t n = std::strlen(name);
  if (n == 0 || n > 64) return false;
  for (size_t i = 0; i < n; ++i) {
    const char c = name[i];
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (!alnum && (i == 0 || (c != '.' && c != '_' && c != '-'))) return false;
  }
  return true;
}

int OnAclCheck(int, void* event_data, void* userdata) {
  auto& state = *static_cast<PluginState*>(userdata);
  auto* ev = static_cast<mosquitto_evt_acl_check*>(event_data);
  const char* username = mosquitto_client_username(ev->client);
  if (username == nullptr) return MOSQ_ERR_ACL_DENIED;
  try {
    if (state.revoked.Contains(username)) return MOSQ_ERR_ACL_DENIED;
    if (ev->access == MOSQ_ACL_SUBSCRIBE && IsDeviceId(username)) {
      const std::string own_commands = std::string("keel/v1/") + username + "/cmd/";
      if (std::strncmp(ev->topic, own_commands.c_str(), own_commands.size()) != 0) {
        return MOSQ_ERR_ACL_DENIED;
      }
    }
  } catch (const std::exception&) {
    return MOSQ_ERR_ACL_DENIED;
  }
  return MOSQ_ERR_PLUGIN_DEFER;
}

}  // namespace

#define KEEL_PLUGIN_EXPORT __attribute__((visibility("default")))

extern "C" {

KEEL_PLUGIN_EXPORT int mosquitto_plugin_version(int supported_version_count,
                                                const int* supported_versions) {
  for (int i = 0; i < supported_version_count; ++i) {
    if (supported_versions[i] == 5) return 5;
  }
  return -1;
}

KEEL_PLUGIN_EXPORT int mosquitto_plugin_init(mosquitto_plugin_id_t* identifier, void** userdata,
                                             struct mosquitto_opt* options, int option_count) {
  std::string revoked_file;
  for (int i = 0; i < option_count; ++i) {
    if (std::strcmp(options[i].key, "revoked_file") == 0) revoked_file = options[i].value;
  }
  if (revoked_file.empty()) {
    mosquitto_log_printf(MOSQ_LOG_ERR, "keel: plugin_opt_revoked_file is required");
    return MOSQ_ERR_INVAL;
  }
  PluginState* state = nullptr;
  try {
    state = new PluginState(revoked_file);
    state->id = identifier;
    RefreshRevoked(*state, true);
  } catch (const std::exception& e) {
    mosquitto_log_printf(MOSQ_LOG_ERR, "keel: plugin init failed: %s", e.what());
    delete state;
    return MOSQ_ERR_NOMEM;
  }
  *userdata = state;
  int rc = mosquitto_callback_register(identifier, MOSQ_EVT_TICK, OnTick, nullptr, state);
  if (rc == MOSQ_ERR_SUCCESS) {
    rc = mosquitto_callback_register(identifier, MOSQ_EVT_RELOAD, OnReload, nullptr, state);
  }
  if (rc == MOSQ_ERR_SUCCESS) {
    rc = mosquitto_callback_register(identifier, MOSQ_EVT_MESSAGE, OnMessage, nullptr, state);
  }
  if (rc == MOSQ_ERR_SUCCESS) {
    rc = mosquitto_callback_register(identifier, MOSQ_EVT_ACL_CHECK, OnAclCheck, nullptr, state);
  }
  if (rc != MOSQ_ERR_SUCCESS) {
    mosquitto_log_printf(MOSQ_LOG_ERR, "keel: callback registration failed (%d)", rc);
    return rc;
  }
  mosquitto_log_printf(MOSQ_LOG_NOTICE, "keel: plugin loaded, revoked ids from %s",
                       revoked_file.c_str());
  return MOSQ_ERR_SUCCESS;
}

KEEL_PLUGIN_EXPORT int mosquitto_plugin_cleanup(void* userdata, struct mosquitto_opt*, int) {
  auto* state = static_cast<PluginState*>(userdata);
  if (state != nullptr) {
    mosquitto_callback_unregister(state->id, MOSQ_EVT_TICK, OnTick, nullptr);
    mosquitto_callback_unregister(state->id, MOSQ_EVT_RELOAD, OnReload, nullptr);
    mosquitto_callback_unregister(state->id, MOSQ_EVT_MESSAGE, OnMessage, nullptr);
    mosquitto_callback_unregister(state->id, MOSQ_EVT_ACL_CHECK, OnAclCheck, nullptr);
    delete state;
  }
  return MOSQ_ERR_SUCCESS;
}

}  // extern "C"
