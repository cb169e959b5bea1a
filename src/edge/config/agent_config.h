// AgentConfig: keel-edge's configuration, read from a TOML file (see
// examples/edge.toml for every key, its default and its range).
//
// Parsing is strict: unknown sections and keys are errors, every number is
// range-checked, and only TLS endpoints (mqtts://, https://) are accepted.
// Errors name the source, the position where toml++ reports one, the section
// and the key, e.g.
//   edge.toml:12:15: [batch] interval_ms: must be between 10 and 600000, got 0
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/endpoint.h"
#include "common/status.h"
#include "edge/analytics/analytics_config.h"
#include "edge/outbox/outbox.h"
#include "edge/sensors/sensor_config.h"

namespace keel::edge {

struct DeviceConfig {
  std::string id;             // ^[a-z0-9][a-z0-9._-]{0,63}$
  std::filesystem::path dir;  // identity directory written by `keel-edge enroll`
  std::filesystem::path key_path() const { return dir / "device.key"; }
  std::filesystem::path cert_path() const { return dir / "device.crt"; }
  std::filesystem::path ca_path() const { return dir / "ca.crt"; }
};

struct HubConfig {
  Endpoint mqtt;  // mqtts://host:port, telemetry and commands
  Endpoint api;   // https://host:port, certificate renewal
};

// The outbox bounds and policy, plus where the database lives; passes
// directly as the OutboxOptions of Outbox::Open.
struct OutboxConfig : OutboxOptions {
  std::filesystem::path path;  // default <device.dir>/outbox.db
};

enum class BatchEncoding { kCbor, kJson };

struct BatchConfig {
  int64_t interval_ms = 1000;  // a batch is closed at least this often, 10..600000
  int64_t max_samples = 5000;  // ... or when it holds this many samples, 1..1000000
  BatchEncoding encoding = BatchEncoding::kCbor;
};

struct MqttConfig {
  int64_t keepalive_s = 30;          // 5..3600
  int64_t reconnect_min_ms = 500;    // first reconnect back-off, 10..600000
  int64_t reconnect_max_ms = 30000;  // back-off cap, >= reconnect_min_ms, <= 3600000
  int64_t ack_timeout_ms = 10000;    // re-send batches unacked this long, 100..3600000
  int64_t max_inflight = 64;         // published but unacked batches, 1..65535
};

// [ota]: taking part in the hub's rollouts (docs/ota.md, "Device rollout
// participation").
struct OtaConfig {
  // Unset: on when the identity directory holds update-root.json (the device
  // was enrolled with a hub that has signed updates set up).
  std::optional<bool> enabled;
  int64_t poll_interval_s = 30;  // 1..86400; a longer poll_after_ms from the hub wins
  // 0..86400: a configuration on trial is committed once the agent has kept
  // its connection to the hub's broker this long (0: at the first connect).
  int64_t config_soak_s = 60;
  // 1..172800, more than config_soak_s: a configuration on trial that has
  // not finished its soak this long after the agent started with it is
  // rolled back (e.g. it never reaches the broker) and the agent restarts
  // with the previous one.
  int64_t config_health_timeout_s = 300;
  // 0..86400: a model that passed its health check runs on trial this long,
  // with the broker connection kept and no inference error, before it is
  // committed (0: committed at the health check).
  int64_t model_soak_s = 60;
  std::filesystem::path dir;  // default <device.dir>/ota: metadata, downloads, slots, reports
};

// [attest]: measured-load attestation (docs/security.md, "Attestation").
// The agent attests when it (re)connects to the hub's broker, after every
// install and every interval_s; it re-measures what it runs each time.
struct AttestConfig {
  bool enabled = true;       // false: never attests (e.g. a hub without attestation)
  int64_t interval_s = 300;  // 1..86400: the longest time between two attestations
};

struct AgentConfig {
  DeviceConfig device;
  HubConfig hub;
  OutboxConfig outbox;
  BatchConfig batch;
  MqttConfig mqtt;
  // Each validated with ValidateSensorConfig, with a kind registered in the
  // sensor registry at parse time; names are unique.
  std::vector<SensorConfig> sensors;
  // [analytics]: local decisions and data reduction; absent = every raw
  // sample is sent and nothing is decided on the device.
  std::optional<analytics::AnalyticsConfig> analytics;
  OtaConfig ota;
  AttestConfig attest;
  // The local file it was loaded from (LoadAgentConfig, ota::LoadEffectiveAgentConfig);
  // empty when parsed from text or built in code. Configuration overlays
  // installed by rollouts are merged with this file (edge/ota/config_install.h).
  std::filesystem::path file;
};

// Parses TOML text; `source_name` (e.g. the file name) prefixes every error.
// Relative paths are kept as written. Never throws; InvalidArgument on any
// syntax or validation error.
Result<AgentConfig> ParseAgentConfig(std::string_view toml_text, std::string_view source_name);

// Reads and parses a file (NotFound / IoError if unreadable). Relative
// device.dir, outbox.path, ota.dir, analytics.rules and analytics.model are
// resolved against the file's directory.
Result<AgentConfig> LoadAgentConfig(const std::filesystem::path& path);

// Top-level sections a configuration overlay may not contain: the device's
// identity, its hub and its update trust are per device, never fleet-wide.
inline constexpr std::string_view kOverlayForbiddenSections[] = {"device", "hub", "ota"};

// A configuration overlay (a fleet-wide agent.toml published as an artifact
// of kind "config", docs/ota.md "Configuration artifacts") applied to the
// local configuration: every top-level key of the overlay (a section such as
// [batch] or [analytics], or an array of tables such as [[sensor]]) replaces
// the local one as a whole; local keys the overlay does not name stay.
// Both texts are parsed with the agent's own parser:
//   - InvalidArgument, naming `overlay_source`, when the overlay is not TOML,
//     names a section of kOverlayForbiddenSections, or one of its sections
//     is invalid (positions are the overlay's lines; the check runs with the
//     local [device], [hub] and [ota]);
//   - InvalidArgument naming `local_source` when the local text is invalid;
//   - the merged result otherwise (errors there name both sources).
// Relative paths are kept as written, as by ParseAgentConfig. Never throws.
Result<AgentConfig> ParseAgentConfigWithOverlay(std::string_view local_text,
                                                std::string_view local_source,
                                                std::string_view overlay_text,
                                                std::string_view overlay_source);

// Resolves the relative device.dir, outbox.path, ota.dir, analytics.rules and
// analytics.model of `config` against `base` (as LoadAgentConfig does with the
// file's directory).
void ResolveRelativePaths(AgentConfig* config, const std::filesystem::path& base);

}  // namespace keel::edge
