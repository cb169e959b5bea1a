#include "cli/rule_command.h"

#include <fmt/format.h>

#include <memory>
#include <string>

#include "cli/event_table.h"
#include "cli/topology_command.h"

namespace keel::cli {

using nlohmann::json;

void PrintRuleStates(const json& states, std::ostream& out) {
  if (!states.is_array() || states.empty()) {
    out << "(nothing raised)\n";
    return;
  }
  out << fmt::format("{:<24} {:<20} {:<24} {:<8} {}\n", "RULE", "DEVICE", "KEY", "STATE", "SINCE");
  for (const auto& s : states) {
    const int64_t since = s.value("since_ms", int64_t{0});
    out << fmt::format(
        "{:<24} {:<20} {:<24} {:<8} {}\n", s.value("rule", "?"), s.value("device", "?"),
        s.value("key", "").empty() ? "-" : s.value("key", ""),
        s.value("raised", false) ? "raised" : "holding", since > 0 ? FormatUtcMs(since) : "-");
  }
}

void AddRuleCommands(CLI::App& app, std::function<Status(const ApiClient&)>* action,
                     std::ostream& out, const bool* as_json) {
  auto* rules = app.add_subcommand("rules", "Show or replace the hub's rules");
  rules->require_subcommand(1);
  rules->add_subcommand("get", "Print the hub's rules document")->callback([=, &out] {
    *action = [=, &out](const ApiClient& api) -> Status {
      KEEL_ASSIGN_OR_RETURN(json reply, api.Get("/api/v1/rules"));
      out << (*as_json ? reply.dump() : json{{"rules", reply["rules"]}}.dump(2)) << "\n";
      return Status::Ok();
    };
  });
  rules->add_subcommand("status", "What the rules raise or hold now")->callback([=, &out] {
    *action = [=, &out](const ApiClient& api) -> Status {
      KEEL_ASSIGN_OR_RETURN(json reply, api.Get("/api/v1/rules"));
      if (*as_json) {
        out << reply["states"].dump() << "\n";
      } else {
        PrintRuleStates(reply["states"], out);
      }
      return Status::Ok();
    };
  });
  auto file = std::make_shared<std::string>();
  auto* set = rules->add_subcommand("set", "Replace the rules with a JSON file");
  set->add_option("file", *file, "Rules document (docs/hub-rules.md)")->required();
  set->callback([=, &out] {
    *action = [=, &out](const ApiClient& api) -> Status {
      KEEL_ASSIGN_OR_RETURN(std::string body, ReadRequestFile(*file, "rules", 64 * 1024));
      KEEL_ASSIGN_OR_RETURN(json reply, api.Put("/api/v1/rules", body, {}));
      if (*as_json) {
        out << reply.dump() << "\n";
      } else {
        out << reply["rules"].size() << " rule(s) in force\n";
      }
      return Status::Ok();
    };
  });
}

}  // namespace keel::cli
