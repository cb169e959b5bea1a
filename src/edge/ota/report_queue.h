// ReportQueue: the device's install reports (wire::OtaReport) waiting for the
// hub's acknowledgement, and how far each directive has progressed, kept
// durably in one file so that every state change is reported exactly once
// across kills and restarts (docs/ota.md, "Device rollout participation").
//
// Layout: <dir>/reports.json, replaced atomically and durably (WriteDurably)
// by every change:
//   {"format": 1,
//    "next_seq": N,                      the seq the next report gets
//    "reports": [{"seq", "deployment", "kind", "name", "version", "state",
//                 "reason", "t"}, ...],  unacknowledged, seq ascending
//    "progress": [{"deployment", "action", "kind", "name", "version",
//                  "state", "seq"}, ...]}
// `progress` holds, per directive (deployment, action), the state of its
// last report and that report's seq. A report and the progress it records are
// one write, so after a crash either both exist or neither does: a directive
// is never acted on twice and never reported twice.
//
// Seqs are assigned here, strictly increasing, never reused: next_seq is
// persisted in the same write as the report that used the previous value.
// Not thread-safe.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "common/filesystem.h"
#include "common/status.h"
#include "wire/ota_messages.h"

namespace keel::edge::ota {

// A directive as the device tracks it: (deployment, action).
using DirectiveKey = std::pair<int64_t, std::string>;

struct DirectiveProgress {
  std::string kind, name, version;  // of the directive's artifact
  std::string state;                // the state of the last report made for it
  int64_t seq = 0;                  // that report's seq
};

class ReportQueue {
 public:
  // Opens <dir>/reports.json (creating `dir`). A missing file starts an empty
  // queue whose first seq is `first_seq` (>= 1; the caller picks one a
  // previous queue of the device cannot have reached, see OtaManager). A file
  // that cannot be parsed is kept as reports.json.corrupt and replaced by an
  // empty queue starting at `first_seq`, logged: a device must go on
  // reporting. IoError if the file cannot be read or written. `fs` must
  // outlive the queue.
  static Result<std::unique_ptr<ReportQueue>> Open(FileSystem& fs, const std::filesystem::path& dir,
                                                   int64_t first_seq);

  // Assigns the next seq to `report` (its seq is ignored), records it as the
  // progress of directive (report.deployment, action), and persists both
  // before returning the seq. A reason longer than 512 bytes is cut, and
  // characters that are not printable ASCII become '?', as the wire requires.
  // On an error nothing was added (a seq may have been consumed).
  Result<int64_t> Add(wire::OtaReport report, const std::string& action);

  // The oldest unacknowledged reports, at most wire::kMaxReports.
  std::vector<wire::OtaReport> Pending() const;
  size_t size() const { return reports_.size(); }
  int64_t next_seq() const { return next_seq_; }

  // The hub holds every report up to `seq`: drops them durably. When `seq`
  // is at or beyond next_seq (the hub knows reports of an earlier queue of
  // this device, e.g. after reports.json was lost), next_seq moves past it
  // so no seq the hub holds is used again.
  Status Ack(int64_t seq);

  // The progress of a directive, if it has any.
  std::optional<DirectiveProgress> Progress(const DirectiveKey& key) const;
  // The directives with progress, for recovery after a restart.
  std::vector<std::pair<DirectiveKey, DirectiveProgress>> AllProgress() const;
  // Forgets the progress of directives whose last report is final and
  // acknowledged, except those in `still_directed` (the hub repeats a
  // directive until it holds its final report, so once that is acked and the
  // hub no longer sends it, it is done). Persists only if something changed.
  Status Prune(int64_t acked, const std::set<DirectiveKey>& still_directed);

 private:
  ReportQueue(FileSystem& fs, std::filesystem::path path) : fs_(&fs), path_(std::move(path)) {}
  Status Save(int64_t next_seq, const std::vector<wire::OtaReport>& reports,
              const std::map<DirectiveKey, DirectiveProgress>& progress);

  FileSystem* fs_;
  std::filesystem::path path_;
  int64_t next_seq_ = 1;
  std::vector<wire::OtaReport> reports_;
  std::map<DirectiveKey, DirectiveProgress> progress_;
};

}  // namespace keel::edge::ota
