#include "cli/incident_command.h"

#include <fmt/format.h>

#include <cctype>
#include <cstdlib>
#include <memory>

#include "cli/event_table.h"
#include "common/clock.h"

namespace keel::cli {
namespace {

using nlohmann::json;

std::string Operator() {
  const char* user = std::getenv("USER");
  return user != nullptr && *user != '\0' ? user : "operator";
}

// Percent-encodes everything but unreserved characters (RFC 3986).
std::string QueryValue(const std::string& text) {
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) != 0 || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

std::string Labels(const json& labels) {
  std::string out;
  if (!labels.is_object()) return out;
  for (const auto& [key, value] : labels.items()) {
    if (!out.empty()) out += ",";
    out += key + "=" + (value.is_string() ? value.get<std::string>() : value.dump());
  }
  return out;
}

struct IncidentOptions {
  std::string state = "active", note, verdict, cause;
  int64_t limit = 50;
  int64_t id = 0;
  SilenceOptions silence;
};

}  // namespace

Result<json> SilenceRequest(const SilenceOptions& o, int64_t now_ms) {
  json matchers = json::object();
  for (const auto& m : o.match) {
    const size_t eq = m.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == m.size()) {
      return Status::InvalidArgument("--match: \"" + m + "\" is not KEY=VALUE");
    }
    matchers[m.substr(0, eq)] = m.substr(eq + 1);
  }
  if (matchers.empty()) return Status::InvalidArgument("--match: at least one KEY=VALUE");
  int64_t starts = now_ms;
  if (!o.starts_in.empty()) {
    KEEL_ASSIGN_OR_RETURN(const int64_t delay, ParsePositiveDuration(o.starts_in));
    starts += delay;
  }
  int64_t ends = o.until_ms;
  if (!o.duration.empty()) {
    if (o.until_ms != 0) return Status::InvalidArgument("--for and --until: give one");
    KEEL_ASSIGN_OR_RETURN(const int64_t length, ParsePositiveDuration(o.duration));
    ends = starts + length;
  }
  if (ends == 0) return Status::InvalidArgument("--for or --until: how long the silence lasts");
  json body = {{"matchers", matchers},
               {"starts_ms", starts},
               {"ends_ms", ends},
               {"kind", o.maintenance ? "maintenance" : "silence"}};
  if (!o.comment.empty()) body["comment"] = o.comment;
  if (!o.by.empty()) body["by"] = o.by;
  return body;
}

void PrintIncidentTable(const json& incidents, std::ostream& out) {
  out << fmt::format("{:>5} {:<3} {:<12} {:<24} {:>7} {}\n", "ID", "PRI", "STATE", "OPENED (UTC)",
                     "EVENTS", "TITLE");
  for (const auto& i : incidents) {
    out << fmt::format("{:>5} {:<3} {:<12} {:<24} {:>7} {}\n", i.value("id", int64_t{0}),
                       i.value("priority", "-"), i.value("state", "-"),
                       FormatUtcMs(i.value("opened_ms", int64_t{0})),
                       i.value("raw_events", uint64_t{0}), i.value("title", ""));
  }
}

void PrintIncident(const json& i, std::ostream& out) {
  out << fmt::format("incident {} [{} {}] {}\n", i.value("id", int64_t{0}),
                     i.value("priority", "-"), i.value("severity", "-"), i.value("title", ""));
  out << fmt::format("  state {}  opened {}  events {}  reopened {}\n", i.value("state", "-"),
                     FormatUtcMs(i.value("opened_ms", int64_t{0})),
                     i.value("raw_events", uint64_t{0}), i.value("reopened", 0));
  if (i.value("merged_into", int64_t{0}) != 0) {
    out << fmt::format("  merged into incident {}\n", i.value("merged_into", int64_t{0}));
  }
  out << "  members:\n";
  for (const auto& m : i.value("members", json::array())) {
    std::string notes;
    if (m.value("flapping", false)) notes += " flapping";
    if (!m.value("inhibited_by", "").empty())
      notes += " explained by " + m.value("inhibited_by", "");
    if (m.value("silenced_by", int64_t{0}) != 0) {
      notes += fmt::format(" silenced by {}", m.value("silenced_by", int64_t{0}));
    }
    out << fmt::format("    {:<7} {:<9} {}{{{}}} x{}{}\n",
                       m.value("firing", false) ? "FIRING" : "clear", m.value("severity", "-"),
                       m.value("name", ""), Labels(m.value("labels", json())),
                       m.value("events", uint64_t{0}), notes);
  }
  if (i.contains("label") && i["label"].is_object()) {
    const json& l = i["label"];
    out << fmt::format("  label: {} {} (by {})\n", l.value("verdict", ""), l.value("cause", ""),
                       l.value("by", ""));
  }
  out << "  history:\n";
  for (const auto& h : i.value("history", json::array())) {
    out << fmt::format("    {} {:<12} {:<10} {}\n", FormatUtcMs(h.value("at_ms", int64_t{0})),
                       h.value("action", ""), h.value("actor", ""), h.value("note", ""));
  }
}

void PrintNotifications(const json& notifications, std::ostream& out) {
  for (const auto& n : notifications) {
    out << fmt::format("{:>5} {} incident {} {} [{}] {}\n", n.value("id", int64_t{0}),
                       FormatUtcMs(n.value("at_ms", int64_t{0})), n.value("incident", int64_t{0}),
                       n.value("reason", ""), n.value("priority", "-"), n.value("title", ""));
  }
}

void PrintSilences(const json& silences, int64_t now_ms, std::ostream& out) {
  out << fmt::format("{:>4} {:<11} {:<7} {:<24} {:<24} {}\n", "ID", "KIND", "ACTIVE", "ENDS (UTC)",
                     "MATCHERS", "COMMENT");
  for (const auto& s : silences) {
    const bool active =
        s.value("starts_ms", int64_t{0}) <= now_ms && now_ms < s.value("ends_ms", int64_t{0});
    out << fmt::format("{:>4} {:<11} {:<7} {:<24} {:<24} {}\n", s.value("id", int64_t{0}),
                       s.value("kind", ""), active ? "yes" : "no",
                       FormatUtcMs(s.value("ends_ms", int64_t{0})),
                       Labels(s.value("matchers", json())), s.value("comment", ""));
  }
}

void AddIncidentCommands(CLI::App& app, std::function<Status(const ApiClient&)>* action,
                         std::ostream& out, const bool* as_json) {
  auto o = std::make_shared<IncidentOptions>();
  auto* incident =
      app.add_subcommand("incident", "Incidents: list, show, acknowledge, resolve, label");
  incident->require_subcommand(1);
  auto* list = incident->add_subcommand("list", "List incidents, newest first");
  list->add_option("--state", o->state, "active (default), open, acknowledged or resolved");
  list->add_option("--limit", o->limit, "At most this many (1..1000, default 50)");
  list->callback([=, &out] {
    *action = [=, &out](const ApiClient& api) -> Status {
      KEEL_ASSIGN_OR_RETURN(json reply, api.Get(fmt::format("/api/v1/incidents?state={}&limit={}",
                                                            o->state, o->limit)));
      if (*as_json) {
        out << reply.dump() << "\n";
      } else {
        PrintIncidentTable(reply["incidents"], out);
      }
      return Status::Ok();
    };
  });
  auto* show = incident->add_subcommand("show", "Show one incident");
  show->add_option("id", o->id, "Incident id")->required();
  show->callback([=, &out] {
    *action = [=, &out](const ApiClient& api) -> Status {
      KEEL_ASSIGN_OR_RETURN(json reply, api.Get(fmt::format("/api/v1/incidents/{}", o->id)));
      if (*as_json) {
        out << reply.dump() << "\n";
      } else {
        PrintIncident(reply, out);
      }
      return Status::Ok();
    };
  });
  for (const char* verb : {"ack", "resolve"}) {
    auto* cmd = incident->add_subcommand(verb, std::string(verb) == "ack"
                                                   ? "Acknowledge an incident (stops repeats)"
                                                   : "Resolve an incident now");
    cmd->add_option("id", o->id, "Incident id")->required();
    cmd->add_option("--note", o->note, "Why, for the history");
    cmd->callback([=, &out, verb = std::string(verb)] {
      *action = [=, &out](const ApiClient& api) -> Status {
        KEEL_ASSIGN_OR_RETURN(json reply,
                              api.Post(fmt::format("/api/v1/incidents/{}/{}", o->id, verb),
                                       {{"by", Operator()}, {"note", o->note}}));
        out << (*as_json ? reply.dump()
                         : fmt::format("incident {} {}", o->id, reply.value("state", "")))
            << "\n";
        return Status::Ok();
      };
    });
  }
  auto* label = incident->add_subcommand("label", "Record whether the incident was real");
  label->add_option("id", o->id, "Incident id")->required();
  label->add_option("--verdict", o->verdict, "true_positive or false_positive")->required();
  label->add_option("--cause", o->cause, "What it was, e.g. \"bearing wear\"");
  label->callback([=, &out] {
    *action = [=, &out](const ApiClient& api) -> Status {
      KEEL_ASSIGN_OR_RETURN(
          json reply, api.Post(fmt::format("/api/v1/incidents/{}/label", o->id),
                               {{"verdict", o->verdict}, {"cause", o->cause}, {"by", Operator()}}));
      out << (*as_json ? reply.dump() : fmt::format("incident {} labelled {}", o->id, o->verdict))
          << "\n";
      return Status::Ok();
    };
  });

  auto* notes = incident->add_subcommand(
      "notifications", "The notifications the hub decided, oldest first (the outbox)");
  notes->add_option("--after", o->id, "Only those with a larger id");
  notes->add_option("--limit", o->limit, "At most this many (1..1000, default 50)");
  notes->callback([=, &out] {
    *action = [=, &out](const ApiClient& api) -> Status {
      KEEL_ASSIGN_OR_RETURN(
          json reply,
          api.Get(fmt::format("/api/v1/notifications?after={}&limit={}", o->id, o->limit)));
      if (*as_json) {
        out << reply.dump() << "\n";
      } else {
        PrintNotifications(reply["notifications"], out);
      }
      return Status::Ok();
    };
  });

  auto* silence = app.add_subcommand("silence", "Silences and maintenance windows");
  silence->require_subcommand(1);
  auto* add = silence->add_subcommand("add", "Mute matching alerts for a while");
  add->add_option("--match", o->silence.match, "KEY=VALUE (repeatable; alertname=NAME)")
      ->required();
  add->add_option("--for", o->silence.duration, "How long, e.g. 2h");
  add->add_option("--until", o->silence.until_ms, "End, ms since the Unix epoch");
  add->add_option("--starts-in", o->silence.starts_in, "Start later, e.g. 30m");
  add->add_flag("--maintenance", o->silence.maintenance, "Record it as a maintenance window");
  add->add_option("--comment", o->silence.comment, "Why");
  add->callback([=, &out] {
    *action = [=, &out](const ApiClient& api) -> Status {
      SilenceOptions options = o->silence;
      options.by = Operator();
      KEEL_ASSIGN_OR_RETURN(json body, SilenceRequest(options, SystemClock().NowMs()));
      KEEL_ASSIGN_OR_RETURN(json reply, api.Post("/api/v1/silences", body));
      out << (*as_json ? reply.dump()
                       : fmt::format("silence {} until {}", reply.value("id", int64_t{0}),
                                     FormatUtcMs(reply.value("ends_ms", int64_t{0}))))
          << "\n";
      return Status::Ok();
    };
  });
  silence->add_subcommand("list", "List silences")->callback([=, &out] {
    *action = [=, &out](const ApiClient& api) -> Status {
      KEEL_ASSIGN_OR_RETURN(json reply, api.Get("/api/v1/silences"));
      if (*as_json) {
        out << reply.dump() << "\n";
      } else {
        PrintSilences(reply["silences"], SystemClock().NowMs(), out);
      }
      return Status::Ok();
    };
  });
  auto* end = silence->add_subcommand("end", "End a silence now");
  end->add_option("id", o->id, "Silence id")->required();
  end->callback([=, &out] {
    *action = [=, &out](const ApiClient& api) -> Status {
      KEEL_ASSIGN_OR_RETURN(json reply, api.Delete(fmt::format("/api/v1/silences/{}?by={}", o->id,
                                                               QueryValue(Operator()))));
      out << (*as_json ? reply.dump() : fmt::format("silence {} ended", o->id)) << "\n";
      return Status::Ok();
    };
  });
}

}  // namespace keel::cli
