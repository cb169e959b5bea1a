#include "hub/topology/topology.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "common/strict_json.h"

namespace keel::hub::topology {
namespace {

constexpr size_t kMaxTopologyBytes = 1 << 20;
constexpr int kMaxDepth = 8;  // the document nests 5 levels: devices[].sensors[].{}
constexpr size_t kMaxNameBytes = 256;
constexpr size_t kMaxKindBytes = 64;
constexpr size_t kMaxTags = 32;
constexpr size_t kMaxSensors = 256;

bool IsIdChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '-';
}

bool IsId(std::string_view id) {
  return !id.empty() && id.size() <= 64 && std::all_of(id.begin(), id.end(), IsIdChar);
}

bool IsTagText(std::string_view text) {
  return !text.empty() && text.size() <= 64 &&
         std::all_of(text.begin(), text.end(), [](char c) { return IsIdChar(c) || c == ':'; });
}

bool IsReserved(std::string_view key) {
  return std::find(std::begin(kReservedLabels), std::end(kReservedLabels), key) !=
         std::end(kReservedLabels);
}

// Shows untrusted text in an error: quoted, cut at 64 bytes.
std::string Quoted(std::string_view text) {
  constexpr size_t kShown = 64;
  std::string out = "\"";
  for (char c : text.substr(0, kShown)) {
    out += (c >= 0x20 && c < 0x7f) ? c : '?';
  }
  return out + (text.size() > kShown ? "...\"" : "\"");
}

Result<std::string> ReadId(JsonMembers& m, std::string_view key = "id") {
  KEEL_ASSIGN_OR_RETURN(std::string id, m.String(key));
  if (!IsId(id)) {
    return m.Error(key, Quoted(id) + " is not an id (1..64 characters of [A-Za-z0-9._-])");
  }
  return id;
}

Result<std::string> ReadOptionalId(JsonMembers& m, std::string_view key) {
  if (!m.Has(key)) return std::string();
  return ReadId(m, key);
}

Result<std::string> ReadText(JsonMembers& m, std::string_view key, size_t max_bytes) {
  KEEL_ASSIGN_OR_RETURN(std::string text, m.OptionalString(key));
  if (text.size() > max_bytes) {
    return m.Error(key, fmt::format("{} bytes, more than {}", text.size(), max_bytes));
  }
  return text;
}

// The elements of the optional array `key`, each required to be an object.
Result<std::vector<JsonMembers>> ReadObjects(JsonMembers& top, std::string_view key) {
  if (!top.Has(key)) return std::vector<JsonMembers>();
  return top.ObjectArray(key);
}

template <typename Map>
Status CheckNew(const Map& map, JsonMembers& m, const std::string& id, std::string_view what) {
  if (map.contains(id))
    return m.Error("id", Quoted(id) + " is declared twice among the " + std::string(what));
  return Status::Ok();
}

template <typename Map>
Status CheckRef(const Map& map, JsonMembers& m, std::string_view key, const std::string& id,
                std::string_view what) {
  if (!map.contains(id)) return m.Error(key, Quoted(id) + " is not " + std::string(what));
  return Status::Ok();
}

Result<std::map<std::string, std::string>> ReadTags(JsonMembers& m) {
  std::map<std::string, std::string> tags;
  if (!m.Has("tags")) return tags;
  KEEL_ASSIGN_OR_RETURN(const nlohmann::json* object, m.Object("tags"));
  if (object->size() > kMaxTags) {
    return m.Error("tags", fmt::format("{} tags, more than {}", object->size(), kMaxTags));
  }
  const std::string path = m.PathOf("tags");
  for (const auto& [key, value] : object->items()) {
    auto error = [&](std::string_view why) {
      return Status::InvalidArgument(fmt::format("{}.{}: {}", path, Quoted(key), why));
    };
    if (!IsTagText(key)) return error("keys are 1..64 characters of [A-Za-z0-9._:-]");
    if (IsReserved(key)) return error("is set by the topology itself, not a tag");
    if (!value.is_string()) return error("expected a string, got " + JsonTypeName(value));
    const auto text = value.get<std::string>();
    if (!IsTagText(text)) {
      return error(Quoted(text) + ": values are 1..64 characters of [A-Za-z0-9._:-]");
    }
    tags.emplace(key, text);
  }
  return tags;
}

Result<std::vector<Sensor>> ReadSensors(JsonMembers& m) {
  KEEL_ASSIGN_OR_RETURN(auto elements, ReadObjects(m, "sensors"));
  if (elements.size() > kMaxSensors) {
    return m.Error("sensors",
                   fmt::format("{} sensors, more than {}", elements.size(), kMaxSensors));
  }
  std::vector<Sensor> sensors;
  std::set<std::string, std::less<>> seen;
  for (auto& e : elements) {
    Sensor sensor;
    KEEL_ASSIGN_OR_RETURN(sensor.id, ReadId(e));
    if (!seen.insert(sensor.id).second) {
      return e.Error("id", Quoted(sensor.id) + " is declared twice in this device");
    }
    KEEL_ASSIGN_OR_RETURN(sensor.kind, ReadText(e, "kind", kMaxKindBytes));
    KEEL_ASSIGN_OR_RETURN(sensor.unit, ReadText(e, "unit", kMaxKindBytes));
    KEEL_RETURN_IF_ERROR(e.Finish());
    sensors.push_back(std::move(sensor));
  }
  return sensors;
}

Status ReadDevice(JsonMembers& e, Topology& t) {
  KEEL_ASSIGN_OR_RETURN(std::string id, ReadId(e));
  KEEL_RETURN_IF_ERROR(CheckNew(t.devices, e, id, "devices"));
  Device d;
  KEEL_ASSIGN_OR_RETURN(d.site, ReadId(e, "site"));
  KEEL_RETURN_IF_ERROR(CheckRef(t.sites, e, "site", d.site, "a site"));
  KEEL_ASSIGN_OR_RETURN(d.gateway, ReadOptionalId(e, "gateway"));
  if (!d.gateway.empty()) {
    KEEL_RETURN_IF_ERROR(CheckRef(t.gateways, e, "gateway", d.gateway, "a gateway"));
    if (d.gateway == id) return e.Error("gateway", Quoted(id) + " cannot be behind itself");
    const std::string& at = t.gateways.find(d.gateway)->second.site;
    if (at != d.site) {
      return e.Error("gateway", fmt::format("{} is at site {}, not {}", Quoted(d.gateway),
                                            Quoted(at), Quoted(d.site)));
    }
  }
  if (auto gw = t.gateways.find(id); gw != t.gateways.end() && gw->second.site != d.site) {
    return e.Error("site", fmt::format("{}: the gateway {} is at site {}", Quoted(d.site),
                                       Quoted(id), Quoted(gw->second.site)));
  }
  KEEL_ASSIGN_OR_RETURN(d.asset, ReadOptionalId(e, "asset"));
  if (!d.asset.empty()) {
    KEEL_RETURN_IF_ERROR(CheckRef(t.assets, e, "asset", d.asset, "an asset"));
    const std::string& at = t.assets.find(d.asset)->second.site;
    if (at != d.site) {
      return e.Error("asset", fmt::format("{} is at site {}, not {}", Quoted(d.asset), Quoted(at),
                                          Quoted(d.site)));
    }
  }
  KEEL_ASSIGN_OR_RETURN(d.tags, ReadTags(e));
  KEEL_ASSIGN_OR_RETURN(d.sensors, ReadSensors(e));
  KEEL_RETURN_IF_ERROR(e.Finish());
  t.devices.emplace(std::move(id), std::move(d));
  return Status::Ok();
}

// Reads the kinds in dependency order, so every reference is to something
// already read.
Result<Topology> ReadTopology(JsonMembers& top) {
  KEEL_RETURN_IF_ERROR(top.RequireObject());
  Topology t;
  KEEL_ASSIGN_OR_RETURN(auto tenants, ReadObjects(top, "tenants"));
  for (auto& e : tenants) {
    KEEL_ASSIGN_OR_RETURN(std::string id, ReadId(e));
    KEEL_RETURN_IF_ERROR(CheckNew(t.tenants, e, id, "tenants"));
    Tenant tenant;
    KEEL_ASSIGN_OR_RETURN(tenant.name, ReadText(e, "name", kMaxNameBytes));
    KEEL_RETURN_IF_ERROR(e.Finish());
    t.tenants.emplace(std::move(id), std::move(tenant));
  }
  KEEL_ASSIGN_OR_RETURN(auto sites, ReadObjects(top, "sites"));
  for (auto& e : sites) {
    KEEL_ASSIGN_OR_RETURN(std::string id, ReadId(e));
    KEEL_RETURN_IF_ERROR(CheckNew(t.sites, e, id, "sites"));
    Site site;
    KEEL_ASSIGN_OR_RETURN(site.tenant, ReadId(e, "tenant"));
    KEEL_RETURN_IF_ERROR(CheckRef(t.tenants, e, "tenant", site.tenant, "a tenant"));
    KEEL_ASSIGN_OR_RETURN(site.name, ReadText(e, "name", kMaxNameBytes));
    KEEL_RETURN_IF_ERROR(e.Finish());
    t.sites.emplace(std::move(id), std::move(site));
  }
  KEEL_ASSIGN_OR_RETURN(auto gateways, ReadObjects(top, "gateways"));
  for (auto& e : gateways) {
    KEEL_ASSIGN_OR_RETURN(std::string id, ReadId(e));
    KEEL_RETURN_IF_ERROR(CheckNew(t.gateways, e, id, "gateways"));
    Gateway gateway;
    KEEL_ASSIGN_OR_RETURN(gateway.site, ReadId(e, "site"));
    KEEL_RETURN_IF_ERROR(CheckRef(t.sites, e, "site", gateway.site, "a site"));
    KEEL_RETURN_IF_ERROR(e.Finish());
    t.gateways.emplace(std::move(id), std::move(gateway));
  }
  KEEL_ASSIGN_OR_RETURN(auto assets, ReadObjects(top, "assets"));
  for (auto& e : assets) {
    KEEL_ASSIGN_OR_RETURN(std::string id, ReadId(e));
    KEEL_RETURN_IF_ERROR(CheckNew(t.assets, e, id, "assets"));
    Asset asset;
    KEEL_ASSIGN_OR_RETURN(asset.site, ReadId(e, "site"));
    KEEL_RETURN_IF_ERROR(CheckRef(t.sites, e, "site", asset.site, "a site"));
    KEEL_ASSIGN_OR_RETURN(int64_t criticality, e.Int("criticality"));
    if (criticality < 1 || criticality > 5) {
      return e.Error("criticality", fmt::format("{} is not in 1..5", criticality));
    }
    asset.criticality = static_cast<int>(criticality);
    KEEL_ASSIGN_OR_RETURN(asset.name, ReadText(e, "name", kMaxNameBytes));
    KEEL_RETURN_IF_ERROR(e.Finish());
    t.assets.emplace(std::move(id), std::move(asset));
  }
  KEEL_ASSIGN_OR_RETURN(auto devices, ReadObjects(top, "devices"));
  for (auto& e : devices) KEEL_RETURN_IF_ERROR(ReadDevice(e, t));
  KEEL_RETURN_IF_ERROR(top.Finish());
  return t;
}

}  // namespace

Result<Topology> ParseTopology(std::string_view text, std::string_view source) {
  KEEL_ASSIGN_OR_RETURN(nlohmann::json json,
                        ParseStrictJson(text, source, kMaxTopologyBytes, kMaxDepth));
  JsonMembers top(json, "");
  auto topology = ReadTopology(top);
  if (!topology.ok()) return topology.status().WithContext(source);
  return topology;
}

nlohmann::json TopologyToJson(const Topology& t) {
  using nlohmann::json;
  auto with_name = [](json object, const std::string& name) {
    if (!name.empty()) object["name"] = name;
    return object;
  };
  json out = {{"tenants", json::array()},
              {"sites", json::array()},
              {"gateways", json::array()},
              {"assets", json::array()},
              {"devices", json::array()}};
  for (const auto& [id, tenant] : t.tenants) {
    out["tenants"].push_back(with_name({{"id", id}}, tenant.name));
  }
  for (const auto& [id, site] : t.sites) {
    out["sites"].push_back(with_name({{"id", id}, {"tenant", site.tenant}}, site.name));
  }
  for (const auto& [id, gateway] : t.gateways) {
    out["gateways"].push_back({{"id", id}, {"site", gateway.site}});
  }
  for (const auto& [id, asset] : t.assets) {
    out["assets"].push_back(with_name(
        {{"id", id}, {"site", asset.site}, {"criticality", asset.criticality}}, asset.name));
  }
  for (const auto& [id, device] : t.devices) {
    json d = {{"id", id}, {"site", device.site}};
    if (!device.gateway.empty()) d["gateway"] = device.gateway;
    if (!device.asset.empty()) d["asset"] = device.asset;
    if (!device.tags.empty()) d["tags"] = device.tags;
    if (!device.sensors.empty()) {
      d["sensors"] = json::array();
      for (const auto& s : device.sensors) {
        json sensor = {{"id", s.id}};
        if (!s.kind.empty()) sensor["kind"] = s.kind;
        if (!s.unit.empty()) sensor["unit"] = s.unit;
        d["sensors"].push_back(std::move(sensor));
      }
    }
    out["devices"].push_back(std::move(d));
  }
  return out;
}

Labels ContextOf(const Topology& t, std::string_view device) {
  Labels labels;
  auto add_site = [&](const std::string& site_id) {
    labels["site"] = site_id;
    if (auto site = t.sites.find(site_id); site != t.sites.end()) {
      labels["tenant"] = site->second.tenant;
    }
  };
  const auto gateway = t.gateways.find(device);
  if (gateway != t.gateways.end()) {
    labels["role"] = "gateway";
    add_site(gateway->second.site);
  }
  const auto found = t.devices.find(device);
  if (found == t.devices.end()) return labels;
  const Device& d = found->second;
  add_site(d.site);
  if (!d.gateway.empty()) labels["gateway"] = d.gateway;
  if (!d.asset.empty()) {
    labels["asset"] = d.asset;
    if (auto asset = t.assets.find(d.asset); asset != t.assets.end()) {
      labels["criticality"] = std::to_string(asset->second.criticality);
    }
  }
  for (const auto& [key, value] : d.tags) labels.emplace(key, value);  // never overrides
  return labels;
}

std::vector<std::string> DevicesBehind(const Topology& t, std::string_view gateway) {
  std::vector<std::string> out;
  if (gateway.empty()) return out;
  for (const auto& [id, device] : t.devices) {
    if (device.gateway == gateway) out.push_back(id);
  }
  return out;
}

std::vector<std::string> DevicesAt(const Topology& t, std::string_view site) {
  std::vector<std::string> out;
  if (site.empty()) return out;
  for (const auto& [id, device] : t.devices) {
    if (device.site == site) out.push_back(id);
  }
  return out;
}

}  // namespace keel::hub::topology
