#include "edge/config/agent_config.h"

#include <fmt/format.h>

#include <algorithm>
#include <exception>
#include <iterator>
#include <tuple>

#include "common/files.h"
#include "edge/config/sensor_section.h"
#include "edge/toml/toml_reader.h"

namespace keel::edge {
namespace {

bool ValidDeviceId(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (size_t i = 0; i < id.size(); ++i) {
    const char c = id[i];
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (!alnum && (i == 0 || (c != '.' && c != '_' && c != '-'))) return false;
  }
  return true;
}

const toml::table* SectionTable(const toml::table& root, std::string_view name,
                                std::string_view source, Status* error) {
  const toml::node* node = root.get(name);
  if (node == nullptr) return nullptr;
  if (!node->is_table()) {
    *error = Status::InvalidArgument(fmt::format(
        "{} [{}]: must be a table, got {}", TomlLocation(source, node), name, TomlTypeName(*node)));
    return nullptr;
  }
  return node->as_table();
}

class AgentConfigParser {
 public:
  AgentConfigParser(const toml::table& root, std::string_view source)
      : root_(root), source_(source) {}

  Result<AgentConfig> Parse() {
    for (const auto& [key, node] : root_) {
      static constexpr std::string_view kKnown[] = {
          "device", "hub", "outbox", "batch", "mqtt", "sensor", "analytics", "ota", "attest"};
      if (std::find(std::begin(kKnown), std::end(kKnown), key.str()) == std::end(kKnown)) {
        return Status::InvalidArgument(
            fmt::format("{} [{}]: unknown section", TomlLocation(source_, &node), key.str()));
      }
    }
    AgentConfig config;
    KEEL_RETURN_IF_ERROR(ParseDevice(&config.device));
    KEEL_RETURN_IF_ERROR(ParseHub(&config.hub));
    KEEL_RETURN_IF_ERROR(ParseOutbox(config.device, &config.outbox));
    KEEL_RETURN_IF_ERROR(ParseBatch(&config.batch));
    KEEL_RETURN_IF_ERROR(ParseMqtt(&config.mqtt));
    KEEL_RETURN_IF_ERROR(ParseOta(config.device, &config.ota));
    KEEL_RETURN_IF_ERROR(ParseAttest(&config.attest));
    KEEL_ASSIGN_OR_RETURN(config.sensors, ParseSensorSection(root_.get("sensor"), source_));
    if (const toml::node* node = root_.get("analytics")) {
      KEEL_ASSIGN_OR_RETURN(config.analytics, analytics::ParseAnalyticsSection(*node, source_));
    }
    return config;
  }

 private:
  Result<TomlReader> Section(std::string_view name) {
    Status error;
    const toml::table* table = SectionTable(root_, name, source_, &error);
    if (!error.ok()) return error;
    return TomlReader(table, std::string(source_), fmt::format("[{}]", name));
  }

  Status ParseDevice(DeviceConfig* device) {
    KEEL_ASSIGN_OR_RETURN(TomlReader r, Section("device"));
    KEEL_RETURN_IF_ERROR(r.String("id", &device->id, /*required=*/true));
    if (!ValidDeviceId(device->id)) {
      return r.Error(
          "id", r.table()->get("id"),
          fmt::format("must match ^[a-z0-9][a-z0-9._-]{{0,63}}$, got \"{}\"", device->id));
    }
    std::string dir;
    KEEL_RETURN_IF_ERROR(r.String("dir", &dir, /*required=*/true));
    if (dir.empty()) return r.Error("dir", r.table()->get("dir"), "must not be empty");
    device->dir = dir;
    return r.CheckNoUnknownKeys();
  }

  Status ParseHub(HubConfig* hub) {
    KEEL_ASSIGN_OR_RETURN(TomlReader r, Section("hub"));
    for (auto [key, scheme, out] :
         {std::tuple{"mqtt", "mqtts", &hub->mqtt}, std::tuple{"api", "https", &hub->api}}) {
      std::string url;
      KEEL_RETURN_IF_ERROR(r.String(key, &url, /*required=*/true));
      auto endpoint = ParseEndpoint(url, scheme);
      if (!endpoint.ok()) return r.Error(key, r.table()->get(key), endpoint.status().message());
      *out = std::move(endpoint).value();
    }
    return r.CheckNoUnknownKeys();
  }

  Status ParseOutbox(const DeviceConfig& device, OutboxConfig* outbox) {
    KEEL_ASSIGN_OR_RETURN(TomlReader r, Section("outbox"));
    std::string path;
    KEEL_RETURN_IF_ERROR(r.String("path", &path));
    outbox->path = path.empty() ? device.dir / "outbox.db" : std::filesystem::path(path);
    auto max_batches = static_cast<int64_t>(outbox->max_batches);
    auto max_bytes = static_cast<int64_t>(outbox->max_bytes);
    KEEL_RETURN_IF_ERROR(r.Int("max_batches", 1, 1'000'000'000, &max_batches));
    KEEL_RETURN_IF_ERROR(r.Int("max_bytes", 65536, int64_t{1} << 40, &max_bytes));
    outbox->max_batches = static_cast<uint64_t>(max_batches);
    outbox->max_bytes = static_cast<uint64_t>(max_bytes);
    std::string policy;
    KEEL_RETURN_IF_ERROR(r.String("drop_policy", &policy));
    if (policy == "reject_newest") {
      outbox->drop_policy = OutboxOptions::DropPolicy::kRejectNewest;
    } else if (policy == "drop_oldest" || policy.empty()) {
      outbox->drop_policy = OutboxOptions::DropPolicy::kDropOldest;
    } else {
      return r.Error(
          "drop_policy", r.table()->get("drop_policy"),
          fmt::format("must be \"drop_oldest\" or \"reject_newest\", got \"{}\"", policy));
    }
    return r.CheckNoUnknownKeys();
  }

  Status ParseBatch(BatchConfig* batch) {
    KEEL_ASSIGN_OR_RETURN(TomlReader r, Section("batch"));
    KEEL_RETURN_IF_ERROR(r.Int("interval_ms", 10, 600'000, &batch->interval_ms));
    KEEL_RETURN_IF_ERROR(r.Int("max_samples", 1, 1'000'000, &batch->max_samples));
    std::string encoding;
    KEEL_RETURN_IF_ERROR(r.String("encoding", &encoding));
    if (encoding == "json") {
      batch->encoding = BatchEncoding::kJson;
    } else if (encoding == "cbor" || encoding.empty()) {
      batch->encoding = BatchEncoding::kCbor;
    } else {
      return r.Error("encoding", r.table()->get("encoding"),
                     fmt::format("must be \"cbor\" or \"json\", got \"{}\"", encoding));
    }
    return r.CheckNoUnknownKeys();
  }

  Status ParseMqtt(MqttConfig* mqtt) {
    KEEL_ASSIGN_OR_RETURN(TomlReader r, Section("mqtt"));
    KEEL_RETURN_IF_ERROR(r.Int("keepalive_s", 5, 3600, &mqtt->keepalive_s));
    KEEL_RETURN_IF_ERROR(r.Int("reconnect_min_ms", 10, 600'000, &mqtt->reconnect_min_ms));
    KEEL_RETURN_IF_ERROR(r.Int("reconnect_max_ms", 10, 3'600'000, &mqtt->reconnect_max_ms));
    if (mqtt->reconnect_max_ms < mqtt->reconnect_min_ms) {
      const toml::node* node = r.table() != nullptr ? r.table()->get("reconnect_max_ms") : nullptr;
      return r.Error("reconnect_max_ms", node,
                     fmt::format("must be >= reconnect_min_ms ({}), got {}", mqtt->reconnect_min_ms,
                                 mqtt->reconnect_max_ms));
    }
    KEEL_RETURN_IF_ERROR(r.Int("ack_timeout_ms", 100, 3'600'000, &mqtt->ack_timeout_ms));
    KEEL_RETURN_IF_ERROR(r.Int("max_inflight", 1, 65535, &mqtt->max_inflight));
    return r.CheckNoUnknownKeys();
  }

  Status ParseOta(const DeviceConfig& device, OtaConfig* ota) {
    KEEL_ASSIGN_OR_RETURN(TomlReader r, Section("ota"));
    bool enabled = false;
    KEEL_ASSIGN_OR_RETURN(bool present, r.Bool("enabled", &enabled));
    if (present) ota->enabled = enabled;
    KEEL_RETURN_IF_ERROR(r.Int("poll_interval_s", 1, 86'400, &ota->poll_interval_s));
    KEEL_RETURN_IF_ERROR(r.Int("config_soak_s", 0, 86'400, &ota->config_soak_s));
    KEEL_RETURN_IF_ERROR(
        r.Int("config_health_timeout_s", 1, 172'800, &ota->config_health_timeout_s));
    if (ota->config_health_timeout_s <= ota->config_soak_s) {
      const toml::node* node =
          r.table() != nullptr ? r.table()->get("config_health_timeout_s") : nullptr;
      return r.Error("config_health_timeout_s", node,
                     fmt::format("must be more than config_soak_s ({}), got {}", ota->config_soak_s,
                                 ota->config_health_timeout_s));
    }
    KEEL_RETURN_IF_ERROR(r.Int("model_soak_s", 0, 86'400, &ota->model_soak_s));
    std::string dir;
    KEEL_RETURN_IF_ERROR(r.String("dir", &dir));
    ota->dir = dir.empty() ? device.dir / "ota" : std::filesystem::path(dir);
    return r.CheckNoUnknownKeys();
  }

  Status ParseAttest(AttestConfig* attest) {
    KEEL_ASSIGN_OR_RETURN(TomlReader r, Section("attest"));
    KEEL_RETURN_IF_ERROR(r.Bool("enabled", &attest->enabled).status());
    KEEL_RETURN_IF_ERROR(r.Int("interval_s", 1, 86'400, &attest->interval_s));
    return r.CheckNoUnknownKeys();
  }

  const toml::table& root_;
  std::string_view source_;
};

}  // namespace

namespace {

// Runs `parse` on the TOML tables of the texts, turning toml++'s exceptions
// into InvalidArgument naming the text that did not parse.
template <typename Parse>
Result<AgentConfig> WithParsed(std::string_view text, std::string_view source, Parse parse) {
  try {
    toml::table root = toml::parse(text, source);
    return parse(root);
  } catch (const toml::parse_error& e) {
    const auto& begin = e.source().begin;
    return Status::InvalidArgument(
        fmt::format("{}:{}:{}: {}", source, begin.line, begin.column, e.description()));
  } catch (const std::exception& e) {
    return Status::Internal(fmt::format("{}: reading configuration: {}", source, e.what()));
  }
}

bool ForbiddenInOverlay(std::string_view key) {
  return std::find(std::begin(kOverlayForbiddenSections), std::end(kOverlayForbiddenSections),
                   key) != std::end(kOverlayForbiddenSections);
}

}  // namespace

Result<AgentConfig> ParseAgentConfig(std::string_view toml_text, std::string_view source_name) {
  return WithParsed(toml_text, source_name, [&](const toml::table& root) {
    return AgentConfigParser(root, source_name).Parse();
  });
}

Result<AgentConfig> ParseAgentConfigWithOverlay(std::string_view local_text,
                                                std::string_view local_source,
                                                std::string_view overlay_text,
                                                std::string_view overlay_source) {
  // The local text alone first, so that its errors name it.
  KEEL_RETURN_IF_ERROR(ParseAgentConfig(local_text, local_source).status());
  // Nodes keep their positions only when moved (toml++ copies drop them), so
  // each check parses the texts afresh and moves the overlay's nodes in.
  auto merge = [&](const toml::table& local, toml::table& overlay, bool local_identity_only) {
    toml::table merged;
    for (const auto& [key, node] : local) {
      if (!local_identity_only || ForbiddenInOverlay(key.str())) merged.insert(key, node);
    }
    for (auto&& [key, node] : overlay) merged.insert_or_assign(key, std::move(node));
    return merged;
  };
  return WithParsed(local_text, local_source, [&](const toml::table& local) -> Result<AgentConfig> {
    // The overlay's own sections, with the local identity: errors name the
    // overlay and its lines.
    KEEL_RETURN_IF_ERROR(
        WithParsed(overlay_text, overlay_source, [&](toml::table& overlay) -> Result<AgentConfig> {
          for (const auto& [key, node] : overlay) {
            if (ForbiddenInOverlay(key.str())) {
              return Status::InvalidArgument(fmt::format(
                  "{} [{}]: a configuration overlay may not set [device], [hub] or [ota] "
                  "(they are per device)",
                  TomlLocation(overlay_source, &node), key.str()));
            }
          }
          return AgentConfigParser(merge(local, overlay, true), overlay_source).Parse();
        }).status());
    const std::string both = fmt::format("{} with {}", local_source, overlay_source);
    return WithParsed(overlay_text, overlay_source, [&](toml::table& overlay) {
      return AgentConfigParser(merge(local, overlay, false), both).Parse();
    });
  });
}

void ResolveRelativePaths(AgentConfig* config, const std::filesystem::path& base) {
  if (config->device.dir.is_relative()) config->device.dir = base / config->device.dir;
  if (config->outbox.path.is_relative()) config->outbox.path = base / config->outbox.path;
  if (config->ota.dir.is_relative()) config->ota.dir = base / config->ota.dir;
  if (config->analytics) {
    for (auto* p : {&config->analytics->rules_file, &config->analytics->model_dir}) {
      if (!p->empty() && p->is_relative()) *p = base / *p;
    }
  }
}

Result<AgentConfig> LoadAgentConfig(const std::filesystem::path& path) {
  KEEL_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  KEEL_ASSIGN_OR_RETURN(AgentConfig config, ParseAgentConfig(text, path.string()));
  ResolveRelativePaths(&config, path.parent_path());
  config.file = path;
  return config;
}

}  // namespace keel::edge
