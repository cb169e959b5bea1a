// Topology: where every device sits (issue 5 point 2; docs/topology.md).
// Tenants own sites; a site has gateways, assets (the machines that matter,
// with a criticality) and devices; a device may sit behind a gateway,
// monitor an asset, carry tags and list its sensors. A gateway may also be
// listed as a device (its own agent), with the same id.
//
// The hub stores one topology document (TopologyService, PUT
// /api/v1/topology) and `keel-eval alerts --topology FILE` reads the same
// format. Correlation uses the labels ContextOf derives from it: inhibition
// of the devices behind an offline gateway (`gateway`), incident priority
// (`criticality`), grouping (`site`); deployments and rules target by it
// (DevicesAt, DevicesBehind).
//
// Pure values and functions: no I/O, no threads; a Topology is safe to read
// from many threads once built.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace keel::hub::topology {

// Label name -> value; the same type as alerts::Labels, so a context
// converts to alert labels without a copy of each element's type.
using Labels = std::map<std::string, std::string>;

// Label names ContextOf sets from the structure of the topology. A device's
// tags may not use them (the parser rejects such a tag).
inline constexpr std::string_view kReservedLabels[] = {"tenant", "site",        "gateway",
                                                       "asset",  "criticality", "role"};

struct Tenant {
  std::string name;  // free text, may be empty
  bool operator==(const Tenant&) const = default;
};

struct Site {
  std::string tenant;  // a key of Topology::tenants
  std::string name;
  bool operator==(const Site&) const = default;
};

struct Gateway {
  std::string site;  // a key of Topology::sites
  bool operator==(const Gateway&) const = default;
};

struct Asset {
  std::string site;
  int criticality = 3;  // 1 (lowest) .. 5 (highest)
  std::string name;
  bool operator==(const Asset&) const = default;
};

struct Sensor {
  std::string id;  // unique within its device
  std::string kind;
  std::string unit;
  bool operator==(const Sensor&) const = default;
};

struct Device {
  std::string site;
  std::string gateway;  // a key of Topology::gateways at the same site, or ""
  std::string asset;    // a key of Topology::assets at the same site, or ""
  std::map<std::string, std::string> tags;
  std::vector<Sensor> sensors;  // in document order
  bool operator==(const Device&) const = default;
};

// Each map is keyed by id. A Topology from ParseTopology is consistent
// (every reference resolves, see ParseTopology); one built by hand need not
// be, and the functions below then simply skip what does not resolve.
struct Topology {
  std::map<std::string, Tenant, std::less<>> tenants;
  std::map<std::string, Site, std::less<>> sites;
  std::map<std::string, Gateway, std::less<>> gateways;
  std::map<std::string, Asset, std::less<>> assets;
  std::map<std::string, Device, std::less<>> devices;
  bool operator==(const Topology&) const = default;
};

// Parses and validates a topology document:
//   {"tenants":  [{"id", "name"?}],
//    "sites":    [{"id", "tenant", "name"?}],
//    "gateways": [{"id", "site"}],
//    "assets":   [{"id", "site", "criticality": 1..5, "name"?}],
//    "devices":  [{"id", "site", "gateway"?, "asset"?, "tags"?: {"k": "v"},
//                  "sensors"?: [{"id", "kind"?, "unit"?}]}]}
// Every array is optional (empty). Ids are 1..64 characters of
// [A-Za-z0-9._-]; names at most 256 bytes; sensor kind and unit at most 64;
// tags at most 32, keys and values 1..64 characters of [A-Za-z0-9._:-],
// keys not in kReservedLabels. Errors (InvalidArgument) name `source` and
// the JSON path, e.g.
//   topology.json: devices[3].gateway: "gw-9" is not a gateway
// for: a document over 1 MiB, not JSON, a member given twice in one
// object, unknown members, wrong types, bad ids, duplicate ids within a
// kind (a gateway and a device may share one; nothing else may be declared
// twice), dangling references (a site's tenant, a gateway's/asset's/
// device's site, a device's gateway or asset), a device whose gateway or
// asset is at another site, a gateway's device entry at another site than
// the gateway, a device behind itself, criticality outside 1..5.
Result<Topology> ParseTopology(std::string_view text, std::string_view source);

// The document ParseTopology reads, arrays sorted by id, optional members
// omitted when empty: ParseTopology(TopologyToJson(t).dump()) == t for a
// parsed t.
nlohmann::json TopologyToJson(const Topology& topology);

// The correlation labels of `device`: tenant and site; gateway and asset
// when it has them; criticality ("1".."5", from its asset); role=gateway
// when the id is a gateway (a gateway not listed as a device gets tenant,
// site and role); then its tags (which cannot collide with those). Empty
// for an id the topology does not know.
Labels ContextOf(const Topology& topology, std::string_view device);

// Ids of the devices whose gateway is `gateway` (directly), sorted.
std::vector<std::string> DevicesBehind(const Topology& topology, std::string_view gateway);
// Ids of the devices at `site`, sorted.
std::vector<std::string> DevicesAt(const Topology& topology, std::string_view site);

}  // namespace keel::hub::topology
