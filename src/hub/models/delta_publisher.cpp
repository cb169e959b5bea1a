#include "hub/models/delta_publisher.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <set>

#include "common/zstd_delta.h"
#include "hub/models/artifact_registry.h"
#include "tuf/delta_names.h"

namespace keel::hub {
namespace {

// Slow levels compress better; beyond a few MiB the hub would keep the
// publisher's request waiting too long.
int LevelFor(int64_t bytes) { return bytes <= (8 << 20) ? 19 : 3; }

Status PublishOne(const ArtifactRecord& a, const std::string& file, const ArtifactFileRef& to,
                  const ArtifactFileRef& from, BlobStore& blobs, tuf::Repository& repository) {
  KEEL_ASSIGN_OR_RETURN(std::string base, blobs.Read(from.sha256, kMaxDeltaSource));
  KEEL_ASSIGN_OR_RETURN(std::string target, blobs.Read(to.sha256, kMaxDeltaSource));
  KEEL_ASSIGN_OR_RETURN(std::string delta, MakeDelta(base, target, LevelFor(to.length)));
  if (static_cast<double>(delta.size()) >= 0.9 * static_cast<double>(to.length)) {
    return Status::FailedPrecondition(
        fmt::format("delta of {} bytes saves too little", delta.size()));
  }
  KEEL_ASSIGN_OR_RETURN(auto upload, blobs.StartUpload(static_cast<int64_t>(delta.size())));
  KEEL_RETURN_IF_ERROR(upload->Append(delta));
  KEEL_ASSIGN_OR_RETURN(ArtifactFileRef ref, upload->Finish());
  const std::string full = ArtifactRegistry::TargetName(a.name, a.version, file);
  tuf::TargetFile target_file;
  target_file.length = ref.length;
  target_file.sha256 = ref.sha256;
  target_file.custom = {{std::string(tuf::kDeltaOfKey), full},
                        {std::string(tuf::kDeltaBaseKey), from.sha256}};
  KEEL_RETURN_IF_ERROR(repository.AddTarget(tuf::DeltaTargetName(full, from.sha256), target_file));
  spdlog::info("registry: delta for {} from {}: {} of {} bytes ({:.1f}%)", full,
               from.sha256.substr(0, 16), ref.length, to.length,
               100.0 * static_cast<double>(ref.length) / static_cast<double>(to.length));
  return Status::Ok();
}

}  // namespace

int PublishDeltas(const ArtifactRecord& artifact, const std::vector<ArtifactRecord>& bases,
                  BlobStore& blobs, tuf::Repository& repository) {
  int published = 0;
  for (const auto& [file, to] : artifact.files) {
    if (to.length < kMinDeltaSource || to.length > kMaxDeltaSource) continue;
    std::set<std::string> done;
    for (const ArtifactRecord& base : bases) {
      auto from = base.files.find(file);
      if (from == base.files.end() || from->second.sha256 == to.sha256 ||
          from->second.length > kMaxDeltaSource || !done.insert(from->second.sha256).second) {
        continue;
      }
      Status made = PublishOne(artifact, file, to, from->second, blobs, repository);
      if (made.ok()) {
        ++published;
      } else {
        spdlog::warn("registry: no delta for {}@{}/{} from {}: {}", artifact.name, artifact.version,
                     file, base.version, made.message());
      }
    }
  }
  return published;
}

}  // namespace keel::hub
