// TopologyStore: the hub's one topology document (hub/topology defines and
// validates it; docs/topology.md). The store keeps the JSON text opaque,
// with a version that counts the writes, for optimistic concurrency: an
// operator who read version N and writes with expected version N fails
// instead of silently overwriting somebody else's change made meanwhile.
// A storage interface: no policy. Thread-safety as DeviceStore; errors:
// IoError for the database.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace keel::hub {

struct StoredTopology {
  int64_t version = 0;      // 0: no topology was ever stored
  int64_t updated_ms = 0;   // when it was stored, ms since the Unix epoch
  std::string body = "{}";  // JSON (hub/topology)
};

class TopologyStore {
 public:
  virtual ~TopologyStore() = default;

  // Replaces the document; returns its new version (the previous one + 1;
  // the first is 1). `version_expected` 0 writes whatever is stored; any
  // other value must equal the stored version, otherwise nothing is written
  // and the result is FailedPrecondition ("topology: version 3 expected,
  // the stored one is 4"). Check and write are one transaction.
  virtual Result<int64_t> PutTopology(std::string_view body, int64_t version_expected,
                                      int64_t now_ms) = 0;
  // The stored document; {0, 0, "{}"} when none was ever stored.
  virtual Result<StoredTopology> GetTopology() = 0;
};

}  // namespace keel::hub
