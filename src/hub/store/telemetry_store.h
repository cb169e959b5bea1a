// TelemetryStore: durable, deduplicated telemetry and each device's
// acknowledgement watermark.
//
// A batch's events (wire::TelemetryBatch::events) are stored with it, in the
// same transaction, and are identified by (device, seq, index in the batch):
// a duplicate batch adds no events.
//
// Delivery contract: a device sends batches with strictly increasing `seq`
// (starting at 1) and may redeliver any of them. The store keeps each
// (device, seq) once, and `acked_seq` is the highest seq such that every seq
// in 1..acked_seq is either stored or was reported dropped (RecordGap). Once
// WriteBatches or RecordGap returns OK, everything it reports is durable
// (committed with a synced write-ahead log), so the caller may acknowledge
// `acked_seq` to the device, which then deletes those batches.
//
// Thread-safety: all methods may be called concurrently. Writes are
// serialized; reads use their own connections and do not wait for a write in
// progress (they see the last committed state).
// Times are ms since the Unix epoch (UTC).
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"
#include "wire/telemetry.h"

namespace keel::hub {

struct IngestBatch {
  std::string device_id;
  wire::TelemetryBatch batch;
  int64_t received_ms = 0;
};

enum class BatchOutcome {
  kStored,         // new (device, seq): its samples and events are stored
  kDuplicate,      // (device, seq) was stored before (or earlier in the same call)
  kUnknownDevice,  // device id not in the registry: nothing stored
  kInvalid,        // seq is 0 or above INT64_MAX, a value is not finite or an event's
                   // data is not an object: nothing stored
};

struct WriteResult {
  std::vector<BatchOutcome> outcomes;  // one per input batch, same order
  // For every known device in the input (stored, duplicate or invalid): its
  // acked_seq after the write, in order of first appearance.
  std::vector<std::pair<std::string, uint64_t>> watermarks;
  uint64_t samples_stored = 0;  // samples in batches with outcome kStored
  uint64_t events_stored = 0;   // events in batches with outcome kStored
};

struct StoreStats {
  uint64_t devices = 0;
  uint64_t batches = 0;           // distinct (device, seq) stored
  uint64_t samples = 0;           // samples accepted from stored batches
  uint64_t duplicates_total = 0;  // batches answered kDuplicate, ever
  uint64_t gaps_total = 0;        // seqs reported dropped, summed over RecordGap calls
  uint64_t events = 0;            // events stored (from stored batches)
  bool operator==(const StoreStats&) const = default;
};

// Which stored events ReadEvents returns.
struct EventQuery {
  std::optional<std::string> device_id;  // nullopt: every device
  std::string type_prefix;               // plain string prefix of the type; "" matches all
  int64_t from_ms = std::numeric_limits<int64_t>::min();  // inclusive, event time t_ms
  int64_t to_ms = std::numeric_limits<int64_t>::max();    // exclusive
  size_t limit = 100;                                     // at most this many (0: none)
  // true: newest first (t_ms descending); false: oldest first. Ties are
  // broken by device, seq and index in the same direction.
  bool newest_first = true;
};

struct StoredEvent {
  std::string device_id;
  uint64_t seq = 0;    // the batch that carried it
  uint32_t index = 0;  // its position in that batch
  std::string type;
  int64_t t_ms = 0;  // the event's own time (device clock), ms since the Unix epoch
  nlohmann::json data = nlohmann::json::object();  // always an object
  bool operator==(const StoredEvent&) const = default;
};

class TelemetryStore {
 public:
  virtual ~TelemetryStore() = default;

  // Writes all batches in one transaction and advances the watermark of each
  // device touched. A batch of an unknown device or an invalid batch is
  // reported in its outcome without failing the others. Samples with the
  // same (series, t_ms) overwrite: the last one written wins (later in the
  // input, or a later call), even if it came from a lower seq.
  // A non-OK result means nothing was written (IoError names the database).
  virtual Result<WriteResult> WriteBatches(std::span<IngestBatch> batches) = 0;

  // Durably records that the device dropped seqs from_seq..to_seq
  // (inclusive; its bounded outbox overflowed), so the watermark may advance
  // over them. Returns the device's acked_seq afterwards. InvalidArgument if
  // from_seq == 0, from_seq > to_seq or to_seq > INT64_MAX; NotFound for an
  // unknown device.
  virtual Result<uint64_t> RecordGap(std::string_view device_id, uint64_t from_seq, uint64_t to_seq,
                                     int64_t now_ms) = 0;

  // The device says every seq <= `acked` is settled (its outbox's own ack;
  // see wire::kOutboxSyncEventType): raises the watermark to `acked` if it is
  // lower, then advances it as usual. Not counted as a gap. Returns the
  // device's acked_seq afterwards. InvalidArgument if acked > INT64_MAX;
  // NotFound for an unknown device.
  virtual Result<uint64_t> SettleUpTo(std::string_view device_id, uint64_t acked,
                                      int64_t now_ms) = 0;

  // Points of one series with from_ms <= t_ms < to_ms, ascending by time, at
  // most `limit` of them (the earliest). NotFound for an unknown device; an
  // unknown series or an empty range yields no points.
  virtual Result<std::vector<wire::Point>> ReadSeries(std::string_view device_id,
                                                      std::string_view series, int64_t from_ms,
                                                      int64_t to_ms, size_t limit) = 0;

  // Names of the device's series, ordered. NotFound for an unknown device.
  virtual Result<std::vector<std::string>> ListSeries(std::string_view device_id) = 0;

  // Stored events matching `q`, ordered by time as q.newest_first says, at
  // most q.limit of them. NotFound if q.device_id names an unknown device;
  // an empty range (from_ms >= to_ms) yields none.
  virtual Result<std::vector<StoredEvent>> ReadEvents(const EventQuery& q) = 0;

  // Totals; correct across restarts.
  virtual Result<StoreStats> Stats() = 0;
};

}  // namespace keel::hub
