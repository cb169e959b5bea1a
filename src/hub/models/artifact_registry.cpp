#include "hub/models/artifact_registry.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

#include "common/semver.h"
#include "crypto/tokens.h"
#include "edge/model/manifest.h"
#include "edge/model/model_bundle.h"
#include "hub/models/delta_publisher.h"

namespace keel::hub {
namespace {

Status WrongFiles(const PublishRequest& r, std::string_view what) {
  return Status::InvalidArgument(
      fmt::format("artifact {}@{} ({}): {}", r.name, r.version, ArtifactKindName(r.kind), what));
}

// The files a kind requires besides the model bundle's, which depend on its
// manifest.
std::string_view SoleFileOf(ArtifactKind kind) {
  switch (kind) {
    case ArtifactKind::kConfig:
      return "agent.toml";
    case ArtifactKind::kAgent:
      return "keel-edge";
    case ArtifactKind::kModel:
      break;
  }
  return "";
}

}  // namespace

std::string ArtifactDigest(const std::map<std::string, ArtifactFileRef>& files) {
  nlohmann::json canonical = nlohmann::json::object();
  for (const auto& [file, ref] : files) {
    canonical[file] = {{"length", ref.length}, {"sha256", ref.sha256}};
  }
  return crypto::Sha256Hex(canonical.dump());
}

std::string ArtifactRegistry::TargetName(std::string_view name, std::string_view version,
                                         std::string_view file) {
  return fmt::format("{}@{}/{}", name, version, file);
}

Status ArtifactRegistry::ValidateContent(const PublishRequest& r) const {
  for (const auto& [file, ref] : r.files) {
    Status present = blobs_.Check(ref);
    if (!present.ok()) {
      return Status(present.code(), fmt::format("artifact {}@{}: file {}: {} (upload it first)",
                                                r.name, r.version, file, present.message()));
    }
  }
  if (r.kind != ArtifactKind::kModel) {
    const std::string_view sole = SoleFileOf(r.kind);
    if (r.files.size() != 1 || !r.files.contains(std::string(sole))) {
      return WrongFiles(r, fmt::format("must be exactly one file named {}", sole));
    }
    return Status::Ok();
  }
  const std::string manifest_file(edge::model::kManifestFileName);
  auto manifest_ref = r.files.find(manifest_file);
  if (manifest_ref == r.files.end()) return WrongFiles(r, "a model bundle needs manifest.json");
  KEEL_ASSIGN_OR_RETURN(std::string manifest_bytes,
                        blobs_.Read(manifest_ref->second.sha256,
                                    static_cast<int64_t>(edge::model::kMaxManifestBytes)));
  KEEL_ASSIGN_OR_RETURN(
      edge::model::ModelManifest manifest,
      edge::model::ParseManifest(manifest_bytes, TargetName(r.name, r.version, manifest_file)));
  if (manifest.name != r.name || manifest.version != r.version) {
    return WrongFiles(r, fmt::format("manifest.json names {}@{}", manifest.name, manifest.version));
  }
  size_t expected_files = 1;
  if (manifest.onnx) {
    const std::string& model_file = manifest.onnx->file;
    if (!r.files.contains(model_file)) {
      return WrongFiles(r, fmt::format("manifest.json names model file \"{}\", which is not in "
                                       "the artifact (it must be in the bundle's top directory)",
                                       model_file));
    }
    expected_files = 2;
  }
  if (r.files.size() != expected_files) {
    return WrongFiles(r, "holds files its manifest does not use (a device would not install them)");
  }
  return Status::Ok();
}

Result<PublishOutcome> ArtifactRegistry::Publish(const PublishRequest& r) {
  if (updates_ == nullptr) {
    return Status::FailedPrecondition(
        "signed updates are not set up: run keelctl keys init --online <data-dir>/updates and "
        "restart the hub");
  }
  std::lock_guard lock(publish_mu_);
  const std::string digest = ArtifactDigest(r.files);
  auto existing = store_.GetArtifact(r.name, r.version);
  if (existing.ok()) {
    if (existing->digest != digest || existing->kind != r.kind) {
      return Status::AlreadyExists(fmt::format(
          "artifact {}@{} is already published with other content; versions are immutable, "
          "publish a new version",
          r.name, r.version));
    }
    KEEL_RETURN_IF_ERROR(SignTargets(*existing));  // completes an interrupted publication
    return PublishOutcome{*std::move(existing), false};
  }
  if (existing.status().code() != StatusCode::kNotFound) return existing.status();

  KEEL_RETURN_IF_ERROR(ValidateContent(r));
  if (!r.parent.empty()) {
    auto parent = store_.GetArtifact(r.name, r.parent);
    if (!parent.ok()) {
      return Status(parent.status().code(), fmt::format("artifact {}@{}: parent: {}", r.name,
                                                        r.version, parent.status().message()));
    }
    if (CompareSemVer(*ParseSemVer(r.parent), *ParseSemVer(r.version)) >= 0) {
      return Status::InvalidArgument(
          fmt::format("artifact {}@{}: parent {} is not older", r.name, r.version, r.parent));
    }
  }
  ArtifactRecord a;
  a.name = r.name;
  a.version = r.version;
  a.kind = r.kind;
  a.files = r.files;
  a.digest = digest;
  for (const auto& [file, ref] : r.files) a.size += ref.length;
  a.parent = r.parent;
  a.lineage_json = r.lineage_json;
  a.metrics_json = r.metrics_json;
  a.published_by = r.published_by;
  a.published_ms = clock_.NowMs();
  KEEL_RETURN_IF_ERROR(store_.AddArtifact(a));
  KEEL_RETURN_IF_ERROR(SignTargets(a));
  PublishDeltas(a, DeltaBases(a), blobs_, *updates_);
  spdlog::info("registry: published {} {}@{} ({} files, {} bytes) by \"{}\"",
               ArtifactKindName(a.kind), a.name, a.version, a.files.size(), a.size, a.published_by);
  return PublishOutcome{std::move(a), true};
}

std::vector<ArtifactRecord> ArtifactRegistry::DeltaBases(const ArtifactRecord& a) const {
  std::vector<ArtifactRecord> bases;
  auto versions = store_.ListArtifacts(a.name);
  if (!versions.ok()) return bases;
  const SemVer mine = *ParseSemVer(a.version);
  const ArtifactRecord* newest_older = nullptr;
  for (const auto& v : *versions) {
    if (v.kind != a.kind || v.version == a.version) continue;
    const auto theirs = ParseSemVer(v.version);
    if (!theirs || CompareSemVer(*theirs, mine) >= 0) continue;
    if (v.version == a.parent) bases.push_back(v);
    if (newest_older == nullptr ||
        CompareSemVer(*theirs, *ParseSemVer(newest_older->version)) > 0) {
      newest_older = &v;
    }
  }
  if (newest_older != nullptr && newest_older->version != a.parent) bases.push_back(*newest_older);
  return bases;
}

Status ArtifactRegistry::SignTargets(const ArtifactRecord& a) {
  for (const auto& [file, ref] : a.files) {
    tuf::TargetFile target;
    target.length = ref.length;
    target.sha256 = ref.sha256;
    target.custom = {{"artifact", a.name},
                     {"version", a.version},
                     {"kind", std::string(ArtifactKindName(a.kind))}};
    KEEL_RETURN_IF_ERROR(updates_->AddTarget(TargetName(a.name, a.version, file), target));
  }
  return Status::Ok();
}

Result<int> ArtifactRegistry::Reconcile() {
  if (updates_ == nullptr) return 0;
  std::lock_guard lock(publish_mu_);
  KEEL_ASSIGN_OR_RETURN(auto all, store_.ListArtifacts(""));
  const tuf::TargetsMetadata signed_targets = updates_->targets();
  int repaired = 0;
  for (const auto& a : all) {
    bool complete = true;
    for (const auto& [file, ref] : a.files) {
      complete = complete && signed_targets.targets.contains(TargetName(a.name, a.version, file));
    }
    if (complete) continue;
    KEEL_RETURN_IF_ERROR(SignTargets(a));
    spdlog::warn("registry: signed the targets of {}@{} (its publication was interrupted)", a.name,
                 a.version);
    ++repaired;
  }
  return repaired;
}

}  // namespace keel::hub
