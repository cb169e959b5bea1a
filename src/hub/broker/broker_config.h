// BrokerConfig: how keel-hub runs its embedded Mosquitto broker, and the
// rendering of that into mosquitto.conf and the ACL file.
//
// Security model of the rendered configuration (mosquitto 2.0):
//  - exactly one listener, TLS only (TLS 1.2 minimum), no plaintext listener;
//  - every client presents a certificate from `ca_file`; its CN becomes the
//    MQTT username (use_identity_as_username), anonymous clients are refused;
//  - devices (CN = device id, ^[a-z0-9][a-z0-9._-]{0,63}$) may publish only to
//    keel/v1/<id>/{telemetry,events,state} and read only keel/v1/<id>/cmd/#;
//  - the hub (CN = kHubClientIdentity) may read and write keel/v1/#;
//  - `crl_file`, when it exists, makes the broker refuse revoked certificates
//    at the handshake; the keel broker plugin additionally closes open
//    sessions of ids listed in `revoked_ids_file` (see src/broker_plugin).
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "common/status.h"

namespace keel::hub {

// The certificate CN (and so MQTT username) of keel-hub's own MQTT client.
// It contains ':' which no device id can contain, so no device certificate
// can ever be mistaken for the hub.
inline constexpr std::string_view kHubClientIdentity = "hub:keel";

struct BrokerConfig {
  // Address of the single TLS listener.
  std::string bind_address = "127.0.0.1";
  int port = 8883;
  // Broker working directory: mosquitto.conf, acl, mosquitto.pid,
  // mosquitto.log and the persistence file live here. Created if missing.
  std::filesystem::path dir;
  // PEM files: the device CA (verifies clients), the broker's server
  // certificate and key, and the CRL of the device CA. The CRL is used only
  // if the file exists when the configuration is rendered.
  std::filesystem::path ca_file, cert_file, key_file, crl_file;
  // The keel broker plugin (libkeel_mosquitto_plugin.so); empty = no plugin.
  std::filesystem::path plugin_path;
  // One revoked device id per line, read by the plugin; passed to it only
  // when plugin_path is set.
  std::filesystem::path revoked_ids_file;
  // The user mosquitto keeps running as when started as root; "" = the user
  // running keel-hub (so the broker can read its 0600 key files).
  std::string run_as_user;
  // The mosquitto executable.
  std::filesystem::path mosquitto_binary = "/usr/sbin/mosquitto";
};

// Names of the files inside BrokerConfig::dir.
std::filesystem::path BrokerConfigPath(const BrokerConfig& config);  // dir/mosquitto.conf
std::filesystem::path BrokerAclPath(const BrokerConfig& config);     // dir/acl
std::filesystem::path BrokerPidPath(const BrokerConfig& config);     // dir/mosquitto.pid
std::filesystem::path BrokerLogPath(const BrokerConfig& config);     // dir/mosquitto.log

// The text of mosquitto.conf. InvalidArgument when a field is missing or
// cannot be written into a mosquitto config (port out of 1..65535, paths or
// names containing whitespace or control characters, relative dir).
Result<std::string> RenderMosquittoConfig(const BrokerConfig& config);

// The text of the ACL file (independent of the config).
std::string RenderMosquittoAcl();

// Creates `dir` (0700) and atomically writes dir/mosquitto.conf and dir/acl.
Status WriteMosquittoConfig(const BrokerConfig& config);

}  // namespace keel::hub
