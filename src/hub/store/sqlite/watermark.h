// Internal to keel_hub_store: advancing a device's contiguous watermark.
#pragma once

#include <cstdint>

#include "common/status.h"
#include "hub/store/sqlite/connection.h"

namespace keel::hub::sqlite {

// The largest w' >= acked such that every seq in (acked, w'] has a row in
// `batches` or lies in a row of `gaps` for device `dkey`. Reads the seqs
// above `acked` in order and stops at the first hole, so the cost is
// proportional to the advance, not to the number of stored batches.
Result<uint64_t> AdvanceWatermark(Connection& conn, int64_t dkey, uint64_t acked);

}  // namespace keel::hub::sqlite
