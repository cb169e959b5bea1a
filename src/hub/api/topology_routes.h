// Topology endpoints (docs/api.md "Topology", docs/topology.md). Operators
// (bearer token; the caller checks):
//   GET /api/v1/topology                {"version": N, "updated_ms": MS, "topology": {...}}
//                                       with `ETag: "N"`; version 0: none stored yet
//   PUT /api/v1/topology                body: the topology document; optional
//                                       `If-Match: N` (or "N"): 409 unless N is the
//                                       stored version -> {"version": N+1}
//   GET /api/v1/devices/{id}/context    {"id": ..., "labels": {...}}: what alerts of
//                                       the device are enriched with
// An invalid document is 400 with the parser's message ("topology:
// devices[3].gateway: \"gw-9\" is not a gateway"); the body limit is the
// API's max_body_bytes (413 beyond). Stateless helpers.
#pragma once

#include <httplib.h>

#include <cstdint>
#include <optional>
#include <string>

#include "common/status.h"
#include "hub/topology/topology_service.h"

namespace keel::hub {

void ServeGetTopology(httplib::Response& res, topology::TopologyService& topology);
void ServePutTopology(const httplib::Request& req, httplib::Response& res,
                      topology::TopologyService& topology);
void ServeDeviceContext(httplib::Response& res, topology::TopologyService& topology,
                        const std::string& device);

// The version an `If-Match` header value names: `3` or `"3"` (an ETag),
// a positive integer. InvalidArgument otherwise.
Result<int64_t> ParseIfMatchVersion(std::string_view header);

}  // namespace keel::hub
