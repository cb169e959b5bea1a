// MeasuredLoad: what the agent runs now, by artifact kind, and the
// MeasurementLog of everything it loaded (docs/security.md, "Attestation").
//
// Record() is called when the agent loads something (its binary and its
// configuration at start, a model bundle at start and at every hot swap):
// it measures the files then, appends the event to the log and remembers how
// to measure them again. Drift() re-measures what runs now (the last
// recorded artifact of each kind) and returns an event for each whose files
// on disk no longer have the digest logged at load: what the next start
// would load. QuoteSnapshot() is what the agent quotes (Attestor): the log's
// events followed by the drift events, with the PCR extended by them. The
// drift events are not added to the log (nothing loaded those files), so a
// file swapped underneath a running agent is reported at every attestation
// until it is restored (a re-install, which the agent loads and records),
// and then no more: the hub lifts the quarantine.
//
// Thread-safe: Record (OTA thread) may race with Drift and QuoteSnapshot
// (attestation worker), which read the files outside the lock.
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "common/status.h"
#include "edge/attest/measurement_log.h"

namespace keel::edge::attest {

// Measures the files of one artifact as they are on disk now: the digest of
// edge/attest/measurement_log.h (e.g. MeasureFiles, MeasureBundleDir).
using FileMeasurer = std::function<Result<std::string>()>;

class MeasuredLoad {
 public:
  // Measures now (errors of `measure` as they are, the log unchanged),
  // appends {kind, name, version, digest} to the log (errors of
  // MeasurementLog::Extend) and makes it what runs for `kind`.
  Status Record(std::string kind, std::string name, std::string version, FileMeasurer measure);
  // Record with MeasureFiles(files): artifact file name -> path on disk.
  Status RecordFiles(std::string kind, std::string name, std::string version,
                     std::map<std::string, std::filesystem::path> files);
  // Record with MeasureBundleDir(dir), listed again at every measurement
  // (a file added to the directory changes the digest too).
  Status RecordBundle(std::string kind, std::string name, std::string version,
                      std::filesystem::path dir);

  // One event per kind whose files measure differently now than when they
  // were recorded, with the digest measured now, in kind order. Files that
  // cannot be measured any more (deleted, unreadable) measure as no files at
  // all: FilesDigest({}), which no artifact has.
  std::vector<MeasuredEvent> Drift() const;

  // The log's events, then Drift() of the same recorded artifacts (taken
  // again if a Record came in between), with the PCR extended by the drift
  // events.
  MeasurementLog::Snapshot QuoteSnapshot() const;

  const MeasurementLog& log() const { return log_; }

 private:
  struct Running {
    MeasuredEvent event;
    FileMeasurer measure;
  };
  static std::vector<MeasuredEvent> DriftOf(const std::map<std::string, Running>& running);

  mutable std::mutex mu_;
  std::map<std::string, Running> running_;  // by kind; guarded by mu_
  uint64_t records_ = 0;                    // Record calls that succeeded; guarded by mu_
  MeasurementLog log_;
};

}  // namespace keel::edge::attest
