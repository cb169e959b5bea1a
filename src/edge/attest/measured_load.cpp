#include "edge/attest/measured_load.h"

namespace keel::edge::attest {

Status MeasuredLoad::Record(std::string kind, std::string name, std::string version,
                            FileMeasurer measure) {
  KEEL_ASSIGN_OR_RETURN(std::string digest, measure());
  MeasuredEvent event{std::move(kind), std::move(name), std::move(version), std::move(digest)};
  std::lock_guard lock(mu_);
  KEEL_RETURN_IF_ERROR(log_.Extend(event));
  std::string key = event.kind;
  running_[key] = Running{std::move(event), std::move(measure)};
  ++records_;
  return Status::Ok();
}

Status MeasuredLoad::RecordFiles(std::string kind, std::string name, std::string version,
                                 std::map<std::string, std::filesystem::path> files) {
  return Record(std::move(kind), std::move(name), std::move(version),
                [files = std::move(files)] { return MeasureFiles(files); });
}

Status MeasuredLoad::RecordBundle(std::string kind, std::string name, std::string version,
                                  std::filesystem::path dir) {
  return Record(std::move(kind), std::move(name), std::move(version),
                [dir = std::move(dir)] { return MeasureBundleDir(dir); });
}

std::vector<MeasuredEvent> MeasuredLoad::DriftOf(const std::map<std::string, Running>& running) {
  std::vector<MeasuredEvent> drift;
  for (const auto& [kind, r] : running) {
    auto now = r.measure();
    std::string digest = now.ok() ? std::move(now).value() : FilesDigest({});
    if (digest == r.event.sha256) continue;
    MeasuredEvent on_disk = r.event;
    on_disk.sha256 = std::move(digest);
    drift.push_back(std::move(on_disk));
  }
  return drift;
}

std::vector<MeasuredEvent> MeasuredLoad::Drift() const {
  std::map<std::string, Running> running;
  {
    std::lock_guard lock(mu_);
    running = running_;
  }
  return DriftOf(running);
}

MeasurementLog::Snapshot MeasuredLoad::QuoteSnapshot() const {
  for (;;) {
    std::map<std::string, Running> running;
    uint64_t records = 0;
    {
      std::lock_guard lock(mu_);
      running = running_;
      records = records_;
    }
    std::vector<MeasuredEvent> drift = DriftOf(running);  // reads files: outside the lock
    std::lock_guard lock(mu_);
    if (records != records_) continue;  // something was loaded meanwhile: measure it instead
    MeasurementLog::Snapshot snapshot = log_.Take();
    for (auto& event : drift) {
      snapshot.pcr = ExtendPcr(snapshot.pcr, event);
      snapshot.events.push_back(std::move(event));
    }
    return snapshot;
  }
}

}  // namespace keel::edge::attest
