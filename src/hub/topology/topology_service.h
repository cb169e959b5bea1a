// TopologyService: the hub's topology (docs/topology.md) — the stored
// document, validated before it is stored, and the context labels of each
// device for alert correlation, rules and deployments.
//
// ContextOf(device) merges two sources:
//   - the stored topology (ContextOf in topology.h): tenant, site, gateway,
//     asset, criticality, role and the document's tags for the device;
//   - the device's tags set with `keelctl device tag` (RolloutStore), which
//     fill in other keys but never override the document's. For a device
//     the topology knows, tags named like the structural labels (site,
//     gateway, ...) are ignored: the document is authoritative. For a
//     device it does not know, every tag passes (so a hub without a
//     topology keeps correlating by `site` tags as before).
// Both are cached: ContextOf reloads them from the stores at most every
// 10 s (kRefreshMs), so a change made by another hub instance, or a tag
// set through the API, is seen within that time; Put() is seen at once.
//
// Thread-safe: one mutex guards the cache; ContextOf never blocks on more
// than one store read per 10 s. If a reload fails it logs and keeps the
// cached state.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/status.h"
#include "hub/store/rollout_store.h"
#include "hub/store/topology_store.h"
#include "hub/topology/topology.h"

namespace keel::hub::topology {

// A topology as stored: the parsed document and its store metadata.
struct VersionedTopology {
  int64_t version = 0;     // 0: none stored yet (an empty topology)
  int64_t updated_ms = 0;  // when it was stored
  Topology topology;
};

class TopologyService {
 public:
  static constexpr int64_t kRefreshMs = 10'000;

  // Loads the stored topology. `store`, `tags` and `clock` must outlive
  // the service. Fails if the store cannot be read or holds a document that
  // no longer parses (InvalidArgument naming "hub store: topology").
  static Result<std::unique_ptr<TopologyService>> Open(TopologyStore& store, RolloutStore& tags,
                                                       const Clock& clock);

  // The stored topology, read from the store (so it is current even when
  // another hub instance wrote it).
  Result<Topology> Get();
  Result<VersionedTopology> GetVersioned();

  // Validates `json` with ParseTopology (InvalidArgument with its message,
  // naming the document "topology"; nothing is stored then) and stores it
  // as written, if `expected_version` is 0 or the stored version
  // (FailedPrecondition otherwise). Returns the new version.
  Result<int64_t> Put(std::string_view json, int64_t expected_version);

  // The correlation labels of `device` (see above); empty when neither
  // source knows it. Never fails.
  Labels ContextOf(const std::string& device);

 private:
  TopologyService(TopologyStore& store, RolloutStore& tags, const Clock& clock)
      : store_(store), tags_(tags), clock_(clock) {}
  // Parses `stored` and makes it the cached topology. Requires mu_.
  Status Adopt(const StoredTopology& stored);
  // Reloads what is older than kRefreshMs. Requires mu_.
  void Refresh();

  TopologyStore& store_;
  RolloutStore& tags_;
  const Clock& clock_;
  std::mutex mu_;
  VersionedTopology current_;                      // guarded by mu_
  std::map<std::string, DeviceTags> device_tags_;  // guarded by mu_
  int64_t loaded_ms_ = 0;  // guarded by mu_; MonotonicMs of the last reload, 0 = never
};

}  // namespace keel::hub::topology
