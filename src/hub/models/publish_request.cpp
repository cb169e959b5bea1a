#include "hub/models/publish_request.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "common/semver.h"
#include "hub/models/blob_store.h"

namespace keel::hub {
namespace {

using nlohmann::json;

Status Bad(std::string_view where, std::string_view what) {
  return Status::InvalidArgument(fmt::format("artifact: {}: {}", where, what));
}

Result<std::string> StringMember(const json& body, const char* key, bool required) {
  auto it = body.find(key);
  if (it == body.end()) {
    if (required) return Bad(key, "missing");
    return std::string();
  }
  if (!it->is_string()) return Bad(key, "must be a string");
  return it->get<std::string>();
}

Result<std::string> ObjectMember(const json& body, const char* key) {
  auto it = body.find(key);
  if (it == body.end()) return std::string("{}");
  if (!it->is_object()) return Bad(key, "must be a JSON object");
  return it->dump();
}

Result<std::map<std::string, ArtifactFileRef>> ParseFiles(const json& body) {
  auto it = body.find("files");
  if (it == body.end()) return Bad("files", "missing");
  if (!it->is_object() || it->empty()) return Bad("files", "must be a non-empty object");
  if (it->size() > kMaxArtifactFiles) {
    return Bad("files", fmt::format("more than {} files", kMaxArtifactFiles));
  }
  std::map<std::string, ArtifactFileRef> files;
  for (const auto& [file, ref] : it->items()) {
    const std::string where = "files." + file;
    if (!IsArtifactName(file)) {
      return Bad(where, "file names are 1..64 characters of [A-Za-z0-9._-], not starting with '.'");
    }
    if (!ref.is_object()) return Bad(where, "must be {\"sha256\": ..., \"length\": ...}");
    for (const auto& [key, value] : ref.items()) {
      if (key != "sha256" && key != "length") return Bad(where + "." + key, "unknown member");
    }
    auto sha = ref.find("sha256");
    if (sha == ref.end() || !sha->is_string() || !IsSha256Hex(sha->get<std::string>())) {
      return Bad(where + ".sha256", "must be 64 lower-case hex digits");
    }
    auto length = ref.find("length");
    if (length == ref.end() || !length->is_number_integer() || length->get<int64_t>() < 0) {
      return Bad(where + ".length", "must be an integer >= 0");
    }
    files[file] = {sha->get<std::string>(), length->get<int64_t>()};
  }
  return files;
}

}  // namespace

bool IsArtifactName(std::string_view name) {
  if (name.empty() || name.size() > 64 || name.front() == '.') return false;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

Result<PublishRequest> ParsePublishRequest(std::string_view body) {
  const json doc = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return Bad("body", "not valid JSON");
  if (!doc.is_object()) return Bad("body", "must be a JSON object");
  static constexpr std::string_view kKnown[] = {"name",   "version", "kind",    "files",
                                                "parent", "lineage", "metrics", "published_by"};
  for (const auto& [key, value] : doc.items()) {
    if (std::find(std::begin(kKnown), std::end(kKnown), key) == std::end(kKnown)) {
      return Bad(key, "unknown member");
    }
  }
  PublishRequest r;
  KEEL_ASSIGN_OR_RETURN(r.name, StringMember(doc, "name", true));
  if (!IsArtifactName(r.name)) {
    return Bad("name", "must be 1..64 characters of [A-Za-z0-9._-], not starting with '.'");
  }
  KEEL_ASSIGN_OR_RETURN(r.version, StringMember(doc, "version", true));
  if (!ParseSemVer(r.version))
    return Bad("version", "must be a semantic version MAJOR.MINOR.PATCH");
  KEEL_ASSIGN_OR_RETURN(const std::string kind, StringMember(doc, "kind", true));
  const auto parsed_kind = ParseArtifactKind(kind);
  if (!parsed_kind) return Bad("kind", "must be \"model\", \"config\" or \"agent\"");
  r.kind = *parsed_kind;
  KEEL_ASSIGN_OR_RETURN(r.files, ParseFiles(doc));
  KEEL_ASSIGN_OR_RETURN(r.parent, StringMember(doc, "parent", false));
  if (!r.parent.empty() && !ParseSemVer(r.parent)) {
    return Bad("parent", "must be a semantic version");
  }
  KEEL_ASSIGN_OR_RETURN(r.lineage_json, ObjectMember(doc, "lineage"));
  KEEL_ASSIGN_OR_RETURN(r.metrics_json, ObjectMember(doc, "metrics"));
  KEEL_ASSIGN_OR_RETURN(r.published_by, StringMember(doc, "published_by", false));
  if (r.published_by.size() > 128) return Bad("published_by", "longer than 128 characters");
  return r;
}

}  // namespace keel::hub
