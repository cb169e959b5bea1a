// Outbox: the device's durable queue of encoded telemetry batches.
//
// Every batch is written here (and synced) BEFORE it is published; it leaves
// only when the hub acknowledges it ([outbox-3]: the hub's application-level
// ack carries the highest contiguous seq it has stored durably). The outbox is
// bounded by batch count and by payload bytes; what happens at the bound is an
// explicit, counted policy, and dropped seq ranges are recorded durably so the
// hub can be told about the gap even after a crash.
//
// Sequence numbers start at 1 and strictly increase for the life of the
// database file: the next seq is persisted, so a seq is never reused, even
// after every batch has been acknowledged and deleted.
//
// On-disk layout (SQLite, WAL journal, synchronous=FULL, application_id
// 0x4B45454C "KEEL", schema version 1; see outbox_schema.cpp):
//   meta(key TEXT PRIMARY KEY, value INTEGER)   schema_version, next_seq,
//                                               acked_seq, dropped_total
//   batches(seq INTEGER PRIMARY KEY, payload BLOB, content_type TEXT,
//           created_ms INTEGER)                 unacknowledged batches
//   dropped(from_seq INTEGER PRIMARY KEY, to_seq INTEGER)
//                                               gap notices, inclusive ranges
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/status.h"

namespace keel::edge {

struct OutboxOptions {
  // Bounds on the unacknowledged batches kept. Both must be >= 1.
  uint64_t max_batches = 100000;
  uint64_t max_bytes = 256ull << 20;  // sum of payload sizes, bytes
  enum class DropPolicy {
    kDropOldest,    // delete the oldest unacked batches to make room (counted, gap recorded)
    kRejectNewest,  // refuse the new batch with ResourceExhausted (counted)
  } drop_policy = DropPolicy::kDropOldest;
  // The seq of the first batch of a NEW outbox database (ignored when the file
  // exists). Seqs below it count as acknowledged. A device that loses its
  // outbox (re-install, re-enrollment) starts a new one above every seq its
  // earlier outbox could have used, so the hub, which deduplicates by
  // (device, seq), never mistakes new batches for old ones. The agent uses
  // the wall clock in microseconds (see FirstSeqForNewOutbox).
  uint64_t first_seq = 1;
};

// Largest first_seq: leaves 2^53 - kMaxFirstSeq seqs, and keeps every seq
// exactly representable in JSON numbers (2^53).
inline constexpr uint64_t kMaxFirstSeq = (1ull << 53) - (1ull << 40);

struct AppendResult {
  uint64_t seq = 0;              // the seq assigned to the stored batch
  uint64_t dropped_batches = 0;  // batches deleted to make room for it
};

struct OutboxEntry {
  uint64_t seq = 0;
  std::string payload;       // bytes exactly as returned by the encoder
  std::string content_type;  // e.g. "application/cbor"
  int64_t created_ms = 0;    // Clock::NowMs() when appended
  bool operator==(const OutboxEntry&) const = default;
};

// Seqs from..to (inclusive) were dropped before the hub acknowledged them.
struct DroppedRange {
  uint64_t from = 0;
  uint64_t to = 0;
  bool operator==(const DroppedRange&) const = default;
};

struct OutboxStats {
  uint64_t depth = 0;           // unacknowledged batches stored
  uint64_t bytes = 0;           // their payload bytes
  uint64_t next_seq = 1;        // the seq the next Append will get
  uint64_t acked_seq = 0;       // highest seq the hub acknowledged (persisted)
  uint64_t dropped_total = 0;   // batches ever dropped by kDropOldest (persisted)
  uint64_t rejected_total = 0;  // batches refused by kRejectNewest or as too large,
                                // since this Outbox was opened (not persisted)
};

// Thread-safe: every method may be called concurrently (e.g. the sampling
// thread appends while the network thread peeks and acks); calls are
// serialised internally.
class Outbox {
 public:
  // Opens or creates the database at `db_path` (its directory must exist).
  // Errors, each naming the path:
  //   FailedPrecondition - the file is not an SQLite database, is corrupt, is
  //                        some other application's database, or has a schema
  //                        version this build does not know. The file is left
  //                        untouched: it is never silently discarded.
  //   InvalidArgument    - options out of range.
  //   IoError            - the file cannot be opened, read or written.
  // `clock` supplies created_ms and must outlive the Outbox.
  static Result<std::unique_ptr<Outbox>> Open(const std::filesystem::path& db_path,
                                              OutboxOptions options,
                                              const Clock& clock = SystemClock());

  virtual ~Outbox() = default;

  // Allocates the next seq, calls encode(seq) for the payload and stores the
  // batch durably in one transaction (synced before returning OK).
  //   kDropOldest:   the oldest unacked batches are deleted as needed to
  //                  respect both bounds; their range is recorded in the
  //                  drop notices and counted in dropped_total.
  //   kRejectNewest: ResourceExhausted if either bound would be exceeded;
  //                  counted in rejected_total.
  // A payload larger than max_bytes is refused with ResourceExhausted under
  // either policy (and counted as rejected). When nothing is stored the seq is
  // not consumed. `encode` runs under the outbox lock: it must not call back
  // into this Outbox; an exception from it is returned as Internal.
  virtual Result<AppendResult> Append(const std::function<std::string(uint64_t seq)>& encode,
                                      std::string_view content_type) = 0;

  // Up to `limit` stored batches with seq > after_seq, in increasing seq order.
  virtual Result<std::vector<OutboxEntry>> PeekAfter(uint64_t after_seq, size_t limit) = 0;

  // The hub has durably stored everything up to `up_to_seq`: deletes those
  // batches, deletes drop notices with to <= up_to_seq and trims those that
  // straddle it. Idempotent (acks at or below acked_seq are no-ops).
  // InvalidArgument if up_to_seq was never assigned (>= next_seq): the hub is
  // confused and nothing is deleted.
  virtual Status Ack(uint64_t up_to_seq) = 0;

  // Gap notices not yet covered by an ack, in increasing order; contiguous
  // drops are merged into one range.
  virtual Result<std::vector<DroppedRange>> PendingDropNotices() = 0;

  virtual OutboxStats Stats() const = 0;
};

}  // namespace keel::edge
