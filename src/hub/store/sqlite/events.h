// Internal to keel_hub_store: writing the events of a stored batch (the
// `events` table, sqlite/schema.h).
#pragma once

#include <cstdint>

#include "common/status.h"
#include "hub/store/sqlite/connection.h"
#include "wire/telemetry.h"

namespace keel::hub::sqlite {

// Inserts batch.events as rows (dkey, batch.seq, index, type, t, data as
// compact JSON text; invalid UTF-8 replaced by U+FFFD). Runs inside the
// caller's transaction, after the batch's row was inserted.
Status StoreEvents(Connection& conn, int64_t dkey, const wire::TelemetryBatch& batch);

}  // namespace keel::hub::sqlite
