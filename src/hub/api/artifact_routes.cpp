#include "hub/api/artifact_routes.h"

#include <spdlog/spdlog.h>

#include "hub/api/http_json.h"

namespace keel::hub {

using nlohmann::json;

json ArtifactJson(const ArtifactRecord& a) {
  json files = json::object();
  json targets = json::array();
  for (const auto& [file, ref] : a.files) {
    files[file] = {{"sha256", ref.sha256}, {"length", ref.length}};
    targets.push_back(ArtifactRegistry::TargetName(a.name, a.version, file));
  }
  return {{"name", a.name},
          {"version", a.version},
          {"kind", std::string(ArtifactKindName(a.kind))},
          {"files", files},
          {"targets", targets},
          {"digest", a.digest},
          {"size", a.size},
          {"parent", a.parent},
          {"lineage", json::parse(a.lineage_json, nullptr, false)},
          {"metrics", json::parse(a.metrics_json, nullptr, false)},
          {"published_by", a.published_by},
          {"published_ms", a.published_ms}};
}

void ServeBlobUpload(const httplib::Request& req, httplib::Response& res,
                     const httplib::ContentReader& content, BlobStore& blobs, int64_t max_bytes) {
  auto upload = blobs.StartUpload(max_bytes);
  if (!upload.ok()) return ReplyError(res, upload.status());
  Status written = Status::Ok();
  const bool complete = content([&](const char* data, size_t length) {
    written = (*upload)->Append(std::string_view(data, length));
    return written.ok();
  });
  if (!written.ok()) return ReplyError(res, written);
  if (!complete) {
    return ReplyError(res, Status::InvalidArgument("blob upload: the body ended early"));
  }
  auto ref = (*upload)->Finish();
  if (!ref.ok()) return ReplyError(res, ref.status());
  spdlog::info("api: stored blob {} ({} bytes) from {}", ref->sha256, ref->length, req.remote_addr);
  ReplyJson(res, {{"sha256", ref->sha256}, {"length", ref->length}}, 201);
}

void ServePublish(const httplib::Request& req, httplib::Response& res, ArtifactRegistry& registry) {
  auto request = ParsePublishRequest(req.body);
  if (!request.ok()) return ReplyError(res, request.status());
  auto outcome = registry.Publish(*request);
  if (!outcome.ok()) return ReplyError(res, outcome.status());
  ReplyJson(res, ArtifactJson(outcome->artifact), outcome->created ? 201 : 200);
}

void ServeArtifactList(const httplib::Request& req, httplib::Response& res,
                       const ArtifactRegistry& registry) {
  const std::string name = req.get_param_value("name");
  if (!name.empty() && !IsArtifactName(name)) {
    return ReplyError(res, Status::InvalidArgument("query parameter name: not an artifact name"));
  }
  auto list = registry.List(name);
  if (!list.ok()) return ReplyError(res, list.status());
  json out = json::array();
  for (const auto& a : *list) out.push_back(ArtifactJson(a));
  ReplyJson(res, {{"artifacts", out}});
}

void ServeArtifact(httplib::Response& res, const ArtifactRegistry& registry,
                   const std::string& name, const std::string& version) {
  auto artifact = registry.Get(name, version);
  if (!artifact.ok()) return ReplyError(res, artifact.status());
  ReplyJson(res, ArtifactJson(*artifact));
}

}  // namespace keel::hub
