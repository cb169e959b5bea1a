#include "hub/store/sqlite/watermark.h"

#include <algorithm>

namespace keel::hub::sqlite {

Result<uint64_t> AdvanceWatermark(Connection& conn, int64_t dkey, uint64_t acked) {
  KEEL_ASSIGN_OR_RETURN(
      auto batches,
      conn.Prepare("SELECT seq FROM batches WHERE dkey = ?1 AND seq > ?2 ORDER BY seq"));
  KEEL_ASSIGN_OR_RETURN(auto gaps, conn.Prepare("SELECT from_seq, to_seq FROM gaps WHERE dkey = "
                                                "?1 AND to_seq > ?2 ORDER BY from_seq"));
  batches.Bind(1, dkey).Bind(2, acked);
  gaps.Bind(1, dkey).Bind(2, acked);
  KEEL_ASSIGN_OR_RETURN(bool have_batch, batches.Step());
  KEEL_ASSIGN_OR_RETURN(bool have_gap, gaps.Step());
  uint64_t w = acked;
  while (true) {
    while (have_gap && gaps.UInt(1) <= w) {
      KEEL_ASSIGN_OR_RETURN(have_gap, gaps.Step());
    }
    if (have_gap && gaps.UInt(0) <= w + 1) {
      w = std::max(w, gaps.UInt(1));
      continue;
    }
    while (have_batch && batches.UInt(0) <= w) {
      KEEL_ASSIGN_OR_RETURN(have_batch, batches.Step());
    }
    if (have_batch && batches.UInt(0) == w + 1) {
      w = w + 1;
      continue;
    }
    return w;
  }
}

}  // namespace keel::hub::sqlite
