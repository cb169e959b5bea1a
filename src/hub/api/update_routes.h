// The signed update repository as the hub serves it to devices (docs/ota.md):
//   GET /api/v1/updates/metadata/{file}   root.<N>.json, timestamp.json,
//                                         snapshot.json, targets.json
//   GET /api/v1/updates/targets/{name}    the target's bytes; honours a
//                                         "Range: bytes=<from>-" header (206)
//                                         so a device resumes a download
// Both need the client certificate of a device that is not revoked (the
// caller checks). Target files live content-addressed in `targets_dir`
// (<sha256>); the name must be one the signed targets metadata lists.
// Stateless helpers.
#pragma once

#include <httplib.h>

#include <filesystem>
#include <string>

#include "tuf/repository.h"

namespace keel::hub {

void ServeUpdateMetadata(const httplib::Request& req, httplib::Response& res,
                         const tuf::Repository& repository, const std::string& file);

void ServeUpdateTarget(const httplib::Request& req, httplib::Response& res,
                       const tuf::Repository& repository, const std::filesystem::path& targets_dir,
                       const std::string& name);

}  // namespace keel::hub
