#include "cli/deploy_command.h"

#include <fmt/format.h>
#include <unistd.h>

#include <memory>
#include <optional>

namespace keel::cli {
namespace {

using nlohmann::json;

struct DeployOptions {
  std::string artifact, target = "all", waves = "10,50,100", max_failures = "5%", wave_soak = "60s",
                        device_timeout = "10m", created_by;
  int canary = 1;
  int64_t id = 0;
  bool watch = false;
  std::string device;
  std::vector<std::string> tags;
  // The health gate; unset: the hub's defaults (hub/rollout/deployment.h).
  std::string max_error_rate, anomaly_margin, latency_margin;
  std::optional<double> anomaly_factor, latency_factor;
  std::optional<int64_t> min_windows;
};

// The "gate" member of a deployment request: the options given, as given
// (the hub checks them and names a bad one).
json GateRequest(const DeployOptions& o) {
  json gate = json::object();
  if (!o.max_error_rate.empty()) gate["max_error_rate"] = o.max_error_rate;
  if (!o.anomaly_margin.empty()) gate["anomaly_margin"] = o.anomaly_margin;
  if (!o.latency_margin.empty()) gate["latency_margin"] = o.latency_margin;
  if (o.anomaly_factor) gate["anomaly_factor"] = *o.anomaly_factor;
  if (o.latency_factor) gate["latency_factor"] = *o.latency_factor;
  if (o.min_windows) gate["min_windows"] = *o.min_windows;
  return gate;
}

Result<json> ParseWaves(const std::string& text) {
  json waves = json::array();
  size_t start = 0;
  while (start <= text.size()) {
    const size_t end = std::min(text.find(',', start), text.size());
    const std::string part = text.substr(start, end - start);
    try {
      size_t used = 0;
      const int pct = std::stoi(part, &used);
      if (used != part.size()) throw std::invalid_argument(part);
      waves.push_back(pct);
    } catch (const std::exception&) {
      return Status::InvalidArgument("--waves: \"" + part + "\" is not a percentage");
    }
    start = end + 1;
  }
  return waves;
}

bool Finished(const std::string& state) {
  return state == "completed" || state == "aborted" || state == "rolled_back";
}

// Devices whose part is over (installed, failed, reverted, cancelled).
int DoneCount(const json& counts) {
  int done = 0;
  for (const char* s : {"committed", "failed", "timed_out", "reverted", "cancelled"}) {
    done += counts.value(s, 0);
  }
  return done;
}

std::string StatusLine(const json& d) {
  const json& counts = d["counts"];
  std::string parts;
  for (const auto& [state, n] : counts.items()) parts += fmt::format(" {} {}", state, n.get<int>());
  return fmt::format("deployment {} {}@{} {} wave {}/{} {}{}", d.value("id", 0),
                     d.value("artifact", ""), d.value("version", ""), d.value("state", ""),
                     d.value("wave", 0), d.value("waves_total", 1) - 1,
                     ProgressBar(DoneCount(counts), d.value("devices_total", 0)), parts);
}

void PrintList(const json& list, std::ostream& out) {
  out << fmt::format("{:>4} {:<24} {:<12} {:<6} {:>9} {}\n", "ID", "ARTIFACT", "STATE", "WAVE",
                     "DEVICES", "REASON");
  for (const auto& d : list) {
    out << fmt::format("{:>4} {:<24} {:<12} {:<6} {:>9} {}\n", d.value("id", 0),
                       d.value("artifact", "") + "@" + d.value("version", ""), d.value("state", ""),
                       fmt::format("{}/{}", d.value("wave", 0), d.value("waves_total", 1) - 1),
                       d.value("devices_total", 0), d.value("reason", ""));
  }
}

}  // namespace

std::string ProgressBar(int done, int total, int width) {
  const int filled = total > 0 ? done * width / total : 0;
  return fmt::format("[{}{}] {}/{}", std::string(filled, '#'), std::string(width - filled, '.'),
                     done, total);
}

void AddDeployCommands(CLI::App& app, CLI::App& device,
                       std::function<Status(const ApiClient&)>* action, std::ostream& out,
                       const bool* as_json, const Clock& clock) {
  auto o = std::make_shared<DeployOptions>();
  auto* deploy = app.add_subcommand("deploy", "Roll artifacts out to devices in waves");
  deploy->require_subcommand(1);

  auto* create = deploy->add_subcommand("create", "Start a deployment");
  create->add_option("--artifact", o->artifact, "NAME@VERSION")->required();
  create->add_option("--target", o->target, "all | tag:KEY=VALUE,... | devices:ID,...");
  create->add_option("--canary", o->canary, "Devices in the first wave (default 1)");
  create->add_option("--waves", o->waves, "Cumulative percentages (default 10,50,100)");
  create->add_option("--max-failures", o->max_failures,
                     "Failed share that rolls everything back (default 5%)");
  create->add_option("--wave-soak", o->wave_soak, "Wait after a wave settles (default 60s)");
  create->add_option("--device-timeout", o->device_timeout,
                     "A device silent this long has failed (default 10m)");
  create->add_option("--max-error-rate", o->max_error_rate,
                     "Gate: inference errors per window on updated devices (default 1%)");
  create->add_option("--anomaly-factor", o->anomaly_factor,
                     "Gate: anomaly rate <= others' * factor + margin (default 2)");
  create->add_option("--anomaly-margin", o->anomaly_margin,
                     "Gate: see --anomaly-factor (default 2%)");
  create->add_option("--latency-factor", o->latency_factor,
                     "Gate: scoring latency p99 <= others' * factor + margin (default 1.5)");
  create->add_option("--latency-margin", o->latency_margin,
                     "Gate: see --latency-factor, like 500us or 2ms (default 1ms)");
  create->add_option("--min-windows", o->min_windows,
                     "Gate: windows needed on each side to compare (default 20)");
  create->callback([=, &out] {
    *action = [=, &out](const ApiClient& api) -> Status {
      KEEL_ASSIGN_OR_RETURN(json waves, ParseWaves(o->waves));
      const char* user = std::getenv("USER");
      json body = {{"artifact", o->artifact},
                   {"target", o->target},
                   {"canary", o->canary},
                   {"waves", waves},
                   {"max_failures", o->max_failures},
                   {"wave_soak", o->wave_soak},
                   {"device_timeout", o->device_timeout},
                   {"created_by", user != nullptr ? user : "unknown"}};
      if (json gate = GateRequest(*o); !gate.empty()) body["gate"] = gate;
      KEEL_ASSIGN_OR_RETURN(json reply, api.Post("/api/v1/deployments", body));
      out << (*as_json ? reply.dump() : StatusLine(reply)) << "\n";
      return Status::Ok();
    };
  });

  auto* status = deploy->add_subcommand("status", "Show a deployment's progress");
  status->add_option("id", o->id, "Deployment id")->required();
  status->add_flag("--watch", o->watch, "Redraw every second until it is finished");
  status->callback([=, &out, &clock] {
    *action = [=, &out, &clock](const ApiClient& api) -> Status {
      const bool tty = ::isatty(STDOUT_FILENO) == 1;
      while (true) {
        KEEL_ASSIGN_OR_RETURN(json d, api.Get(fmt::format("/api/v1/deployments/{}", o->id)));
        if (*as_json) {
          out << d.dump() << "\n";
        } else {
          // On a terminal the line is redrawn in place; elsewhere each
          // refresh is a new line, so logs stay readable.
          out << (tty && o->watch ? "\r\033[K" : "") << StatusLine(d)
              << (tty && o->watch && !Finished(d.value("state", "")) ? "" : "\n");
          if (!o->watch || Finished(d.value("state", ""))) {
            out << "  " << d.value("reason", "") << "\n";
          }
          out.flush();
        }
        if (!o->watch || Finished(d.value("state", ""))) return Status::Ok();
        clock.SleepMs(1000);
      }
    };
  });

  deploy->add_subcommand("list", "List deployments")->callback([=, &out] {
    *action = [=, &out](const ApiClient& api) -> Status {
      KEEL_ASSIGN_OR_RETURN(json reply, api.Get("/api/v1/deployments"));
      if (*as_json) {
        out << reply.dump() << "\n";
      } else {
        PrintList(reply["deployments"], out);
      }
      return Status::Ok();
    };
  });

  for (const char* verb : {"pause", "resume", "abort", "rollback"}) {
    auto* cmd = deploy->add_subcommand(verb, fmt::format("{} a deployment", verb));
    cmd->add_option("id", o->id, "Deployment id")->required();
    cmd->callback([=, &out, verb = std::string(verb)] {
      *action = [=, &out](const ApiClient& api) -> Status {
        KEEL_ASSIGN_OR_RETURN(
            json reply,
            api.Post(fmt::format("/api/v1/deployments/{}/{}", o->id, verb), json::object()));
        out << (*as_json ? reply.dump() : StatusLine(reply)) << "\n";
        return Status::Ok();
      };
    });
  }

  auto* tag = device.add_subcommand("tag", "Replace a device's tags (used to target deployments)");
  tag->add_option("id", o->device, "Device id")->required();
  tag->add_option("tags", o->tags, "KEY=VALUE ...");
  tag->callback([=, &out] {
    *action = [=, &out](const ApiClient& api) -> Status {
      json tags = json::object();
      for (const auto& t : o->tags) {
        const size_t eq = t.find('=');
        if (eq == std::string::npos || eq == 0) {
          return Status::InvalidArgument("tag \"" + t + "\" is not KEY=VALUE");
        }
        tags[t.substr(0, eq)] = t.substr(eq + 1);
      }
      KEEL_ASSIGN_OR_RETURN(json reply,
                            api.Post("/api/v1/devices/" + o->device + "/tags", {{"tags", tags}}));
      out << (*as_json ? reply.dump() : "tagged " + o->device) << "\n";
      return Status::Ok();
    };
  });
}

}  // namespace keel::cli
