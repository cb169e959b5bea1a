// Updater: the device side of signed updates for one device directory.
//
//   RefreshMetadata  root chain -> timestamp -> snapshot -> targets from an
//                    UpdateSource, checked by tuf::TrustedMetadata; each
//                    accepted file is persisted (WriteDurably) under
//                    <dir>/metadata/, so versions seen survive restarts
//                    (rollback protection across reboots).
//   Download         a target, verified while it streams (never more than
//                    the signed length, SHA-256 at the end); bytes received
//                    are kept in <dir>/downloads/<sha256>.part, so a broken
//                    connection resumes where it stopped.
//   CheckNotDowngrade the target's custom "version" must not be lower than
//                    the installed one (semantic versions).
// Not thread-safe.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "common/clock.h"
#include "common/filesystem.h"
#include "common/status.h"
#include "edge/ota/update_source.h"
#include "tuf/trusted_metadata.h"

namespace keel::edge::ota {

class Updater {
 public:
  // `pinned_root`: root.json from enrollment, used when nothing newer is
  // persisted. `fs` and `clock` must outlive the updater.
  static Result<std::unique_ptr<Updater>> Open(FileSystem& fs, std::filesystem::path dir,
                                               std::string_view pinned_root, const Clock& clock);

  Status RefreshMetadata(UpdateSource& source);

  // The target's signed description (metadata must be fresh: not expired).
  Result<tuf::TargetFile> Target(std::string_view name) const;

  // The verified payload of `name`. On an interrupted transfer the bytes
  // received so far stay for the next call; on a hash mismatch they are
  // discarded (FailedPrecondition).
  Result<std::string> Download(UpdateSource& source, std::string_view name);

  const tuf::TrustedMetadata& trusted() const { return *trusted_; }

 private:
  Updater(FileSystem& fs, std::filesystem::path dir) : fs_(&fs), dir_(std::move(dir)) {}
  Status Persist(const std::string& file, std::string_view bytes);

  FileSystem* fs_;
  std::filesystem::path dir_;
  std::unique_ptr<tuf::TrustedMetadata> trusted_;
};

// InvalidArgument (naming `target_name`) unless the signed target's custom
// data says kind `kind` and, when it names a version, `version`.
Status CheckSignedKind(const tuf::TargetFile& target, const std::string& target_name,
                       std::string_view kind, std::string_view version);

// FailedPrecondition if `offered` < `installed` (semantic versions
// MAJOR.MINOR.PATCH, optional "-prerelease" lower than the release);
// InvalidArgument if either is not a version. Equal is allowed (re-install).
Status CheckNotDowngrade(std::string_view installed, std::string_view offered);

}  // namespace keel::edge::ota
