// Creation and version check of the outbox database (layout in outbox.h).
#pragma once

#include <cstdint>

#include "common/status.h"
#include "edge/outbox/sqlite_db.h"

namespace keel::edge {

inline constexpr int64_t kOutboxSchemaVersion = 1;
inline constexpr int64_t kOutboxApplicationId = 0x4B45454C;  // "KEEL"

// Sets the connection pragmas (WAL, synchronous=FULL), then creates the schema
// in an empty database or verifies that an existing one is a Keel outbox of a
// version this build understands. Never modifies a database it refuses.
// A new outbox starts its seqs at `first_seq` (everything below counts as
// acknowledged); an existing one keeps its own.
Status PrepareOutboxSchema(sqlite::Db& db, uint64_t first_seq);

}  // namespace keel::edge
