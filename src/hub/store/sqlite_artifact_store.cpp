#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "hub/store/sqlite/store_state.h"
#include "hub/store/sqlite_store.h"

namespace keel::hub {
namespace {

using nlohmann::json;
using sqlite::Connection;

constexpr const char* kSelectArtifact =
    "SELECT name, version, kind, files, digest, size, parent, lineage, metrics, published_by,"
    " published_ms FROM artifacts";

std::string FilesJson(const std::map<std::string, ArtifactFileRef>& files) {
  json out = json::object();
  for (const auto& [file, ref] : files) {
    out[file] = {{"sha256", ref.sha256}, {"length", ref.length}};
  }
  return out.dump();
}

// The store wrote these columns itself, so malformed contents mean the
// database was changed behind its back.
Result<ArtifactRecord> ReadArtifact(const Connection& conn, const sqlite::Stmt& s) {
  ArtifactRecord a;
  a.name = s.Text(0);
  a.version = s.Text(1);
  auto corrupt = [&](std::string_view what) {
    return Status::IoError(fmt::format("hub store {}: artifact {}@{}: {} is corrupt", conn.path(),
                                       a.name, a.version, what));
  };
  const auto kind = ParseArtifactKind(s.Text(2));
  if (!kind) return corrupt("kind");
  a.kind = *kind;
  const json files = json::parse(s.Text(3), nullptr, /*allow_exceptions=*/false);
  if (!files.is_object()) return corrupt("files");
  for (const auto& [file, ref] : files.items()) {
    if (!ref.is_object() || !ref.contains("sha256") || !ref["sha256"].is_string() ||
        !ref.contains("length") || !ref["length"].is_number_integer()) {
      return corrupt("files");
    }
    a.files[file] = {ref["sha256"].get<std::string>(), ref["length"].get<int64_t>()};
  }
  a.digest = s.Text(4);
  a.size = s.Int(5);
  a.parent = s.Text(6);
  a.lineage_json = s.Text(7);
  a.metrics_json = s.Text(8);
  a.published_by = s.Text(9);
  a.published_ms = s.Int(10);
  return a;
}

}  // namespace

std::string_view ArtifactKindName(ArtifactKind kind) {
  switch (kind) {
    case ArtifactKind::kModel:
      return "model";
    case ArtifactKind::kConfig:
      return "config";
    case ArtifactKind::kAgent:
      return "agent";
  }
  return "unknown";
}

std::optional<ArtifactKind> ParseArtifactKind(std::string_view name) {
  for (ArtifactKind k : {ArtifactKind::kModel, ArtifactKind::kConfig, ArtifactKind::kAgent}) {
    if (ArtifactKindName(k) == name) return k;
  }
  return std::nullopt;
}

Status SqliteStore::AddArtifact(const ArtifactRecord& a) {
  if (a.name.empty() || a.version.empty()) {
    return Status::InvalidArgument("artifact name and version must not be empty");
  }
  std::lock_guard lock(state_->write_mu);
  Connection& conn = *state_->writer;
  KEEL_ASSIGN_OR_RETURN(
      auto stmt,
      conn.Prepare("INSERT INTO artifacts(name, version, kind, files, digest, size, parent, "
                   "lineage, metrics, published_by, published_ms) VALUES(?1, ?2, ?3, ?4, ?5, ?6, "
                   "?7, ?8, ?9, ?10, ?11) ON CONFLICT(name, version) DO NOTHING"));
  stmt.Bind(1, a.name)
      .Bind(2, a.version)
      .Bind(3, ArtifactKindName(a.kind))
      .Bind(4, FilesJson(a.files))
      .Bind(5, a.digest)
      .Bind(6, a.size)
      .Bind(7, a.parent)
      .Bind(8, a.lineage_json)
      .Bind(9, a.metrics_json)
      .Bind(10, a.published_by)
      .Bind(11, a.published_ms);
  KEEL_RETURN_IF_ERROR(stmt.Run());
  if (conn.Changes() == 0) {
    return Status::AlreadyExists(
        fmt::format("artifact {}@{} is already published", a.name, a.version));
  }
  return Status::Ok();
}

Result<ArtifactRecord> SqliteStore::GetArtifact(std::string_view name, std::string_view version) {
  auto conn = state_->readers.Acquire();
  KEEL_ASSIGN_OR_RETURN(
      auto stmt, conn->Prepare(std::string(kSelectArtifact) + " WHERE name = ?1 AND version = ?2"));
  stmt.Bind(1, name).Bind(2, version);
  KEEL_ASSIGN_OR_RETURN(const bool row, stmt.Step());
  if (!row) return Status::NotFound(fmt::format("artifact {}@{} is not published", name, version));
  return ReadArtifact(*conn, stmt);
}

Result<std::vector<ArtifactRecord>> SqliteStore::ListArtifacts(std::string_view name) {
  auto conn = state_->readers.Acquire();
  KEEL_ASSIGN_OR_RETURN(
      auto stmt, conn->Prepare(std::string(kSelectArtifact) +
                               " WHERE ?1 = '' OR name = ?1 ORDER BY name, published_ms, version"));
  stmt.Bind(1, name);
  std::vector<ArtifactRecord> out;
  while (true) {
    KEEL_ASSIGN_OR_RETURN(const bool row, stmt.Step());
    if (!row) break;
    KEEL_ASSIGN_OR_RETURN(ArtifactRecord a, ReadArtifact(*conn, stmt));
    out.push_back(std::move(a));
  }
  return out;
}

}  // namespace keel::hub
