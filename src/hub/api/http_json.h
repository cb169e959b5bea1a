// Helpers shared by the API's route handlers: JSON bodies and error replies.
#pragma once

#include <httplib.h>

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "common/status.h"

namespace keel::hub {

// The HTTP status for a Status code (InvalidArgument -> 400, ...).
int HttpStatusFor(StatusCode code);

// Writes {"error": {"code": ..., "message": ...}} with the mapped status.
void ReplyError(httplib::Response& res, const Status& status);
// The same with an explicit HTTP status (e.g. 413, 411).
void ReplyError(httplib::Response& res, const Status& status, int http_status);

void ReplyJson(httplib::Response& res, const nlohmann::json& body, int http_status = 200);

// Parses the request body as a JSON object. InvalidArgument says where the
// syntax error is.
Result<nlohmann::json> ParseJsonObject(const httplib::Request& req);

// A required string member of a JSON object.
Result<std::string> RequireString(const nlohmann::json& body, const char* key);

// An optional integer query parameter; InvalidArgument when present but not a
// base-10 int64.
Result<std::optional<int64_t>> IntQueryParam(const httplib::Request& req, const char* name);

}  // namespace keel::hub
