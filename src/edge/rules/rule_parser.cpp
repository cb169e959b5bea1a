#include "edge/rules/rule_parser.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <exception>
#include <set>
#include <string>

#include "edge/rules/action_parser.h"
#include "edge/toml/toml_reader.h"

namespace keel::edge::rules {
namespace {

constexpr std::string_view kModes[] = {"off", "idle", "ramping", "running"};
constexpr int64_t kMaxDurationMs = int64_t{7} * 24 * 3600 * 1000;

Status ParseLevel(TomlReader& r, RuleConfig* rule) {
  const toml::node* above = r.Peek("above");
  const toml::node* below = r.Peek("below");
  if (above != nullptr && below != nullptr) {
    return r.Error("below", below, "give either above or below, not both");
  }
  if (above == nullptr && below == nullptr) {
    return r.Error("above", nullptr, "is required (or below)");
  }
  rule->direction = above != nullptr ? Direction::kAbove : Direction::kBelow;
  const std::string_view key = above != nullptr ? "above" : "below";
  auto present = r.Double(key, &rule->level);
  if (!present.ok()) return present.status();
  r.Take(above != nullptr ? "below" : "above");
  return Status::Ok();
}

Status ParseKindFields(TomlReader& r, RuleConfig* rule, std::string_view kind) {
  switch (rule->kind) {
    case RuleKind::kThreshold: {
      KEEL_RETURN_IF_ERROR(ParseLevel(r, rule));
      rule->clear_at = rule->level;
      auto clear = r.Double("clear_at", &rule->clear_at);
      if (!clear.ok()) return clear.status();
      const bool above = rule->direction == Direction::kAbove;
      if (above ? rule->clear_at > rule->level : rule->clear_at < rule->level) {
        return r.Error("clear_at", r.Peek("clear_at"),
                       fmt::format("must be {} {} ({}), got {}", above ? "<=" : ">=",
                                   above ? "above" : "below", rule->level, rule->clear_at));
      }
      for (auto key : {"for_ms", "clear_after_ms", "rate_per_s", "windows"}) {
        KEEL_RETURN_IF_ERROR(r.NotFor(key, kind));
      }
      return Status::Ok();
    }
    case RuleKind::kForDuration:
      KEEL_RETURN_IF_ERROR(ParseLevel(r, rule));
      KEEL_RETURN_IF_ERROR(r.Int("for_ms", 0, kMaxDurationMs, &rule->for_ms, true));
      KEEL_RETURN_IF_ERROR(
          r.Int("clear_after_ms", 0, kMaxDurationMs, &rule->clear_after_ms, false));
      for (auto key : {"clear_at", "rate_per_s", "windows"}) {
        KEEL_RETURN_IF_ERROR(r.NotFor(key, kind));
      }
      return Status::Ok();
    case RuleKind::kRate: {
      auto rate = r.Double("rate_per_s", &rule->rate_per_s);
      if (!rate.ok()) return rate.status();
      if (!*rate) return r.Error("rate_per_s", nullptr, "is required");
      if (!(rule->rate_per_s > 0)) {
        return r.Error("rate_per_s", r.Peek("rate_per_s"),
                       fmt::format("must be > 0, got {}", rule->rate_per_s));
      }
      rule->clear_at = rule->rate_per_s;
      auto clear = r.Double("clear_at", &rule->clear_at);
      if (!clear.ok()) return clear.status();
      if (rule->clear_at < 0 || rule->clear_at > rule->rate_per_s) {
        return r.Error("clear_at", r.Peek("clear_at"),
                       fmt::format("must be between 0 and rate_per_s ({}), got {}",
                                   rule->rate_per_s, rule->clear_at));
      }
      int64_t windows = rule->windows;
      KEEL_RETURN_IF_ERROR(r.Int("windows", 2, 1000, &windows, false));
      rule->windows = static_cast<int>(windows);
      for (auto key : {"above", "below", "for_ms", "clear_after_ms"}) {
        KEEL_RETURN_IF_ERROR(r.NotFor(key, kind));
      }
      return Status::Ok();
    }
  }
  return Status::Ok();
}

Status ParseCommon(TomlReader& r, RuleConfig* rule) {
  KEEL_ASSIGN_OR_RETURN(rule->when_mode, r.Strings("when_mode"));
  for (size_t i = 0; i < rule->when_mode.size(); ++i) {
    const std::string& mode = rule->when_mode[i];
    if (std::find(std::begin(kModes), std::end(kModes), mode) == std::end(kModes)) {
      return r.Error("when_mode", r.Peek("when_mode"),
                     fmt::format("unknown mode \"{}\" (known: off, idle, ramping, running)", mode));
    }
  }
  std::string severity = "warning";
  KEEL_RETURN_IF_ERROR(r.String("severity", &severity, false));
  if (severity == "info") {
    rule->severity = Severity::kInfo;
  } else if (severity == "warning") {
    rule->severity = Severity::kWarning;
  } else if (severity == "critical") {
    rule->severity = Severity::kCritical;
  } else {
    return r.Error(
        "severity", r.Peek("severity"),
        fmt::format("must be \"info\", \"warning\" or \"critical\", got \"{}\"", severity));
  }
  const bool has_actions = r.Peek("actions") != nullptr;
  KEEL_ASSIGN_OR_RETURN(std::vector<std::string> actions, r.Strings("actions"));
  if (!has_actions) actions = {"publish"};
  for (const std::string& action : actions) {
    if (action == "publish") {
      rule->actions.push_back({RuleAction::Kind::kPublish, ""});
      continue;
    }
    constexpr std::pair<std::string_view, RuleAction::Kind> kPrefixes[] = {
        {"command:", RuleAction::Kind::kCommand},
        {"modbus:", RuleAction::Kind::kModbus},
        {"gpio:", RuleAction::Kind::kGpio},
    };
    bool known = false;
    for (const auto& [prefix, kind] : kPrefixes) {
      if (action.starts_with(prefix) && ValidActionName(action.substr(prefix.size()))) {
        rule->actions.push_back({kind, action.substr(prefix.size())});
        known = true;
      }
    }
    if (!known) {
      return r.Error("actions", r.Peek("actions"),
                     fmt::format("unknown action \"{}\" (expected \"publish\", "
                                 "\"command:<name>\", \"modbus:<name>\" or \"gpio:<name>\" "
                                 "with name [A-Za-z0-9._-]{{1,64}})",
                                 action));
    }
  }
  return Status::Ok();
}

Result<RuleConfig> ParseRule(const toml::table& table, std::string_view source, size_t index) {
  TomlReader r(&table, std::string(source), fmt::format("[rule {}]", index));
  RuleConfig rule;
  KEEL_RETURN_IF_ERROR(r.String("name", &rule.name, true));
  if (!ValidActionName(rule.name)) {
    return r.Error("name", r.Peek("name"),
                   fmt::format("must match [A-Za-z0-9._-]{{1,64}}, got \"{}\"", rule.name));
  }
  KEEL_RETURN_IF_ERROR(r.String("input", &rule.input, true));
  if (rule.input.empty()) return r.Error("input", r.Peek("input"), "must not be empty");
  std::string kind;
  KEEL_RETURN_IF_ERROR(r.String("kind", &kind, true));
  if (kind == "threshold") {
    rule.kind = RuleKind::kThreshold;
  } else if (kind == "for_duration") {
    rule.kind = RuleKind::kForDuration;
  } else if (kind == "rate") {
    rule.kind = RuleKind::kRate;
  } else {
    return r.Error(
        "kind", r.Peek("kind"),
        fmt::format("must be \"threshold\", \"for_duration\" or \"rate\", got \"{}\"", kind));
  }
  KEEL_RETURN_IF_ERROR(ParseKindFields(r, &rule, kind));
  KEEL_RETURN_IF_ERROR(ParseCommon(r, &rule));
  KEEL_RETURN_IF_ERROR(r.CheckNoUnknownKeys());
  Status valid = ValidateRule(rule);
  if (!valid.ok()) {
    return Status::InvalidArgument(
        fmt::format("{} [rule {}]: {}", TomlLocation(source, &table), index, valid.message()));
  }
  return rule;
}

// Calls parse(table, source, index) for each table of the array at `key`.
template <typename T, typename Parse>
Result<std::vector<T>> ParseTables(const toml::table& root, std::string_view key,
                                   std::string_view source, Parse parse) {
  std::vector<T> out;
  const toml::node* node = root.get(key);
  if (node == nullptr) return out;
  const toml::array* array = node->as_array();
  if (array == nullptr) {
    return Status::InvalidArgument(fmt::format("{} {}: must be an array of tables ([[{}]])",
                                               TomlLocation(source, node), key, key));
  }
  std::set<std::string, std::less<>> names;
  for (size_t i = 0; i < array->size(); ++i) {
    const toml::node& item = (*array)[i];
    if (!item.is_table()) {
      return Status::InvalidArgument(fmt::format("{} [{} {}]: must be a table, got {}",
                                                 TomlLocation(source, &item), key, i + 1,
                                                 TomlTypeName(item)));
    }
    KEEL_ASSIGN_OR_RETURN(T value, parse(*item.as_table(), source, i + 1));
    if (!names.insert(value.name).second) {
      return Status::InvalidArgument(fmt::format("{} [{} {}] name: \"{}\" is used by another {}",
                                                 TomlLocation(source, item.as_table()->get("name")),
                                                 key, i + 1, value.name, key));
    }
    out.push_back(std::move(value));
  }
  return out;
}

constexpr std::string_view kTables[] = {"rule", "command", "modbus_write", "gpio"};

// The [[gpio]] tables must not share a chip line (the second request fails).
Status CheckGpioLinesUnique(const toml::table& root, std::string_view source,
                            const std::vector<GpioSpec>& gpios) {
  for (size_t i = 0; i < gpios.size(); ++i) {
    for (size_t j = 0; j < i; ++j) {
      if (gpios[i].chip == gpios[j].chip && gpios[i].line == gpios[j].line) {
        return Status::InvalidArgument(
            fmt::format("{} [gpio {}] line: {} line {} is used by [gpio {}] \"{}\"",
                        TomlLocation(source, root["gpio"][i]["line"].node()), i + 1, gpios[i].chip,
                        gpios[i].line, j + 1, gpios[j].name));
      }
    }
  }
  return Status::Ok();
}

// Every named action of every rule must be defined in `set`.
Status ResolveActions(const toml::table& root, std::string_view source, const RuleSet& set) {
  auto defined = [](const auto& specs, const std::string& name) {
    return std::any_of(specs.begin(), specs.end(),
                       [&](const auto& spec) { return spec.name == name; });
  };
  for (size_t i = 0; i < set.rules.size(); ++i) {
    for (const RuleAction& action : set.rules[i].actions) {
      std::string_view table;
      bool found = true;
      switch (action.kind) {
        case RuleAction::Kind::kPublish:
          break;
        case RuleAction::Kind::kCommand:
          table = "command";
          found = defined(set.commands, action.name);
          break;
        case RuleAction::Kind::kModbus:
          table = "modbus_write";
          found = defined(set.modbus_writes, action.name);
          break;
        case RuleAction::Kind::kGpio:
          table = "gpio";
          found = defined(set.gpios, action.name);
          break;
      }
      if (!found) {
        return Status::InvalidArgument(
            fmt::format("{} [rule {}] actions: \"{}\" names no [[{}]]",
                        TomlLocation(source, root["rule"][i]["actions"].node()), i + 1,
                        action.Reference(), table));
      }
    }
  }
  return Status::Ok();
}

Result<RuleSet> ParseRoot(const toml::table& root, std::string_view source, bool resolve) {
  for (const auto& [key, node] : root) {
    if (std::find(std::begin(kTables), std::end(kTables), key.str()) == std::end(kTables)) {
      return Status::InvalidArgument(fmt::format(
          "{} {}: unknown key (expected [[rule]], [[command]], [[modbus_write]] and [[gpio]] "
          "tables)",
          TomlLocation(source, &node), key.str()));
    }
  }
  RuleSet set;
  KEEL_ASSIGN_OR_RETURN(set.rules, ParseTables<RuleConfig>(root, "rule", source, ParseRule));
  KEEL_ASSIGN_OR_RETURN(set.commands,
                        ParseTables<CommandSpec>(root, "command", source, ParseCommandTable));
  KEEL_ASSIGN_OR_RETURN(
      set.modbus_writes,
      ParseTables<ModbusWriteSpec>(root, "modbus_write", source, ParseModbusWriteTable));
  KEEL_ASSIGN_OR_RETURN(set.gpios, ParseTables<GpioSpec>(root, "gpio", source, ParseGpioTable));
  KEEL_RETURN_IF_ERROR(CheckGpioLinesUnique(root, source, set.gpios));
  if (resolve) KEEL_RETURN_IF_ERROR(ResolveActions(root, source, set));
  return set;
}

Result<RuleSet> Parse(std::string_view toml_text, std::string_view source_name, bool resolve) {
  try {
    toml::table root = toml::parse(toml_text, source_name);
    return ParseRoot(root, source_name, resolve);
  } catch (const toml::parse_error& e) {
    const auto& begin = e.source().begin;
    return Status::InvalidArgument(
        fmt::format("{}:{}:{}: {}", source_name, begin.line, begin.column, e.description()));
  } catch (const std::exception& e) {
    return Status::Internal(fmt::format("{}: reading rules: {}", source_name, e.what()));
  }
}

}  // namespace

Result<std::vector<RuleConfig>> ParseRules(std::string_view toml_text,
                                           std::string_view source_name) {
  KEEL_ASSIGN_OR_RETURN(RuleSet set, Parse(toml_text, source_name, /*resolve=*/false));
  return std::move(set.rules);
}

Result<RuleSet> ParseRuleSet(std::string_view toml_text, std::string_view source_name) {
  return Parse(toml_text, source_name, /*resolve=*/true);
}

}  // namespace keel::edge::rules
