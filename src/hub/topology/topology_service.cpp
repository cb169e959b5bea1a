#include "hub/topology/topology_service.h"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace keel::hub::topology {
namespace {

bool IsReserved(const std::string& key) {
  return std::find(std::begin(kReservedLabels), std::end(kReservedLabels), key) !=
         std::end(kReservedLabels);
}

}  // namespace

Result<std::unique_ptr<TopologyService>> TopologyService::Open(TopologyStore& store,
                                                               RolloutStore& tags,
                                                               const Clock& clock) {
  std::unique_ptr<TopologyService> service(new TopologyService(store, tags, clock));
  KEEL_ASSIGN_OR_RETURN(StoredTopology stored, store.GetTopology());
  KEEL_ASSIGN_OR_RETURN(auto device_tags, tags.ListDeviceTags());
  std::lock_guard lock(service->mu_);
  KEEL_RETURN_IF_ERROR(service->Adopt(stored));
  service->device_tags_ = std::move(device_tags);
  service->loaded_ms_ = std::max<int64_t>(clock.MonotonicMs(), 1);
  return service;
}

Status TopologyService::Adopt(const StoredTopology& stored) {
  if (stored.version == current_.version && stored.version != 0) return Status::Ok();
  auto parsed = ParseTopology(stored.body, "hub store: topology");
  if (!parsed.ok()) return parsed.status();
  current_ = {stored.version, stored.updated_ms, std::move(*parsed)};
  return Status::Ok();
}

Result<VersionedTopology> TopologyService::GetVersioned() {
  KEEL_ASSIGN_OR_RETURN(StoredTopology stored, store_.GetTopology());
  std::lock_guard lock(mu_);
  // A concurrent Put may have adopted a newer version already: keep it.
  if (stored.version >= current_.version) KEEL_RETURN_IF_ERROR(Adopt(stored));
  return current_;
}

Result<Topology> TopologyService::Get() {
  KEEL_ASSIGN_OR_RETURN(VersionedTopology current, GetVersioned());
  return std::move(current.topology);
}

Result<int64_t> TopologyService::Put(std::string_view json, int64_t expected_version) {
  KEEL_ASSIGN_OR_RETURN(Topology parsed, ParseTopology(json, "topology"));
  std::lock_guard lock(mu_);  // held across the write, so the cache follows the store's order
  const int64_t now = clock_.NowMs();
  KEEL_ASSIGN_OR_RETURN(const int64_t version, store_.PutTopology(json, expected_version, now));
  current_ = {version, now, std::move(parsed)};
  return version;
}

void TopologyService::Refresh() {
  const int64_t now = clock_.MonotonicMs();
  if (loaded_ms_ != 0 && now - loaded_ms_ < kRefreshMs) return;
  loaded_ms_ = std::max<int64_t>(now, 1);
  auto stored = store_.GetTopology();
  Status adopted = stored.ok()
                       ? (stored->version >= current_.version ? Adopt(*stored) : Status::Ok())
                       : stored.status();
  if (!adopted.ok()) spdlog::warn("topology: reload: {}", adopted.ToString());
  auto tags = tags_.ListDeviceTags();
  if (tags.ok()) {
    device_tags_ = std::move(*tags);
  } else {
    spdlog::warn("topology: device tags: {}", tags.status().ToString());
  }
}

Labels TopologyService::ContextOf(const std::string& device) {
  std::lock_guard lock(mu_);
  Refresh();
  Labels labels = topology::ContextOf(current_.topology, device);
  const bool known = !labels.empty();
  if (auto tags = device_tags_.find(device); tags != device_tags_.end()) {
    for (const auto& [key, value] : tags->second) {
      if (known && IsReserved(key)) continue;
      labels.emplace(key, value);  // never overrides the document
    }
  }
  return labels;
}

}  // namespace keel::hub::topology
