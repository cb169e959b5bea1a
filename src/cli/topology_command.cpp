#include "cli/topology_command.h"

#include <fmt/format.h>

#include <system_error>

#include "common/files.h"

namespace keel::cli {

using nlohmann::json;

Result<std::string> ReadRequestFile(const std::filesystem::path& file, std::string_view what,
                                    size_t max_bytes) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(file, ec);
  if (ec) return Status::NotFound(fmt::format("{} file {}: {}", what, file.string(), ec.message()));
  if (size > max_bytes) {
    return Status::InvalidArgument(
        fmt::format("{} file {}: {} bytes, more than the hub's request limit of {}", what,
                    file.string(), size, max_bytes));
  }
  return ReadFile(file);
}

Result<std::string> ReadTopologyFile(const std::filesystem::path& file, size_t max_bytes) {
  return ReadRequestFile(file, "topology", max_bytes);
}

void PrintLabels(const json& labels, std::ostream& out) {
  if (!labels.is_object() || labels.empty()) {
    out << "(no context)\n";
    return;
  }
  for (const auto& [key, value] : labels.items()) {  // nlohmann objects iterate in key order
    out << key << "=" << (value.is_string() ? value.get<std::string>() : value.dump()) << "\n";
  }
}

void AddTopologyCommands(CLI::App& app, CLI::App& device,
                         std::function<Status(const ApiClient&)>* action, std::ostream& out,
                         const bool* as_json) {
  auto* topology = app.add_subcommand("topology", "Show or replace the hub's topology");
  topology->require_subcommand(1);
  topology->add_subcommand("get", "Print the stored topology document")->callback([=, &out] {
    *action = [=, &out](const ApiClient& api) -> Status {
      KEEL_ASSIGN_OR_RETURN(json reply, api.Get("/api/v1/topology"));
      out << (*as_json ? reply.dump() : reply["topology"].dump(2)) << "\n";
      return Status::Ok();
    };
  });

  struct SetArgs {
    std::string file;
    int64_t if_match = 0;
  };
  auto args = std::make_shared<SetArgs>();
  auto* set = topology->add_subcommand("set", "Replace the topology with a JSON file");
  set->add_option("file", args->file, "Topology document (docs/topology.md)")->required();
  set->add_option("--if-match", args->if_match,
                  "Only if the stored version is this one (from `topology get --json`)")
      ->check(CLI::PositiveNumber);
  set->callback([=, &out] {
    *action = [=, &out](const ApiClient& api) -> Status {
      KEEL_ASSIGN_OR_RETURN(std::string body, ReadTopologyFile(args->file));
      httplib::Headers headers;
      if (args->if_match > 0) headers.emplace("If-Match", std::to_string(args->if_match));
      KEEL_ASSIGN_OR_RETURN(json reply, api.Put("/api/v1/topology", body, headers));
      out << (*as_json ? reply.dump() : "topology version " + reply.value("version", json()).dump())
          << "\n";
      return Status::Ok();
    };
  });

  auto id = std::make_shared<std::string>();
  auto* context =
      device.add_subcommand("context", "Show the labels a device's alerts are enriched with");
  context->add_option("id", *id, "Device id")->required();
  context->callback([=, &out] {
    *action = [=, &out](const ApiClient& api) -> Status {
      KEEL_ASSIGN_OR_RETURN(json reply, api.Get("/api/v1/devices/" + *id + "/context"));
      if (*as_json) {
        out << reply.dump() << "\n";
      } else {
        PrintLabels(reply["labels"], out);
      }
      return Status::Ok();
    };
  });
}

}  // namespace keel::cli
