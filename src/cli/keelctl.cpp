#include "cli/keelctl.h"

#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <cstdlib>

#include "cli/api_client.h"
#include "cli/deploy_command.h"
#include "cli/event_table.h"
#include "cli/incident_command.h"
#include "cli/keys_command.h"
#include "cli/model_command.h"
#include "cli/rule_command.h"
#include "cli/topology_command.h"
#include "common/clock.h"

namespace keel::cli {
namespace {

using nlohmann::json;

std::string EnvOr(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? std::string(v) : fallback;
}

std::string FormatTime(int64_t ms) {
  if (ms <= 0) return "-";
  const std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

void PrintDevices(const json& devices, std::ostream& out) {
  out << fmt::format("{:<24} {:<10} {:<21} {:>17} {:>12} {:>7}\n", "ID", "STATE", "LAST SEEN",
                     "ACKED SEQ", "SAMPLES", "OUTBOX");
  for (const auto& d : devices) {
    out << fmt::format("{:<24} {:<10} {:<21} {:>17} {:>12} {:>7}\n", d.value("id", ""),
                       d.value("state", ""), FormatTime(d.value("last_seen_ms", int64_t{0})),
                       d.value("acked_seq", uint64_t{0}), d.value("samples_stored", uint64_t{0}),
                       d["report"].value("outbox_depth", uint64_t{0}));
  }
}

}  // namespace

int RunKeelctl(int argc, const char* const* argv, std::ostream& out, std::ostream& err) {
  CLI::App app{"keelctl: operate a Keel hub"};
  app.require_subcommand(1);
  ApiClientOptions options;
  options.hub_url = EnvOr("KEEL_HUB", "");
  std::string token_file = EnvOr("KEEL_TOKEN_FILE", "");
  std::string ca_file = EnvOr("KEEL_CACERT", "");
  bool as_json = false;
  app.add_option("--hub", options.hub_url, "Hub API URL, https://HOST:PORT (env KEEL_HUB)");
  app.add_option("--token-file", token_file,
                 "File holding the operator token (env KEEL_TOKEN_FILE)");
  app.add_option("--cacert", ca_file,
                 "The hub's CA certificate, <data-dir>/pki/ca.crt (env KEEL_CACERT)");
  app.add_flag("--json", as_json, "Machine-readable JSON output");

  std::function<Status(const ApiClient&)> action;
  std::function<Status()> offline_action;  // commands that never talk to the hub
  AddKeysCommands(app, &offline_action, out);
  AddModelCommands(app, &action, out, &as_json);
  AddIncidentCommands(app, &action, out, &as_json);
  std::string id, name;
  int64_t from = 0, to = 0, limit = 0;

  auto* device = app.add_subcommand("device", "Register, inspect and revoke devices");
  device->require_subcommand(1);
  AddDeployCommands(app, *device, &action, out, &as_json, SystemClock());
  AddTopologyCommands(app, *device, &action, out, &as_json);
  AddRuleCommands(app, &action, out, &as_json);
  auto* add = device->add_subcommand("add", "Register a device; prints its one-time token");
  add->add_option("id", id, "Device id")->required();
  add->callback([&] {
    action = [&](const ApiClient& api) -> Status {
      KEEL_ASSIGN_OR_RETURN(json reply, api.Post("/api/v1/devices", {{"id", id}}));
      out << (as_json ? reply.dump() : reply.value("token", "")) << "\n";
      return Status::Ok();
    };
  });
  auto* token = device->add_subcommand("token", "Issue a new one-time token for a device");
  token->add_option("id", id, "Device id")->required();
  token->callback([&] {
    action = [&](const ApiClient& api) -> Status {
      KEEL_ASSIGN_OR_RETURN(json reply,
                            api.Post("/api/v1/devices/" + id + "/token", json::object()));
      out << (as_json ? reply.dump() : reply.value("token", "")) << "\n";
      return Status::Ok();
    };
  });
  auto* list = device->add_subcommand("list", "List devices");
  list->callback([&] {
    action = [&](const ApiClient& api) -> Status {
      KEEL_ASSIGN_OR_RETURN(json reply, api.Get("/api/v1/devices"));
      if (as_json) {
        out << reply.dump() << "\n";
      } else {
        PrintDevices(reply["devices"], out);
      }
      return Status::Ok();
    };
  });
  auto* show = device->add_subcommand("show", "Show one device");
  show->add_option("id", id, "Device id")->required();
  show->callback([&] {
    action = [&](const ApiClient& api) -> Status {
      KEEL_ASSIGN_OR_RETURN(json reply, api.Get("/api/v1/devices/" + id));
      out << reply.dump(as_json ? -1 : 2) << "\n";
      return Status::Ok();
    };
  });
  auto* revoke =
      device->add_subcommand("revoke", "Revoke a device's certificates and disconnect it");
  revoke->add_option("id", id, "Device id")->required();
  revoke->callback([&] {
    action = [&](const ApiClient& api) -> Status {
      KEEL_ASSIGN_OR_RETURN(json reply,
                            api.Post("/api/v1/devices/" + id + "/revoke", json::object()));
      out << (as_json ? reply.dump() : "revoked " + id) << "\n";
      return Status::Ok();
    };
  });
  int64_t raw_seconds = 60;
  auto* raw = device->add_subcommand(
      "raw", "Ask a device for the raw samples of its analysed channels for a while");
  raw->add_option("id", id, "Device id")->required();
  raw->add_option("--seconds", raw_seconds, "How long, 1..3600 (default 60)");
  raw->callback([&] {
    action = [&](const ApiClient& api) -> Status {
      KEEL_ASSIGN_OR_RETURN(json reply,
                            api.Post("/api/v1/devices/" + id + "/raw", {{"seconds", raw_seconds}}));
      out << (as_json ? reply.dump()
                      : "asked " + id + " for " + std::to_string(raw_seconds) + " s of raw samples")
          << "\n";
      return Status::Ok();
    };
  });

  auto* series = app.add_subcommand("series", "Read stored time series");
  series->require_subcommand(1);
  auto* series_list = series->add_subcommand("list", "List a device's series");
  series_list->add_option("device", id, "Device id")->required();
  series_list->callback([&] {
    action = [&](const ApiClient& api) -> Status {
      KEEL_ASSIGN_OR_RETURN(json reply, api.Get("/api/v1/devices/" + id + "/series"));
      if (as_json) {
        out << reply.dump() << "\n";
      } else {
        for (const auto& n : reply["series"]) out << n.get<std::string>() << "\n";
      }
      return Status::Ok();
    };
  });
  auto* get = series->add_subcommand("get", "Print points as 'time value' lines");
  get->add_option("device", id, "Device id")->required();
  get->add_option("name", name, "Series name")->required();
  get->add_option("--from", from, "Start, ms since epoch (inclusive)");
  get->add_option("--to", to, "End, ms since epoch (exclusive)");
  get->add_option("--limit", limit, "Maximum points");
  get->callback([&] {
    action = [&](const ApiClient& api) -> Status {
      std::string path =
          "/api/v1/devices/" + id + "/series/" + name + "?from=" + std::to_string(from);
      if (to > 0) path += "&to=" + std::to_string(to);
      if (limit > 0) path += "&limit=" + std::to_string(limit);
      KEEL_ASSIGN_OR_RETURN(json reply, api.Get(path));
      if (as_json) {
        out << reply.dump() << "\n";
      } else {
        for (const auto& p : reply["points"])
          out << p[0].get<int64_t>() << " " << p[1].dump() << "\n";
      }
      return Status::Ok();
    };
  });

  EventsRequest events_request;
  auto* events = app.add_subcommand("events", "Show device events, newest first");
  events->add_option("--device", events_request.device, "Only this device");
  events->add_option("--type", events_request.type_prefix, "Type prefix, e.g. anomaly.");
  events->add_option("--since", events_request.since, "Only the last 10m, 2h, 7d, ...");
  events->add_option("--limit", events_request.limit, "Maximum events (hub default 100)");
  events->callback([&] {
    action = [&](const ApiClient& api) -> Status {
      KEEL_ASSIGN_OR_RETURN(std::string path, EventsPath(events_request, SystemClock().NowMs()));
      KEEL_ASSIGN_OR_RETURN(json reply, api.Get(path));
      if (as_json) {
        out << reply.dump() << "\n";
      } else {
        PrintEventTable(reply["events"], out);
      }
      return Status::Ok();
    };
  });

  app.add_subcommand("metrics", "Print the hub's Prometheus metrics")->callback([&] {
    action = [&](const ApiClient& api) -> Status {
      KEEL_ASSIGN_OR_RETURN(std::string text, api.GetText("/metrics"));
      out << text;
      return Status::Ok();
    };
  });
  app.add_subcommand("health", "Check the hub's health")->callback([&] {
    action = [&](const ApiClient& api) -> Status {
      KEEL_ASSIGN_OR_RETURN(json reply, api.Get("/healthz"));
      out << (as_json ? reply.dump() : reply.value("status", "")) << "\n";
      return Status::Ok();
    };
  });

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e, out, err) == 0 ? 0 : 2;
  }
  Status s;
  if (offline_action) {
    s = offline_action();
  } else {
    options.token_file = token_file;
    options.ca_file = ca_file;
    auto client = ApiClient::Create(options);
    if (!client.ok()) {
      err << "keelctl: " << client.status().message() << "\n";
      return 2;
    }
    s = action(*client);
  }
  if (!s.ok()) {
    if (as_json) {
      out << json{{"error",
                   {{"code", std::string(StatusCodeName(s.code()))}, {"message", s.message()}}}}
                 .dump()
          << "\n";
    }
    err << "keelctl: " << s.message() << "\n";
    return 1;
  }
  return 0;
}

}  // namespace keel::cli
