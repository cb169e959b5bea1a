// ArtifactStore: the hub's durable registry of published artifacts (model
// bundles, agent configurations, agent binaries). Every name@version is
// immutable once added; the files' bytes live outside the store
// (content-addressed by SHA-256, hub/models/blob_store.h), the store keeps
// their digests and everything known about the version.
//
// A storage interface: validation (names, versions, that the files exist)
// is hub/models' job. Thread-safety and errors as DeviceStore.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace keel::hub {

enum class ArtifactKind { kModel, kConfig, kAgent };

// "model", "config", "agent".
std::string_view ArtifactKindName(ArtifactKind kind);
std::optional<ArtifactKind> ParseArtifactKind(std::string_view name);

struct ArtifactFileRef {
  std::string sha256;  // lower-case hex
  int64_t length = 0;
  bool operator==(const ArtifactFileRef&) const = default;
};

struct ArtifactRecord {
  std::string name;
  std::string version;  // semantic version
  ArtifactKind kind = ArtifactKind::kModel;
  std::map<std::string, ArtifactFileRef> files;  // file name in the artifact -> content
  std::string digest;  // SHA-256 of the canonical file list: equal digests, equal content
  int64_t size = 0;    // sum of the files' lengths
  std::string parent;  // the version this one derives from; "" for none
  // JSON object texts: lineage (training data window, parameters, ...) and
  // evaluation metrics, as the publisher gave them.
  std::string lineage_json = "{}";
  std::string metrics_json = "{}";
  std::string published_by;
  int64_t published_ms = 0;
  bool operator==(const ArtifactRecord&) const = default;
};

class ArtifactStore {
 public:
  virtual ~ArtifactStore() = default;

  // AlreadyExists if name@version was added before (with any content).
  virtual Status AddArtifact(const ArtifactRecord& artifact) = 0;
  // NotFound if unknown.
  virtual Result<ArtifactRecord> GetArtifact(std::string_view name, std::string_view version) = 0;
  // Every version of `name` ("" = of every name), ordered by name, then by
  // publication time.
  virtual Result<std::vector<ArtifactRecord>> ListArtifacts(std::string_view name) = 0;
};

}  // namespace keel::hub
