// libFuzzer target for the topology parser (ParseTopology): any input must
// yield a topology or an error Status with a message, never a crash, hang or
// exception. A parsed topology must survive TopologyToJson -> ParseTopology
// unchanged, and ContextOf/DevicesBehind/DevicesAt of every id must work.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "hub/topology/topology.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace keel::hub::topology;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto topology = ParseTopology(text, "fuzz.json");
  if (!topology.ok()) {
    if (topology.status().message().empty()) __builtin_trap();
    return 0;
  }
  auto again = ParseTopology(TopologyToJson(*topology).dump(), "round-trip");
  if (!again.ok() || !(*again == *topology)) __builtin_trap();
  for (const auto& [id, device] : topology->devices) {
    const Labels labels = ContextOf(*topology, id);
    if (labels.at("site") != device.site) __builtin_trap();
    (void)DevicesBehind(*topology, device.gateway);
  }
  for (const auto& [id, site] : topology->sites) (void)DevicesAt(*topology, id);
  for (const auto& [id, gateway] : topology->gateways) {
    if (ContextOf(*topology, id).at("role") != "gateway") __builtin_trap();
  }
  return 0;
}
