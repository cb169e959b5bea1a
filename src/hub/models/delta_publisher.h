// Publishes binary deltas for a newly published artifact (docs/ota.md,
// "Deltas"): for each of its files, from the file of the same name in each
// base version (its parent and the newest older version), the delta made
// with common/zstd_delta.h becomes a blob and the signed target
// tuf::DeltaTargetName(<file's target>, <base SHA-256>), with custom data
// {"delta_of": target, "base_sha256": base}. A device holding the base
// downloads the delta instead of the file and verifies what it rebuilds
// against the full target's signature, so a delta is an optimisation only:
// failing to make one is logged and publication goes on.
//
// Deltas are made only where they pay: files of at least kMinDeltaSource
// bytes, at most kMaxDeltaSource (held in memory while compressing), and
// kept only when smaller than 90% of the file.
#pragma once

#include <cstdint>
#include <vector>

#include "hub/models/blob_store.h"
#include "hub/store/artifact_store.h"
#include "tuf/repository.h"

namespace keel::hub {

inline constexpr int64_t kMinDeltaSource = 16 << 10;
inline constexpr int64_t kMaxDeltaSource = 512LL << 20;

// Returns how many deltas were published.
int PublishDeltas(const ArtifactRecord& artifact, const std::vector<ArtifactRecord>& bases,
                  BlobStore& blobs, tuf::Repository& repository);

}  // namespace keel::hub
