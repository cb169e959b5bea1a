// ArtifactRegistry: publishes artifacts (issue 4: model bundles, agent
// configurations, agent binaries) — validated, recorded immutably in the
// ArtifactStore, and signed into the update repository so devices can
// verify them.
//
// Publishing order: the files' bytes are in the BlobStore first (uploaded),
// then the record is added to the store, then each file becomes the signed
// TUF target "<name>@<version>/<file>" (custom data: artifact, version,
// kind), and deltas from older versions are published (delta_publisher.h).
// A crash between the store and the repository leaves a record
// without targets; Reconcile() (run when the hub starts) signs them, so a
// recorded artifact is always eventually installable.
//
// What each kind must contain:
//   model   manifest.json (edge/model's format; its name and version must
//           be the artifact's) and, for the onnx backend, the model file it
//           names; nothing else
//   config  agent.toml
//   agent   keel-edge (the agent binary)
// Thread-safe.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "hub/models/blob_store.h"
#include "hub/models/publish_request.h"
#include "hub/store/artifact_store.h"
#include "tuf/repository.h"

namespace keel::hub {

struct PublishOutcome {
  ArtifactRecord artifact;
  bool created = false;  // false: the identical version was already published
};

class ArtifactRegistry {
 public:
  // `updates` may be null (signed updates not set up): Publish then fails
  // with FailedPrecondition. All must outlive the registry.
  ArtifactRegistry(ArtifactStore& store, BlobStore& blobs, tuf::Repository* updates,
                   const Clock& clock)
      : store_(store), blobs_(blobs), updates_(updates), clock_(clock) {}

  // Publishes; publishing the same name, version and content again returns
  // the existing record (created = false); different content under a
  // published name@version is AlreadyExists. InvalidArgument says which
  // file or member is wrong; NotFound names a blob that was not uploaded.
  Result<PublishOutcome> Publish(const PublishRequest& request);

  // Signs the targets of every recorded artifact the repository lacks.
  // Returns how many artifacts needed it.
  Result<int> Reconcile();

  Result<ArtifactRecord> Get(std::string_view name, std::string_view version) const {
    return store_.GetArtifact(name, version);
  }
  Result<std::vector<ArtifactRecord>> List(std::string_view name) const {
    return store_.ListArtifacts(name);
  }

  // "<name>@<version>/<file>".
  static std::string TargetName(std::string_view name, std::string_view version,
                                std::string_view file);

 private:
  Status ValidateContent(const PublishRequest& request) const;
  Status SignTargets(const ArtifactRecord& artifact);
  // The versions deltas to `artifact` are made from: its parent and the
  // newest older version of the same name and kind.
  std::vector<ArtifactRecord> DeltaBases(const ArtifactRecord& artifact) const;

  ArtifactStore& store_;
  BlobStore& blobs_;
  tuf::Repository* updates_;
  const Clock& clock_;
  std::mutex publish_mu_;  // one publication at a time: check-then-add
};

// SHA-256 (hex) of the canonical JSON of `files` ({file: {length, sha256}},
// keys sorted): the artifact's content identity.
std::string ArtifactDigest(const std::map<std::string, ArtifactFileRef>& files);

}  // namespace keel::hub
