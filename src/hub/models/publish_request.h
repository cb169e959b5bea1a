// The body of POST /api/v1/artifacts (docs/api.md):
//   {"name": "pump-ae", "version": "1.3.0", "kind": "model",
//    "files": {"manifest.json": {"sha256": "<64 hex>", "length": 812},
//              "model.onnx": {"sha256": "...", "length": 40960}},
//    "parent": "1.2.0",                           optional
//    "lineage": {"training_window": [...], ...},  optional JSON object
//    "metrics": {"f1": 0.91, ...},                optional JSON object
//    "published_by": "alice"}                     optional
// Strict: unknown members, wrong types, bad names, more than kMaxFiles files
// are InvalidArgument naming the member (e.g. "files.model.onnx.length").
// The files' bytes are uploaded first (POST /api/v1/blobs).
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "common/status.h"
#include "hub/store/artifact_store.h"

namespace keel::hub {

inline constexpr size_t kMaxArtifactFiles = 16;

struct PublishRequest {
  std::string name;
  std::string version;
  ArtifactKind kind = ArtifactKind::kModel;
  std::map<std::string, ArtifactFileRef> files;
  std::string parent;
  std::string lineage_json = "{}";  // compact JSON object text
  std::string metrics_json = "{}";
  std::string published_by;
};

Result<PublishRequest> ParsePublishRequest(std::string_view body);

// Artifact and file names: 1..64 characters of [A-Za-z0-9._-], not starting
// with '.' (so they are safe as path components and TUF target names).
bool IsArtifactName(std::string_view name);

}  // namespace keel::hub
