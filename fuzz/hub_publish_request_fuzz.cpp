// libFuzzer target: the artifact publication body (POST /api/v1/artifacts).
// Garbage must come back as InvalidArgument, never crash; what parses must
// hold only valid names, hashes and lengths.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "hub/models/blob_store.h"
#include "hub/models/publish_request.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  auto request = keel::hub::ParsePublishRequest(body);
  if (!request.ok()) {
    if (request.status().code() != keel::StatusCode::kInvalidArgument) __builtin_trap();
    return 0;
  }
  if (!keel::hub::IsArtifactName(request->name) || request->files.empty()) __builtin_trap();
  for (const auto& [file, ref] : request->files) {
    if (!keel::hub::IsArtifactName(file) || !keel::hub::IsSha256Hex(ref.sha256) || ref.length < 0) {
      __builtin_trap();
    }
  }
  return 0;
}
