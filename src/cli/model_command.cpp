#include "cli/model_command.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdlib>
#include <map>
#include <memory>

#include "common/files.h"

namespace keel::cli {
namespace {

using nlohmann::json;

struct PushOptions {
  std::string dir, parent, lineage_file, metrics_file, published_by;
  std::string name, version, kind, file;  // artifact push
  std::string show;                       // NAME@VERSION
  std::string list_name;
};

std::string DefaultPublisher() {
  const char* user = std::getenv("USER");
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
  return fmt::format("{}@{}", user != nullptr ? user : "unknown", host);
}

// A JSON object from `path` ("" = {}).
Result<json> ObjectFile(const std::string& path, const char* what) {
  if (path.empty()) return json::object();
  KEEL_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  json doc = json::parse(text, nullptr, false);
  if (!doc.is_object()) {
    return Status::InvalidArgument(fmt::format("{} {}: not a JSON object", what, path));
  }
  return doc;
}

std::string HumanBytes(int64_t n) {
  if (n >= (int64_t{1} << 20)) return fmt::format("{:.1f} MiB", static_cast<double>(n) / (1 << 20));
  if (n >= 1024) return fmt::format("{:.1f} KiB", static_cast<double>(n) / 1024);
  return fmt::format("{} B", n);
}

// Uploads each file (name in the artifact -> local path) and publishes.
Status Publish(const ApiClient& api, const PushOptions& o, const std::string& name,
               const std::string& version, const std::string& kind,
               const std::map<std::string, std::filesystem::path>& files, std::ostream& out,
               bool as_json) {
  json body = {{"name", name},
               {"version", version},
               {"kind", kind},
               {"files", json::object()},
               {"published_by", o.published_by.empty() ? DefaultPublisher() : o.published_by}};
  for (const auto& [file, path] : files) {
    KEEL_ASSIGN_OR_RETURN(json blob, api.UploadFile("/api/v1/blobs", path));
    body["files"][file] = blob;
  }
  if (!o.parent.empty()) body["parent"] = o.parent;
  KEEL_ASSIGN_OR_RETURN(body["lineage"], ObjectFile(o.lineage_file, "--lineage"));
  KEEL_ASSIGN_OR_RETURN(body["metrics"], ObjectFile(o.metrics_file, "--metrics"));
  KEEL_ASSIGN_OR_RETURN(json reply, api.Post("/api/v1/artifacts", body));
  if (as_json) {
    out << reply.dump() << "\n";
  } else {
    out << fmt::format("published {} {}@{}: {} file(s), {}, digest {}\n", kind, name, version,
                       files.size(), HumanBytes(reply.value("size", int64_t{0})),
                       reply.value("digest", "").substr(0, 16));
  }
  return Status::Ok();
}

Status PushModel(const ApiClient& api, const PushOptions& o, std::ostream& out, bool as_json) {
  const std::filesystem::path dir(o.dir);
  const auto manifest_path = dir / "manifest.json";
  KEEL_ASSIGN_OR_RETURN(std::string text, ReadFile(manifest_path));
  // Only what the upload needs; the hub validates the whole manifest.
  const json manifest = json::parse(text, nullptr, false);
  auto string_at = [&](const json& j, const char* key) -> Result<std::string> {
    if (!j.is_object() || !j.contains(key) || !j[key].is_string()) {
      return Status::InvalidArgument(
          fmt::format("{}: \"{}\" must be a string", manifest_path.string(), key));
    }
    return j[key].get<std::string>();
  };
  KEEL_ASSIGN_OR_RETURN(std::string name, string_at(manifest, "name"));
  KEEL_ASSIGN_OR_RETURN(std::string version, string_at(manifest, "version"));
  std::map<std::string, std::filesystem::path> files{{"manifest.json", manifest_path}};
  if (manifest.contains("onnx")) {
    KEEL_ASSIGN_OR_RETURN(std::string model_file, string_at(manifest["onnx"], "file"));
    files[model_file] = dir / model_file;
  }
  return Publish(api, o, name, version, "model", files, out, as_json);
}

void PrintArtifacts(const json& list, std::ostream& out) {
  out << fmt::format("{:<28} {:<14} {:<7} {:>10} {:<21} {}\n", "NAME", "VERSION", "KIND", "SIZE",
                     "PUBLISHED", "BY");
  for (const auto& a : list) {
    const int64_t ms = a.value("published_ms", int64_t{0});
    const std::time_t secs = static_cast<std::time_t>(ms / 1000);
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char when[32];
    std::strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    out << fmt::format("{:<28} {:<14} {:<7} {:>10} {:<21} {}\n", a.value("name", ""),
                       a.value("version", ""), a.value("kind", ""),
                       HumanBytes(a.value("size", int64_t{0})), when, a.value("published_by", ""));
  }
}

}  // namespace

void AddModelCommands(CLI::App& app, std::function<Status(const ApiClient&)>* action,
                      std::ostream& out, const bool* as_json) {
  auto o = std::make_shared<PushOptions>();
  auto add_lineage = [o](CLI::App* cmd) {
    cmd->add_option("--parent", o->parent, "The version this one derives from");
    cmd->add_option("--lineage", o->lineage_file,
                    "JSON object file: training data window, parameters, ...");
    cmd->add_option("--metrics", o->metrics_file, "JSON object file: evaluation metrics");
    cmd->add_option("--published-by", o->published_by, "Who publishes (default $USER@host)");
  };

  auto* model = app.add_subcommand("model", "Publish and inspect model bundles");
  model->require_subcommand(1);
  auto* push = model->add_subcommand("push", "Upload and publish the model bundle in DIR");
  push->add_option("dir", o->dir, "Bundle directory (manifest.json, model file)")->required();
  add_lineage(push);
  push->callback([=, &out] {
    *action = [=, &out](const ApiClient& api) { return PushModel(api, *o, out, *as_json); };
  });
  auto* list = model->add_subcommand("list", "List published artifacts");
  list->add_option("name", o->list_name, "Only this name");
  list->callback([=, &out] {
    *action = [=, &out](const ApiClient& api) -> Status {
      const std::string query = o->list_name.empty() ? "" : "?name=" + o->list_name;
      KEEL_ASSIGN_OR_RETURN(json reply, api.Get("/api/v1/artifacts" + query));
      if (*as_json) {
        out << reply.dump() << "\n";
      } else {
        PrintArtifacts(reply["artifacts"], out);
      }
      return Status::Ok();
    };
  });
  auto* show = model->add_subcommand("show", "Show one version: files, lineage, metrics");
  show->add_option("artifact", o->show, "NAME@VERSION")->required();
  show->callback([=, &out] {
    *action = [=, &out](const ApiClient& api) -> Status {
      const size_t at = o->show.find('@');
      if (at == std::string::npos || at == 0 || at + 1 == o->show.size()) {
        return Status::InvalidArgument("expected NAME@VERSION, got \"" + o->show + "\"");
      }
      KEEL_ASSIGN_OR_RETURN(json reply, api.Get("/api/v1/artifacts/" + o->show.substr(0, at) + "/" +
                                                o->show.substr(at + 1)));
      out << reply.dump(*as_json ? -1 : 2) << "\n";
      return Status::Ok();
    };
  });

  auto* artifact = app.add_subcommand("artifact", "Publish agent configurations and binaries");
  artifact->require_subcommand(1);
  auto* artifact_push = artifact->add_subcommand("push", "Upload and publish one file");
  artifact_push->add_option("--kind", o->kind, "config (agent.toml) or agent (keel-edge)")
      ->required()
      ->check(CLI::IsMember({"config", "agent"}));
  artifact_push->add_option("--name", o->name, "Artifact name")->required();
  artifact_push->add_option("--version", o->version, "Semantic version")->required();
  artifact_push->add_option("file", o->file, "The file to publish")->required();
  add_lineage(artifact_push);
  artifact_push->callback([=, &out] {
    *action = [=, &out](const ApiClient& api) {
      const std::string as = o->kind == "config" ? "agent.toml" : "keel-edge";
      return Publish(api, *o, o->name, o->version, o->kind, {{as, o->file}}, out, *as_json);
    };
  });
}

}  // namespace keel::cli
