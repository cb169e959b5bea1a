#include "edge/ota/updater.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <vector>

#include "common/semver.h"

namespace keel::edge::ota {
namespace {

constexpr size_t kMaxTimestampBytes = 16 << 10;
constexpr size_t kMaxRootBytes = 512 << 10;
constexpr size_t kDefaultMaxMetadataBytes = 4 << 20;
constexpr int kMaxRootSteps = 32;  // root versions fetched in one refresh

}  // namespace

Status CheckSignedKind(const tuf::TargetFile& target, const std::string& target_name,
                       std::string_view kind, std::string_view version) {
  const auto& custom = target.custom;
  const auto signed_kind = custom.find("kind");
  if (signed_kind == custom.end() || !signed_kind->is_string() ||
      signed_kind->get<std::string>() != kind) {
    return Status::InvalidArgument(
        fmt::format("{}: the signed target is not of kind \"{}\"", target_name, kind));
  }
  const auto signed_version = custom.find("version");
  if (signed_version != custom.end() &&
      (!signed_version->is_string() || signed_version->get<std::string>() != version)) {
    return Status::InvalidArgument(
        fmt::format("{}: the signed target names version {}", target_name, signed_version->dump()));
  }
  return Status::Ok();
}

Status CheckNotDowngrade(std::string_view installed, std::string_view offered) {
  const auto a = ParseSemVer(installed);
  const auto b = ParseSemVer(offered);
  if (!a || !b) {
    return Status::InvalidArgument(
        fmt::format("ota: \"{}\" is not a version MAJOR.MINOR.PATCH", a ? offered : installed));
  }
  if (CompareSemVer(*b, *a) < 0) {
    return Status::FailedPrecondition(
        fmt::format("ota: {} is older than the installed {} (downgrade)", offered, installed));
  }
  return Status::Ok();
}

Result<std::unique_ptr<Updater>> Updater::Open(FileSystem& fs, std::filesystem::path dir,
                                               std::string_view pinned_root, const Clock& clock) {
  std::unique_ptr<Updater> updater(new Updater(fs, std::move(dir)));
  KEEL_RETURN_IF_ERROR(fs.MakeDirs(updater->dir_ / "metadata"));
  KEEL_RETURN_IF_ERROR(fs.MakeDirs(updater->dir_ / "downloads"));
  auto persisted_root = fs.Read(updater->dir_ / "metadata" / "root.json");
  const std::string root = persisted_root.ok() ? *persisted_root : std::string(pinned_root);
  KEEL_ASSIGN_OR_RETURN(tuf::TrustedMetadata trusted, tuf::TrustedMetadata::Create(root, clock));
  updater->trusted_ = std::make_unique<tuf::TrustedMetadata>(std::move(trusted));
  // What was trusted before the restart: its versions keep protecting against
  // rollback even when expired (Update* keeps expired metadata).
  // Expired is fine here (FailedPrecondition, kept for its version); anything
  // else means the local copy is unusable, and the next refresh replaces it.
  auto load = [&](const char* file, auto update) {
    auto bytes = fs.Read(updater->dir_ / "metadata" / file);
    if (!bytes.ok()) return;
    Status status = update(*bytes);
    if (!status.ok() && status.code() != StatusCode::kFailedPrecondition) {
      spdlog::warn("ota: persisted {} not loaded: {}", file, status.ToString());
    }
  };
  tuf::TrustedMetadata& t = *updater->trusted_;
  load("timestamp.json", [&](std::string_view b) { return t.UpdateTimestamp(b); });
  load("snapshot.json", [&](std::string_view b) { return t.UpdateSnapshot(b); });
  load("targets.json", [&](std::string_view b) { return t.UpdateTargets(b); });
  return updater;
}

Status Updater::Persist(const std::string& file, std::string_view bytes) {
  return WriteDurably(*fs_, dir_ / "metadata" / file, bytes);
}

Status Updater::RefreshMetadata(UpdateSource& source) {
  for (int step = 0; step < kMaxRootSteps; ++step) {
    const std::string file = fmt::format("root.{}.json", trusted_->root().version + 1);
    auto bytes = source.FetchMetadata(file, kMaxRootBytes);
    if (!bytes.ok() && bytes.status().code() == StatusCode::kNotFound) break;
    if (!bytes.ok()) return bytes.status();
    KEEL_RETURN_IF_ERROR(trusted_->UpdateRoot(*bytes));
    KEEL_RETURN_IF_ERROR(Persist("root.json", *bytes));
  }
  KEEL_ASSIGN_OR_RETURN(std::string timestamp,
                        source.FetchMetadata("timestamp.json", kMaxTimestampBytes));
  KEEL_RETURN_IF_ERROR(trusted_->UpdateTimestamp(timestamp));
  KEEL_RETURN_IF_ERROR(Persist("timestamp.json", timestamp));

  const tuf::MetaFile& snapshot_meta = trusted_->timestamp()->snapshot;
  KEEL_ASSIGN_OR_RETURN(
      std::string snapshot,
      source.FetchMetadata("snapshot.json", snapshot_meta.length
                                                ? static_cast<size_t>(*snapshot_meta.length)
                                                : kDefaultMaxMetadataBytes));
  KEEL_RETURN_IF_ERROR(trusted_->UpdateSnapshot(snapshot));
  KEEL_RETURN_IF_ERROR(Persist("snapshot.json", snapshot));

  const tuf::MetaFile& targets_meta = trusted_->snapshot()->targets;
  KEEL_ASSIGN_OR_RETURN(
      std::string targets,
      source.FetchMetadata("targets.json", targets_meta.length
                                               ? static_cast<size_t>(*targets_meta.length)
                                               : kDefaultMaxMetadataBytes));
  KEEL_RETURN_IF_ERROR(trusted_->UpdateTargets(targets));
  return Persist("targets.json", targets);
}

Result<tuf::TargetFile> Updater::Target(std::string_view name) const {
  return trusted_->Target(name);
}

Result<std::string> Updater::Download(UpdateSource& source, std::string_view name) {
  KEEL_ASSIGN_OR_RETURN(tuf::TargetFile target, trusted_->Target(name));
  const auto part = dir_ / "downloads" / (target.sha256 + ".part");
  tuf::TargetVerifier verifier{std::string(name), target};
  std::string payload;
  if (auto kept = fs_->Read(part); kept.ok() && verifier.Update(*kept).ok()) {
    payload = std::move(*kept);
  }
  Status fetched = source.FetchTarget(name, static_cast<int64_t>(payload.size()),
                                      [&](std::string_view chunk) -> Status {
                                        KEEL_RETURN_IF_ERROR(verifier.Update(chunk));
                                        payload.append(chunk);
                                        return Status::Ok();
                                      });
  if (!fetched.ok()) {
    if (fetched.code() == StatusCode::kUnavailable) {
      (void)WriteDurably(*fs_, part, payload);  // resume from here next time
    } else {
      (void)fs_->Remove(part);
    }
    return fetched;
  }
  Status verified = verifier.Finish();
  (void)fs_->Remove(part);
  if (!verified.ok()) return verified;
  return payload;
}

}  // namespace keel::edge::ota
