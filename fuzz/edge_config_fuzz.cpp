// libFuzzer target for the edge agent's TOML configuration parser: any input
// must yield a config or an error Status, never a crash, hang or exception.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "edge/config/agent_config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto config = keel::edge::ParseAgentConfig(text, "fuzz.toml");
  if (!config.ok() && config.status().message().empty()) __builtin_trap();
  return 0;
}
