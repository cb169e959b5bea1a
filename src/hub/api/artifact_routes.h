// The artifact registry's operator endpoints (docs/api.md), all behind the
// bearer token (the caller checks):
//   POST /api/v1/blobs                    the raw bytes of one file, streamed
//                                         to disk (Content-Length required,
//                                         at most the upload limit) ->
//                                         201 {"sha256", "length"}
//   POST /api/v1/artifacts                a PublishRequest (publish_request.h)
//                                         -> 201 the artifact, or 200 when the
//                                         identical version exists
//   GET  /api/v1/artifacts?name=NAME      {"artifacts": [...]}
//   GET  /api/v1/artifacts/{name}/{version}
// Stateless helpers.
#pragma once

#include <httplib.h>

#include <nlohmann/json.hpp>

#include "hub/models/artifact_registry.h"
#include "hub/models/blob_store.h"

namespace keel::hub {

nlohmann::json ArtifactJson(const ArtifactRecord& artifact);

void ServeBlobUpload(const httplib::Request& req, httplib::Response& res,
                     const httplib::ContentReader& content, BlobStore& blobs, int64_t max_bytes);

void ServePublish(const httplib::Request& req, httplib::Response& res, ArtifactRegistry& registry);

void ServeArtifactList(const httplib::Request& req, httplib::Response& res,
                       const ArtifactRegistry& registry);

void ServeArtifact(httplib::Response& res, const ArtifactRegistry& registry,
                   const std::string& name, const std::string& version);

}  // namespace keel::hub
