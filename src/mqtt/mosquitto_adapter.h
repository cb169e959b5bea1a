// Internal to keel_mqtt: conversions between Keel types and libmosquitto's
// C API (MQTT 5 properties, error codes) and the once-per-process library
// initialisation. Not for use outside src/mqtt.
#pragma once

#include <mosquitto.h>

#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"
#include "mqtt/client.h"

namespace keel::mqtt::internal {

struct PropertyListDeleter {
  void operator()(mosquitto_property* list) const { mosquitto_property_free_all(&list); }
};
// Owns a property list; null means "no properties".
using PropertyList = std::unique_ptr<mosquitto_property, PropertyListDeleter>;

// Calls mosquitto_lib_init() once per process; thread-safe.
void EnsureLibraryInitialized();

// PUBLISH properties: content type (omitted when empty) and user properties.
// InvalidArgument when a string is not valid UTF-8 or too long for MQTT.
Result<PropertyList> MakePublishProperties(std::string_view content_type,
                                           const UserProperties& user_properties);

// CONNECT properties: the session expiry interval when non-zero.
Result<PropertyList> MakeConnectProperties(uint32_t session_expiry_s);

// Fills message->content_type and message->user_properties from `props`.
void ReadMessageProperties(const mosquitto_property* props, Message* message);

// Maps a libmosquitto return code of a client call (publish, subscribe,
// connect) to a Status saying `what` failed.
Status StatusFromMosquitto(int rc, std::string_view what);

}  // namespace keel::mqtt::internal
