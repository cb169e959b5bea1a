// libFuzzer target: the hub API's request-body parsing (every POST body goes
// through ParseJsonObject, then RequireString for each field) and its query
// parameter parsing. Garbage must come back as InvalidArgument, never crash.
#include <cstddef>
#include <cstdint>
#include <string>

#include "hub/api/http_json.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  httplib::Request req;
  req.body.assign(reinterpret_cast<const char*>(data), size);
  auto body = keel::hub::ParseJsonObject(req);
  if (body.ok()) {
    for (const char* key : {"id", "token", "csr"}) {
      auto value = keel::hub::RequireString(*body, key);
      if (!value.ok() && value.status().code() != keel::StatusCode::kInvalidArgument) {
        __builtin_trap();
      }
    }
  } else if (body.status().code() != keel::StatusCode::kInvalidArgument) {
    __builtin_trap();
  }
  req.params.emplace("from", req.body.substr(0, 32));
  auto from = keel::hub::IntQueryParam(req, "from");
  if (!from.ok() && from.status().code() != keel::StatusCode::kInvalidArgument) __builtin_trap();
  return 0;
}
