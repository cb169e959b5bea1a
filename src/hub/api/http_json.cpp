#include "hub/api/http_json.h"

#include <charconv>

namespace keel::hub {

int HttpStatusFor(StatusCode code) {
  switch (code) {
    case StatusCode::kOk:
      return 200;
    case StatusCode::kInvalidArgument:
      return 400;
    case StatusCode::kUnauthenticated:
      return 401;
    case StatusCode::kPermissionDenied:
      return 403;
    case StatusCode::kNotFound:
      return 404;
    case StatusCode::kAlreadyExists:
      return 409;
    case StatusCode::kFailedPrecondition:
      return 409;
    case StatusCode::kResourceExhausted:
      return 429;
    case StatusCode::kUnavailable:
      return 503;
    case StatusCode::kIoError:
    case StatusCode::kInternal:
      return 500;
  }
  return 500;
}

void ReplyJson(httplib::Response& res, const nlohmann::json& body, int http_status) {
  res.status = http_status;
  res.set_content(body.dump(), "application/json");
}

void ReplyError(httplib::Response& res, const Status& status) {
  ReplyError(res, status, HttpStatusFor(status.code()));
}

void ReplyError(httplib::Response& res, const Status& status, int http_status) {
  ReplyJson(
      res,
      {{"error",
        {{"code", std::string(StatusCodeName(status.code()))}, {"message", status.message()}}}},
      http_status);
}

Result<nlohmann::json> ParseJsonObject(const httplib::Request& req) {
  nlohmann::json body;
  try {
    body = nlohmann::json::parse(req.body);
  } catch (const nlohmann::json::parse_error& e) {
    return Status::InvalidArgument(std::string("request body: invalid JSON at byte ") +
                                   std::to_string(e.byte));
  } catch (const nlohmann::json::exception& e) {
    // e.g. out_of_range for a number that overflows a double (found by fuzzing).
    return Status::InvalidArgument(std::string("request body: ") + e.what());
  }
  if (!body.is_object()) return Status::InvalidArgument("request body: expected a JSON object");
  return body;
}

Result<std::string> RequireString(const nlohmann::json& body, const char* key) {
  auto it = body.find(key);
  if (it == body.end()) {
    return Status::InvalidArgument(std::string("request body: missing \"") + key + "\"");
  }
  if (!it->is_string()) {
    return Status::InvalidArgument(std::string("request body: \"") + key + "\" must be a string");
  }
  return it->get<std::string>();
}

Result<std::optional<int64_t>> IntQueryParam(const httplib::Request& req, const char* name) {
  if (!req.has_param(name)) return std::optional<int64_t>();
  const std::string text = req.get_param_value(name);
  int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) {
    return Status::InvalidArgument(std::string("query parameter ") + name + "=\"" + text +
                                   "\" is not an integer");
  }
  return std::optional<int64_t>(value);
}

}  // namespace keel::hub
